"""The `[distribution-metadata]` settings: metadata every stamped `python_distribution` gets (see metadata.py)."""

from __future__ import annotations

from pants.option.custom_types import UnsetBool
from pants.option.option_types import BoolOption, DictOption, EnumOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text, softwrap

from calver_release.release.metadata import OWNABLE_KEYWORDS, SCOPE, LongDescription, MetadataSettings, PythonRequires


class DistributionMetadataSubsystem(Subsystem):
    options_scope = SCOPE
    help = help_text(
        """
        Metadata every `python_distribution` gets when `pants package` builds it, set once for
        the repository instead of in a setup-kwargs plugin of its own.

        A keyword a distribution sets in its `provides` wins (`classifiers` and `project_urls`
        are merged), unless `[distribution-metadata].owned_keywords` reserves it. Unset, these
        settings add nothing.
        """
    )

    author = StrOption(default=None, advanced=True, help="The `author` of every distribution that sets none.")
    url = StrOption(default=None, advanced=True, help="The `url` (home page) of every distribution that sets none.")
    project_urls = DictOption[str](
        advanced=True,
        help=softwrap(
            """
            `project_urls` of every distribution, e.g. `{ Documentation = "https://docs.example.com/" }`;
            a distribution's own entries are added and win.
            """
        ),
    )
    classifiers = StrListOption(
        advanced=True,
        help=softwrap(
            """
            Trove classifiers every distribution gets after its own. The `Development Status`
            (from the version), `Programming Language :: Python :: X.Y` (see
            `[distribution-metadata].python_requires`) and license classifiers are added unless
            the list already has one of their kind.
            """
        ),
    )
    license_classifiers = DictOption[str](
        advanced=True,
        help=softwrap(
            """
            The classifier each `license` keyword gets, e.g.
            `{ MIT = "License :: OSI Approved :: MIT License" }`. A license not listed gets none.
            """
        ),
    )
    zip_safe = BoolOption(
        # `UnsetBool`, not None: Pants 2.17 turns a None default into False (`Parser.register`).
        default=UnsetBool,  # type: ignore[arg-type]
        default_help_repr="unset",
        advanced=True,
        help="The `zip_safe` of every distribution that sets none; unset, none is set.",
    )
    long_description = EnumOption(
        default=LongDescription.NONE,
        advanced=True,
        help=softwrap(
            """
            `readme`: a distribution that sets no `long_description` (nor the
            `long_description_path` field) gets the `README.md`, `README.rst` or `README` next to
            its BUILD file, the first that exists, with the content type `text/markdown`,
            `text/x-rst` or `text/plain`; one with `long_description_path` gets the content type
            of its suffix. `none`: nothing is added.
            """
        ),
    )
    python_requires = EnumOption(
        default=PythonRequires.NONE,
        advanced=True,
        help=softwrap(
            """
            `from-constraints`: a distribution that sets no `python_requires` gets one from the
            interpreter constraint Pants builds it with, prefix matches spelled as ranges
            (`CPython==3.11.*` gives `>=3.11,<3.12`); several constraints or one without a
            version are refused. Every distribution then gets a `Programming Language :: Python
            :: X.Y` classifier for each version of `[python].interpreter_versions_universe` its
            `python_requires` admits. `none`: Pants writes the constraint as it is.
            """
        ),
    )
    name_prefix = StrOption(
        default=None,
        advanced=True,
        help="Refuse to build a distribution whose name does not start with this, e.g. `backend.ai-`.",
    )
    require_description = BoolOption(
        default=False, advanced=True, help="Refuse to build a distribution whose `provides` has no `description`."
    )
    owned_keywords = StrListOption(
        advanced=True,
        help=softwrap(
            f"""
            Keywords only the plugin sets: a distribution that sets one in `provides` is refused
            (`long_description_path` counts as `long_description`). Any of
            {", ".join(f"`{k}`" for k in OWNABLE_KEYWORDS)}.
            """
        ),
    )

    @property
    def settings(self) -> MetadataSettings:
        """The validated settings; raises DistributionMetadataError naming a bad option."""
        return MetadataSettings.from_options(
            author=self.author,
            url=self.url,
            project_urls=self.project_urls,
            classifiers=self.classifiers,
            license_classifiers=self.license_classifiers,
            zip_safe=self.zip_safe,
            long_description=self.long_description,
            python_requires=self.python_requires,
            name_prefix=self.name_prefix,
            require_description=self.require_description,
            owned_keywords=self.owned_keywords,
        )
