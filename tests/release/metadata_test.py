"""The `[distribution-metadata]` settings applied to a distribution's `provides`: merging, READMEs, refusals."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict

import pytest

from calver_release.release.metadata import (
    DistributionMetadataError,
    LongDescription,
    MetadataSettings,
    PythonRequires,
    Readme,
    check_provides,
    find_readme,
    readme_paths,
    stamped_kwargs,
)

LGPL = "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)"
UNIVERSE = ("3.9", "3.10", "3.11", "3.12")

BACKEND_AI = MetadataSettings.from_options(
    author="Lablup Inc. and contributors",
    url="https://github.com/lablup/backend.ai",
    project_urls={"Documentation": "https://docs.backend.ai/", "Source": "https://github.com/lablup/backend.ai"},
    classifiers=["Intended Audience :: Developers", "Programming Language :: Python :: 3"],
    license_classifiers={"LGPLv3": LGPL, "MIT": "License :: OSI Approved :: MIT License"},
    zip_safe=False,
    long_description=LongDescription.README,
    python_requires=PythonRequires.FROM_CONSTRAINTS,
    name_prefix="backend.ai-",
    require_description=True,
    owned_keywords=["version", "long_description", "long_description_content_type", "url", "project_urls", "author", "zip_safe"],
)
"""What Backend.AI's `setupgen` hard-coded, as settings."""

MANAGER = {"name": "backend.ai-manager", "description": "Backend.AI Manager", "license": "LGPLv3"}
README = Readme("src/ai/backend/manager/README.md", "# Manager\n", "text/markdown")


def kwargs(provides: Dict[str, Any], settings: MetadataSettings = BACKEND_AI, **inputs: Any) -> Dict[str, Any]:
    inputs.setdefault("constraints", ["CPython==3.11.*"])
    return stamped_kwargs("src/ai/backend/manager:dist", provides, settings, version="23.9.5", universe=UNIVERSE, **inputs)


def test_every_setting_reaches_the_kwargs() -> None:
    assert kwargs(MANAGER, readme=README) == {
        **MANAGER,
        "version": "23.9.5",
        "author": "Lablup Inc. and contributors",
        "url": "https://github.com/lablup/backend.ai",
        "zip_safe": False,
        "project_urls": {"Documentation": "https://docs.backend.ai/", "Source": "https://github.com/lablup/backend.ai"},
        "long_description": "# Manager\n",
        "long_description_content_type": "text/markdown",
        "python_requires": ">=3.11,<3.12",
        "classifiers": [
            "Intended Audience :: Developers",
            "Programming Language :: Python :: 3",
            "Development Status :: 5 - Production/Stable",
            "Programming Language :: Python :: 3.11",
            LGPL,
        ],
    }


def test_default_settings_add_only_the_development_status() -> None:
    provides = {**MANAGER, "classifiers": ["Framework :: AsyncIO", "Framework :: AsyncIO"], "python_requires": ">=3.8"}
    assert kwargs(provides, MetadataSettings(), readme=None, constraints=None) == {
        **provides,
        "version": "23.9.5",
        # As before the settings existed: the distribution's own, duplicates included, then the status.
        "classifiers": ["Framework :: AsyncIO", "Framework :: AsyncIO", "Development Status :: 5 - Production/Stable"],
    }


@pytest.mark.parametrize(
    "keyword, value",
    [
        ("author", "Someone Else"),
        ("url", "https://example.com"),
        ("zip_safe", True),
        ("python_requires", ">=3.10,<3.12"),
        ("long_description", "Written in the BUILD file"),
        ("long_description_content_type", "text/x-rst"),
    ],
)
def test_the_distribution_s_own_keyword_wins(keyword: str, value: Any) -> None:
    settings = replace(BACKEND_AI, owned_keywords=())
    assert kwargs({**MANAGER, keyword: value}, settings, readme=README)[keyword] == value


