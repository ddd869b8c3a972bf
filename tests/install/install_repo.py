"""Fresh repositories that are not this one, driven by a copy of the real `./pants` launcher."""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent
from typing import Mapping

from conftest import init_repo
from example_repo import PantsRun, run_pants, source_checkout

MACHINE_SETTINGS = dedent(
    """\
    [python]
    # Pants requires them of every repository with Python code (a CPython 3.9 is what this machine has).
    interpreter_constraints = ["CPython==3.9.*"]

    [subprocess-environment]
    # This machine's pip configuration must not reach pex (as in this repository's pants.toml).
    env_vars = ["PIP_CONFIG_FILE=/dev/null"]
    """
)
"""What every pants.toml here needs on this machine, whatever the plugin."""


def write_pants_toml(root: Path, global_section: str) -> None:
    """`root/pants.toml`: Pants' version, `global_section` (which may open more sections) and `MACHINE_SETTINGS`."""
    (root / "pants.toml").write_text(f"[GLOBAL]\npants_version = \"2.17.1\"\n{global_section}\n{MACHINE_SETTINGS}")


def fresh_repo(root: Path, global_section: str, files: Mapping[str, str]) -> Path:
    """A git repository at `root` with the launcher, a `pants.toml` made of `global_section`, and `files`."""
    root.mkdir(parents=True)
    shutil.copy2(source_checkout() / "pants", root / "pants")
    write_pants_toml(root, global_section)
    (root / ".gitignore").write_text("/.pants.d/\n/.pids/\n/dist/\n")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return init_repo(root)


def launch(root: Path, *args: str, pantsd: bool = False, env: Mapping[str, str] = {}) -> PantsRun:
    """Run `./pants args...` in `root` (without pantsd unless asked), as a user would."""
    return run_pants(root, *args, pantsd=pantsd, env=env, launcher="./pants")
