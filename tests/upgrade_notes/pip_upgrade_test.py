"""The package command of the upgrade notes, run for real: a throwaway virtualenv, wheels built here, real pip.

The virtualenv has a subset of the distributions (an agent node: agent, common, storage proxy; no
manager). A find-links directory holds the other version of every distribution, manager included.
The command must move exactly the installed ones to that version and install nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Sequence

import pytest

from calver_release.upgrade_notes.packages import upgrade_command

DISTRIBUTIONS = ("backend.ai-agent", "backend.ai-common", "backend.ai-manager", "backend.ai-storage-proxy")


def build_wheel(directory: Path, name: str, version: str, requires: Sequence[str] = ()) -> Path:
    """A minimal pure-Python wheel: one module, METADATA, WHEEL and a RECORD with real hashes."""
    stem = name.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    requirements = "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    files = {
        f"{stem.replace('.', '_')}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requirements}",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: pip_upgrade_test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{path},sha256={digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = directory / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def release_wheels(directory: Path, version: str, spelling: Dict[str, str]) -> Path:
    """Every distribution at `version`, each server-side one pinning `backend.ai-common` exactly, as Pants builds them."""
    directory.mkdir()
    for name in DISTRIBUTIONS:
        requires = () if name == "backend.ai-common" else (f"backend.ai-common=={version}",)
        build_wheel(directory, spelling.get(name, name), version, requires)
    return directory


def run(argv: Sequence[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param("24.3.0", "24.3.2", id="patch-update"),
        pytest.param("24.3.2", "24.9.0rc1", id="to-a-pre-release"),
        pytest.param("24.3.2", "24.3.0", id="downgrade"),
    ],
)
def test_the_command_upgrades_only_the_installed_distributions(tmp_path: Path, old: str, new: str) -> None:
    # The storage proxy was built by an older setuptools that wrote its name with underscores.
    installed = release_wheels(tmp_path / "installed", old, {"backend.ai-storage-proxy": "backend_ai_storage_proxy"})
    index = release_wheels(tmp_path / "index", new, {})
    venv = tmp_path / "venv"
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CONFIG_FILE": "/dev/null",
        "HOME": str(tmp_path),
    }
    run([sys.executable, "-m", "venv", str(venv)], env)
    agent_node = ["backend.ai-agent", "backend_ai_storage_proxy"]
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", f"--find-links={installed}", *agent_node], env)

    assert backend_ai(venv, env) == [f"backend.ai-agent=={old}", f"backend.ai-common=={old}", f"backend_ai_storage_proxy=={old}"]

    run(["sh", "-c", upgrade_command(DISTRIBUTIONS, new)], {**env, "PIP_FIND_LINKS": str(index)})

    assert backend_ai(venv, env) == [f"backend.ai-agent=={new}", f"backend.ai-common=={new}", f"backend.ai-storage-proxy=={new}"]


def backend_ai(venv: Path, env: Dict[str, str]) -> list:
    """The installed Backend.AI distributions, as `pip list --format=freeze` names them."""
    freeze = run([str(venv / "bin/python"), "-m", "pip", "list", "--format=freeze"], env).stdout
    return sorted(line for line in freeze.splitlines() if line.lower().startswith("backend"))
