"""Distribution metadata a monorepo sets once for every stamped distribution (`[distribution-metadata]`).

What setup plugins such as Backend.AI's `setupgen` did in code, as settings: `author`, `url`,
`project_urls`, `zip_safe`, standard classifiers and a classifier per `license`, the package README
as `long_description` with its content type, `python_requires` and the `Programming Language ::
Python :: X.Y` classifiers from the interpreter constraints, and checks of the distribution's name
and `description`. A keyword the distribution sets in its own `provides` wins (classifiers and
`project_urls` are merged, the distribution's entries first), unless `owned_keywords` reserves it
for the plugin, in which case setting it is refused. The default settings add nothing but the
`Development Status` classifier every stamped distribution gets.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from calver_release.release.lockstep import with_development_status
from calver_release.release.python_versions import (
    PythonVersionsError,
    is_minor_classifier,
    python_classifiers,
    python_requires,
)

SCOPE = "distribution-metadata"

README_NAMES = (("README.md", "text/markdown"), ("README.rst", "text/x-rst"), ("README", "text/plain"))
"""The package READMEs looked for next to a distribution's BUILD file, in order, with their content type."""

CONTENT_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain", "": "text/plain"}
"""The content type of a `long_description_path`, by suffix."""

OWNABLE_KEYWORDS = (
    "author",
    "long_description",
    "long_description_content_type",
    "project_urls",
    "python_requires",
    "url",
    "version",
    "zip_safe",
)
"""The `provides` keywords the plugin can set, hence own."""


class DistributionMetadataError(ValueError):
    """A distribution's `provides`, or a `[distribution-metadata]` setting, breaks the repository's metadata rules."""


class LongDescription(Enum):
    """Where the `long_description` of a distribution that sets none comes from."""

    README = "readme"
    NONE = "none"


class PythonRequires(Enum):
    """Where `python_requires` comes from when a distribution sets none."""

    FROM_CONSTRAINTS = "from-constraints"
    NONE = "none"


@dataclass(frozen=True)
class Readme:
    """A package README found next to a distribution's BUILD file."""

    path: str
    text: str
    content_type: str


@dataclass(frozen=True)
class MetadataSettings:
    """The `[distribution-metadata]` settings; build them with `from_options`, which validates them."""

    author: Optional[str] = None
    url: Optional[str] = None
    project_urls: Tuple[Tuple[str, str], ...] = ()
    classifiers: Tuple[str, ...] = ()
    license_classifiers: Tuple[Tuple[str, str], ...] = ()
    zip_safe: Optional[bool] = None
    long_description: LongDescription = LongDescription.NONE
    python_requires: PythonRequires = PythonRequires.NONE
    name_prefix: Optional[str] = None
    require_description: bool = False
    owned_keywords: Tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        *,
        project_urls: Mapping[str, Any] = {},
        classifiers: Sequence[str] = (),
        license_classifiers: Mapping[str, Any] = {},
        owned_keywords: Sequence[str] = (),
        **scalars: Any,
    ) -> MetadataSettings:
        """The settings as Pants parsed them; raises DistributionMetadataError naming a bad option."""
        unknown = sorted(set(owned_keywords) - set(OWNABLE_KEYWORDS))
        if unknown:
            raise DistributionMetadataError(
                f"`[{SCOPE}].owned_keywords`: names keywords the plugin never sets (got {_listed(unknown)}); "
                f"choose among {_listed(OWNABLE_KEYWORDS)}"
            )
        return cls(
            project_urls=_string_pairs("project_urls", project_urls),
            classifiers=tuple(classifiers),
            license_classifiers=_string_pairs("license_classifiers", license_classifiers),
            owned_keywords=tuple(sorted(set(owned_keywords))),
            **scalars,
        )

    def reads_readme(self, provides: Mapping[str, Any], long_description_path: Optional[str]) -> bool:
        """Whether the distribution's README must be read: it sets no long description of its own."""
        return (
            self.long_description is LongDescription.README
            and "long_description" not in provides
            and not long_description_path
        )

    def derives_python_requires(self, provides: Mapping[str, Any]) -> bool:
        """Whether `python_requires` comes from the interpreter constraints: the distribution sets none."""
        return self.python_requires is PythonRequires.FROM_CONSTRAINTS and "python_requires" not in provides