def test_project_urls_and_classifiers_are_merged_the_distribution_s_first() -> None:
    settings = replace(BACKEND_AI, owned_keywords=())
    provides = {
        **MANAGER,
        "project_urls": {"Source": "https://github.com/lablup/backend.ai/tree/main/src/ai/backend/manager", "Issues": "x"},
        "classifiers": ["Framework :: AsyncIO", "Intended Audience :: Developers"],
    }
    result = kwargs(provides, settings)
    assert result["project_urls"] == {
        "Documentation": "https://docs.backend.ai/",
        "Source": "https://github.com/lablup/backend.ai/tree/main/src/ai/backend/manager",
        "Issues": "x",
    }
    assert result["classifiers"] == [
        "Framework :: AsyncIO",
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3",
        "Development Status :: 5 - Production/Stable",
        "Programming Language :: Python :: 3.11",
        LGPL,
    ]


def test_a_classifier_of_each_derived_kind_in_provides_keeps_the_derived_one_out() -> None:
    own = ["Development Status :: 3 - Alpha", "Programming Language :: Python :: 3.12", "License :: Other/Proprietary License"]
    assert kwargs({**MANAGER, "classifiers": own})["classifiers"] == [
        *own,
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3",
    ]


def test_own_python_requires_gives_the_classifiers() -> None:
    settings = MetadataSettings(python_requires=PythonRequires.FROM_CONSTRAINTS)
    result = kwargs({**MANAGER, "python_requires": ">=3.10"}, settings, constraints=None)
    assert (result["python_requires"], result["classifiers"]) == (
        ">=3.10",
        [
            "Development Status :: 5 - Production/Stable",
            "Programming Language :: Python :: 3.10",
            "Programming Language :: Python :: 3.11",
            "Programming Language :: Python :: 3.12",
        ],
    )


def test_underivable_python_requires_names_the_target() -> None:
    with pytest.raises(DistributionMetadataError) as error:
        kwargs(MANAGER, constraints=["CPython==3.10.*", "CPython==3.11.*"])
    assert str(error.value) == (
        "src/ai/backend/manager:dist: cannot derive `python_requires` from several interpreter constraints (got "
        "`CPython==3.10.* OR CPython==3.11.*`); Pants packages a distribution with one: write them as one "
        "constraint, such as `CPython>=3.10,<3.12`"
    )


def test_unknown_license_gets_no_classifier() -> None:
    classifiers = kwargs({**MANAGER, "license": "Proprietary"})["classifiers"]
    assert not [c for c in classifiers if c.startswith("License ::")]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("src/ai/backend/manager/README.rst", "text/x-rst"),
        ("src/ai/backend/manager/ABOUT.md", "text/markdown"),
        ("docs/manager.txt", "text/plain"),
        ("src/ai/backend/manager/README", "text/plain"),
    ],
)
def test_long_description_path_gets_the_content_type_of_its_suffix(path: str, expected: str) -> None:
    result = kwargs(MANAGER, long_description_path=path)
    assert (result["long_description_content_type"], "long_description" in result) == (expected, False)


@pytest.mark.parametrize(
    "names, expected",
    [
        pytest.param(["README.md", "README.rst", "README"], ("README.md", "text/markdown"), id="markdown-first"),
        pytest.param(["README.rst", "README"], ("README.rst", "text/x-rst"), id="rst-next"),
        pytest.param(["README"], ("README", "text/plain"), id="plain-last"),
        pytest.param([], None, id="none"),
    ],
)
def test_find_readme(names, expected) -> None:
    directory = "src/ai/backend/agent"
    contents = {f"{directory}/{name}": f"{name} text".encode() for name in names}
    found = find_readme(directory, contents)
    if expected is None:
        assert found is None
    else:
        name, content_type = expected
        assert found == Readme(f"{directory}/{name}", f"{name} text", content_type)


def test_readme_paths_at_the_build_root() -> None:
    assert readme_paths("") == ("README.md", "README.rst", "README")


def test_a_readme_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(DistributionMetadataError) as error:
        find_readme("agent", {"agent/README.md": b"\xff\xfe"})
    assert str(error.value) == "agent/README.md: the package README is not UTF-8 text (got undecodable bytes); save it as UTF-8"


