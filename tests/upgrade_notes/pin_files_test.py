"""Requirements files and lockfiles read in the format their content is in; any other format says why."""

from __future__ import annotations

from textwrap import dedent

import pytest
from real_formats import hashed_requirements, pex_lockfile, uv_lockfile

from calver_release.upgrade_notes.pin_files import PinFile, PinFormat, UnreadablePins, read_pins, uv_pins

UV = uv_lockfile(
    [("aioboto3", "15.0.0"), ("SQLAlchemy", "2.0.36")],
    members=[("backend.ai-manager", "26.4.10"), ("backend.ai-common", "26.4.10")],
    forks=[("numpy", "2.2.0", "python_full_version >= '3.13.4'"), ("numpy", "1.26.4", "python_full_version < '3.13.4'")],
)


@pytest.mark.parametrize(
    "path, text, expected",
    [
        pytest.param(
            "requirements.txt",
            dedent(
                """\
                # services
                aiohttp[speedups]>=3.9 ; python_version >= "3.9"  # comment
                SQLAlchemy==2.0.36 \\
                    --hash=sha256:abc
                -r other.txt
                -e ./src/ai/backend/common
                --index-url https://example.com/simple
                git+https://github.com/x/y.git#egg=y
                trafaret
                """
            ),
            PinFile(
                PinFormat.REQUIREMENTS,
                {
                    "aiohttp": ("aiohttp", '[speedups]>=3.9; python_version >= "3.9"'),
                    "sqlalchemy": ("SQLAlchemy", "==2.0.36"),
                    "trafaret": ("trafaret", "(any version)"),
                },
            ),
            id="requirements-file",
        ),
        pytest.param(
            "requirements.txt",
            hashed_requirements([("alembic", "1.16.5"), ("SQLAlchemy", "2.0.37")]),
            PinFile(PinFormat.REQUIREMENTS, {"alembic": ("alembic", "==1.16.5"), "sqlalchemy": ("SQLAlchemy", "==2.0.37")}),
            id="pip-compile-hashes",
        ),
        pytest.param("requirements.txt", "# nothing pinned yet\n", PinFile(PinFormat.REQUIREMENTS, {}), id="only-comments"),
        pytest.param(
            "pyproject.toml",
            '[project]\ndependencies = ["attrs>=23"]\n[project.optional-dependencies]\ntest = ["pytest==7.0.1"]\n',
            PinFile(PinFormat.PYPROJECT, {"attrs": ("attrs", ">=23"), "pytest": ("pytest", "==7.0.1")}),
            id="pyproject",
        ),
        pytest.param(
            "python.lock",
            pex_lockfile([("Mako", "1.3.5"), ("alembic", "1.16.5")]),
            PinFile(PinFormat.PEX, {"mako": ("Mako", "==1.3.5"), "alembic": ("alembic", "==1.16.5")}),
            id="pants-lockfile-with-header",
        ),
        pytest.param(
            "python.lock",
            UV,
            PinFile(
                PinFormat.UV,
                {
                    "aioboto3": ("aioboto3", "==15.0.0"),
                    "numpy": ("numpy", "==1.26.4 | ==2.2.0"),
                    "sqlalchemy": ("SQLAlchemy", "==2.0.36"),
                },
            ),
            id="uv-lockfile-members-left-out-forks-pinned-twice",
        ),
        pytest.param(
            "constraints.lock",
            "alembic==1.16.5\n",
            PinFile(PinFormat.REQUIREMENTS, {"alembic": ("alembic", "==1.16.5")}),
            id="lockfile-in-requirements-format",
        ),
    ],
)
def test_read_pins(path: str, text: str, expected: PinFile) -> None:
    assert read_pins(path, text) == expected


def test_a_uv_lockfile_the_line_scan_cannot_account_for_is_parsed_as_toml() -> None:
    """uv writes `name`, `version`, `source` first; a hand-edited table in another order is still read."""
    reordered = UV.replace('name = "aioboto3"\nversion = "15.0.0"\n', 'version = "15.0.0"\nname = "aioboto3"\n')
    assert reordered != UV
    assert uv_pins(reordered) == uv_pins(UV)


@pytest.mark.parametrize(
    "path, text, reason",
    [
        pytest.param(
            "Pipfile.lock",
            '{"_meta": {"hash": {"sha256": "0f"}}, "default": {}}',
            "JSON without pex's `locked_resolves` (got ['_meta', 'default'])",
            id="pipfile-lock",
        ),
        pytest.param(
            "python.lock",
            "// header\n{\"locked_resolves\": [",
            "not valid JSON (got Expecting value: line 2 column 22 (char 22))",
            id="truncated-pex",
        ),
        pytest.param(
            "poetry.lock",
            '[[package]]\nname = "mypy"\nversion = "1.11.0"\n\n[metadata]\nlock-version = "2.0"\n',
            "TOML, but no uv lockfile: no top-level `version` with `[[package]]` tables (got keys ['metadata', 'package'])",
            id="poetry-lock",
        ),
        pytest.param(
            "python.lock",
            UV[: UV.index("[[package]]", UV.index("aioboto3")) + 30],
            "not valid TOML (got Unterminated string (at end of document))",
            id="truncated-uv",
        ),
        pytest.param(
            "pyproject.toml",
            '[tool.poetry.dependencies]\npython = "^3.11"\n',
            "a Poetry `pyproject.toml` (`[tool.poetry]`), not PEP 621 `[project]` dependencies",
            id="poetry-pyproject",
        ),
        pytest.param(
            "requirements.txt",
            "alembic==1.16.5\n<<<<<<< HEAD\nSQLAlchemy==2.0.36\n",
            "line 2 is not a requirement (got `<<<<<<< HEAD`)",
            id="merge-conflict",
        ),
    ],
)
def test_other_formats_are_not_read_and_say_why(path: str, text: str, reason: str) -> None:
    with pytest.raises(UnreadablePins) as error:
        read_pins(path, text)
    assert str(error.value) == reason