def check_provides(
    address: str, provides: Mapping[str, Any], settings: MetadataSettings, long_description_path: Optional[str]
) -> None:
    """Refuse a `provides` that sets an owned keyword, lacks the name prefix or lacks a `description`."""
    provided = set(provides) | ({"long_description"} if long_description_path else set())
    owned = sorted(provided & set(settings.owned_keywords))
    if owned:
        raise DistributionMetadataError(
            f"{address}: `provides` sets keywords that `[{SCOPE}].owned_keywords` reserves for the plugin "
            f"(got {_listed(owned)}); remove {'it' if len(owned) == 1 else 'them'} from the target"
        )
    name = str(provides.get("name", ""))
    if settings.name_prefix and not name.startswith(settings.name_prefix):
        raise DistributionMetadataError(
            f"{address}: the distribution name must start with `{settings.name_prefix}` "
            f"(`[{SCOPE}].name_prefix`) (got `{name}`); rename it in `provides`"
        )
    if settings.require_description and not provides.get("description"):
        raise DistributionMetadataError(
            f"{address}: `provides` lacks a `description`, which `[{SCOPE}].require_description` requires "
            f"(got none); add `description=\"...\"` to its `python_artifact(...)`"
        )


def find_readme(directory: str, contents: Mapping[str, bytes]) -> Optional[Readme]:
    """The first of `README_NAMES` in `directory` that `contents` (path -> bytes) holds."""
    for name, content_type in README_NAMES:
        path = posixpath.join(directory, name)
        if path in contents:
            try:
                return Readme(path, contents[path].decode("utf-8"), content_type)
            except UnicodeDecodeError:
                raise DistributionMetadataError(
                    f"{path}: the package README is not UTF-8 text (got undecodable bytes); save it as UTF-8"
                ) from None
    return None


def readme_paths(directory: str) -> Tuple[str, ...]:
    """Where `find_readme` looks, to read through the engine."""
    return tuple(posixpath.join(directory, name) for name, _ in README_NAMES)


def stamped_kwargs(
    address: str,
    provides: Mapping[str, Any],
    settings: MetadataSettings,
    *,
    version: str,
    readme: Optional[Readme] = None,
    long_description_path: Optional[str] = None,
    constraints: Optional[Sequence[str]] = None,
    universe: Sequence[str] = (),
) -> Dict[str, Any]:
    """The `setup()` kwargs of a distribution: its `provides` with `version` and the repository's metadata.

    `readme` is what `find_readme` found when `settings.reads_readme`; `constraints` are the
    interpreter constraints Pants builds the distribution with, needed when
    `settings.derives_python_requires`; `universe` is `[python].interpreter_versions_universe`.
    """
    kwargs = dict(provides)
    kwargs["version"] = version
    for keyword, value in (("author", settings.author), ("url", settings.url), ("zip_safe", settings.zip_safe)):
        if value is not None:
            kwargs.setdefault(keyword, value)
    if settings.project_urls and isinstance(kwargs.get("project_urls", {}), Mapping):
        kwargs["project_urls"] = {**dict(settings.project_urls), **kwargs.get("project_urls", {})}
    if readme is not None:
        kwargs.setdefault("long_description", readme.text)
        kwargs.setdefault("long_description_content_type", readme.content_type)
    elif long_description_path and settings.long_description is LongDescription.README:
        suffix = posixpath.splitext(long_description_path)[1].lower()
        if suffix in CONTENT_TYPES:
            kwargs.setdefault("long_description_content_type", CONTENT_TYPES[suffix])
    python: Tuple[str, ...] = ()
    if settings.python_requires is PythonRequires.FROM_CONSTRAINTS:
        try:
            if "python_requires" not in kwargs:
                assert constraints is not None, "derives_python_requires needs the interpreter constraints"
                kwargs["python_requires"] = python_requires(constraints)
            python = python_classifiers(str(kwargs["python_requires"]), universe)
        except PythonVersionsError as e:
            raise DistributionMetadataError(f"{address}: {e}") from None
    kwargs["classifiers"] = _classifiers(kwargs, settings, version, python)
    return kwargs


def _classifiers(kwargs: Mapping[str, Any], settings: MetadataSettings, version: str, python: Sequence[str]) -> List[str]:
    """The distribution's own classifiers, then the repository's, then the derived ones each family lacks."""
    classifiers = list(kwargs.get("classifiers", ()))
    classifiers += [c for c in _unique(settings.classifiers) if c not in classifiers]
    classifiers = list(with_development_status(classifiers, version))
    if not any(is_minor_classifier(c) for c in classifiers):
        classifiers += python
    license_classifier = dict(settings.license_classifiers).get(str(kwargs.get("license")))
    if license_classifier and not any(c.startswith("License ::") for c in classifiers):
        classifiers.append(license_classifier)
    return classifiers


def _unique(items: Iterable[str]) -> List[str]:
    return list(dict.fromkeys(items))


def _string_pairs(option: str, mapping: Mapping[str, Any]) -> Tuple[Tuple[str, str], ...]:
    bad = sorted(key for key, value in mapping.items() if not isinstance(value, str))
    if bad:
        raise DistributionMetadataError(
            f"`[{SCOPE}].{option}`: every value must be a string (got {_listed(bad)} set to "
            f"{', '.join(repr(mapping[key]) for key in bad)}); quote {'it' if len(bad) == 1 else 'them'}"
        )
    return tuple(mapping.items())


def _listed(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)