def test_readme_is_read_only_when_the_distribution_sets_no_long_description() -> None:
    assert BACKEND_AI.reads_readme(MANAGER, None)
    assert not BACKEND_AI.reads_readme({**MANAGER, "long_description": "x"}, None)
    assert not BACKEND_AI.reads_readme(MANAGER, "ABOUT.md")
    assert not MetadataSettings().reads_readme(MANAGER, None)


def test_constraints_are_read_only_when_the_distribution_sets_no_python_requires() -> None:
    assert BACKEND_AI.derives_python_requires(MANAGER)
    assert not BACKEND_AI.derives_python_requires({**MANAGER, "python_requires": ">=3.11"})
    assert not MetadataSettings().derives_python_requires(MANAGER)


@pytest.mark.parametrize(
    "provides, path, message",
    [
        pytest.param(
            {**MANAGER, "zip_safe": True, "author": "x", "url": "y"},
            None,
            "src/ai/backend/manager:dist: `provides` sets keywords that `[distribution-metadata].owned_keywords` "
            "reserves for the plugin (got `author`, `url`, `zip_safe`); remove them from the target",
            id="owned-keywords-sorted",
        ),
        pytest.param(
            MANAGER,
            "ABOUT.md",
            "src/ai/backend/manager:dist: `provides` sets keywords that `[distribution-metadata].owned_keywords` "
            "reserves for the plugin (got `long_description`); remove it from the target",
            id="long-description-path-counts-as-long-description",
        ),
        pytest.param(
            {**MANAGER, "name": "manager"},
            None,
            "src/ai/backend/manager:dist: the distribution name must start with `backend.ai-` "
            "(`[distribution-metadata].name_prefix`) (got `manager`); rename it in `provides`",
            id="name-prefix",
        ),
        pytest.param(
            {"name": "backend.ai-manager"},
            None,
            "src/ai/backend/manager:dist: `provides` lacks a `description`, which "
            "`[distribution-metadata].require_description` requires (got none); add `description=\"...\"` "
            "to its `python_artifact(...)`",
            id="description",
        ),
    ],
)
def test_check_provides_refuses(provides, path, message: str) -> None:
    with pytest.raises(DistributionMetadataError) as error:
        check_provides("src/ai/backend/manager:dist", provides, BACKEND_AI, path)
    assert str(error.value) == message


def test_check_provides_accepts_what_the_settings_allow() -> None:
    check_provides("src/ai/backend/manager:dist", MANAGER, BACKEND_AI, None)
    check_provides("manager:dist", {"name": "manager", "author": "x"}, MetadataSettings(), "ABOUT.md")


@pytest.mark.parametrize(
    "options, message",
    [
        pytest.param(
            {"owned_keywords": ["classifiers", "author", "licence"]},
            "`[distribution-metadata].owned_keywords`: names keywords the plugin never sets (got `classifiers`, "
            "`licence`); choose among `author`, `long_description`, `long_description_content_type`, "
            "`project_urls`, `python_requires`, `url`, `version`, `zip_safe`",
            id="owned-keyword-the-plugin-never-sets",
        ),
        pytest.param(
            {"project_urls": {"Source": "https://example.com", "Stars": 3}},
            "`[distribution-metadata].project_urls`: every value must be a string (got `Stars` set to 3); quote it",
            id="project-url-not-a-string",
        ),
        pytest.param(
            {"license_classifiers": {"MIT": ["License :: OSI Approved :: MIT License"]}},
            "`[distribution-metadata].license_classifiers`: every value must be a string (got `MIT` set to "
            "['License :: OSI Approved :: MIT License']); quote it",
            id="license-classifier-not-a-string",
        ),
    ],
)
def test_bad_settings_name_the_option(options, message: str) -> None:
    with pytest.raises(DistributionMetadataError) as error:
        MetadataSettings.from_options(**options)
    assert str(error.value) == message
