"""The vendored mode (`[GLOBAL].pythonpath`) without the `plugins` line: one sentence, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from example_repo import source_checkout, stop_pantsd
from install_repo import fresh_repo, launch

from calver_release.register import MISSING_REQUIREMENTS

EXPECTED = (
    "pants.toml: `[GLOBAL].plugins` lacks the calver_release backend's requirements (got `No module named "
    "'ruamel'`); add `plugins = [\"tomli==2.0.1\", \"ruamel.yaml==0.18.6\"]` to `[GLOBAL]`"
)


def vendored_repo(root: Path) -> Path:
    repo = fresh_repo(
        root,
        'pythonpath = ["%(buildroot)s/tools/pants-plugins"]\nbackend_packages = ["pants.backend.python", "calver_release"]\n',
        {"VERSION": "24.09.0rc1\n"},
    )
    shutil.copytree(
        source_checkout() / "pants-plugins/calver_release",
        repo / "tools/pants-plugins/calver_release",
        # As docs/adoption.md says: its BUILD files call this repository's `plugin_package` macro.
        ignore=shutil.ignore_patterns("__pycache__", "BUILD"),
    )
    return repo


def test_the_sentence_names_the_pins_this_repository_uses() -> None:
    requirements = (source_checkout() / "3rdparty/requirements.txt").read_text().splitlines()
    assert {"tomli==2.0.1", "ruamel.yaml==0.18.6"} <= set(requirements)
    assert MISSING_REQUIREMENTS.format(error="No module named 'ruamel'") == EXPECTED


def test_without_pantsd(tmp_path: Path) -> None:
    repo = vendored_repo(tmp_path / "acme")
    run = launch(repo, "release-version")
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", EXPECTED + "\n"), str(run)


def test_with_pantsd(tmp_path: Path) -> None:
    repo = vendored_repo(tmp_path / "acme")
    try:
        run = launch(repo, "release-version", pantsd=True)
    finally:
        stop_pantsd(repo)
    assert (run.exit_code, run.stdout) == (1, ""), str(run)
    # Pants' own lines around it: `[ERROR] <message>`, then where to read about troubleshooting.
    errors = [line for line in run.stderr.splitlines() if "[ERROR]" in line]
    assert [line.split("[ERROR] ", 1)[1] for line in errors] == [EXPECTED], str(run)
    assert "Traceback" not in run.stderr
