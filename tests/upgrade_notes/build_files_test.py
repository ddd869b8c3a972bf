"""BUILD files read statically: which files are BUILD files, and what their calls declare."""

from __future__ import annotations

from textwrap import dedent
from typing import Sequence

import pytest

from calver_release.upgrade_notes.build_files import (
    BuildFileError,
    Declarations,
    DeclaredDistribution,
    declarations,
    is_build_file,
)

PANTS_IGNORE = (".*/", "/dist/", "__pycache__")
"""Pants' default `[GLOBAL].pants_ignore`."""


@pytest.mark.parametrize(
    "path, ignore, expected",
    [
        pytest.param("src/ai/backend/manager/BUILD", PANTS_IGNORE, True, id="build"),
        pytest.param("src/ai/backend/manager/BUILD.pants", PANTS_IGNORE, True, id="build-dot-anything"),
        pytest.param("src/ai/backend/manager/BUILDING.md", PANTS_IGNORE, False, id="other-name"),
        pytest.param(".github/actions/BUILD", PANTS_IGNORE, False, id="hidden-directory"),
        pytest.param("dist/BUILD", PANTS_IGNORE, False, id="anchored-directory"),
        pytest.param("src/dist/BUILD", PANTS_IGNORE, True, id="anchored-only-at-the-root"),
        pytest.param("examples/monorepo/BUILD", ("/examples/",), False, id="build-ignore"),
        pytest.param("tools/pants-plugins/x/BUILD", ("tools/pants-plugins/",), False, id="directory-with-slash"),
        pytest.param("docs/x/BUILD", ("docs/*", "!docs/x/"), True, id="re-included"),
        pytest.param("docs/x/BUILD", ("docs/", "!docs/x/"), False, id="not-below-an-ignored-directory"),
        pytest.param("docs/x/BUILD", ("docs/*",), False, id="star-matches-the-directory"),
        pytest.param("docs/x/y/BUILD", ("docs/*/BUILD",), True, id="star-stays-in-a-segment"),
        pytest.param("a/b/c/BUILD", ("b",), False, id="name-anywhere"),
        pytest.param("a/tests/c/BUILD", ("**/tests/**",), False, id="double-star"),
    ],
)
def test_is_build_file(path: str, ignore: Sequence[str], expected: bool) -> None:
    assert is_build_file(path, ("BUILD", "BUILD.*"), ignore) is expected


def test_declarations_of_backend_ai_like_build_files() -> None:
    """Module-level calls only: a macro's body is not a declaration; literal keyword arguments are read."""
    text = dedent(
        """\
        def visibility_private_component(**kwargs):
            python_distribution(name=kwargs["name"], provides=kwargs["provides"])

        python_requirements(
            name="reqs",
            source="requirements.txt",
            module_mapping={"PyYAML": ["yaml"]},
        )
        python_requirements(name="setuptools", source="../tools/setuptools-requirements.txt")
        poetry_requirements(name="poetry")

        python_distribution(
            name="dist",
            dependencies=[":src", "!!stubs/trafaret:stubs"],
            provides=python_artifact(name="backend.ai-manager", description="Backend.AI Manager", license="LGPLv3"),
            entry_points={"backendai_cli_v10": {"mgr": "ai.backend.manager.cli.__main__:main"}},
            generate_setup=True,
        )
        python_distribution(
            provides=setup_py(name="backend.ai-kernel-helper", version="1.0.0"),
            calver_lockstep=False,
        )
        """
    )
    assert declarations("src/ai/backend/manager/BUILD", text) == Declarations(
        distributions=(
            DeclaredDistribution("src/ai/backend/manager:dist", "backend.ai-manager", None, None),
            DeclaredDistribution("src/ai/backend/manager", "backend.ai-kernel-helper", "1.0.0", False),
        ),
        requirement_files=(
            "src/ai/backend/manager/requirements.txt",
            "src/ai/backend/tools/setuptools-requirements.txt",
            "src/ai/backend/manager/pyproject.toml",
        ),
    )
    assert declarations("BUILD", 'python_distribution(name="dist", provides=python_artifact(name="x"))\n') == Declarations(
        (DeclaredDistribution("//:dist", "x", None, None),)
    )
    assert declarations("src/BUILD", "python_sources()\n") == Declarations()


@pytest.mark.parametrize(
    "text, reason",
    [
        pytest.param("python_distribution(name='dist' provides=None)\n", "not valid Python (got a syntax error on line 1)", id="syntax"),
        pytest.param(
            "ARTIFACT = python_artifact(name='x')\npython_distribution(name='dist', provides=ARTIFACT)\n",
            "`python_distribution` on line 2: `provides` is not a `python_artifact(...)` call",
            id="provides-through-a-variable",
        ),
        pytest.param(
            "python_distribution(provides=python_artifact(description='no name'))\n",
            "`python_distribution` on line 1: `python_artifact` has no literal `name`",
            id="no-name",
        ),
        pytest.param(
            "VERSION = '1.0'\npython_distribution(provides=python_artifact(name='x', version=VERSION))\n",
            "`python_artifact` on line 2: `version` is not a literal str (got `VERSION`)",
            id="version-through-a-variable",
        ),
        pytest.param(
            "python_requirements(source=SOURCE)\n",
            "`python_requirements` on line 1: `source` is not a literal str (got `SOURCE`)",
            id="requirements-source-through-a-variable",
        ),
    ],
)
def test_build_files_that_cannot_be_read_say_why(text: str, reason: str) -> None:
    with pytest.raises(BuildFileError) as error:
        declarations("src/x/BUILD", text)
    assert str(error.value) == reason
