"""Running one of the plugin's own modules in a child process, with the interpreter that runs Pants."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Tuple

PLUGIN_ROOT = str(Path(__file__).resolve().parents[2])
"""The directory `calver_release` is imported from (`pants-plugins/`, or the plugin's site-packages)."""


def module_command(module: str, *args: str) -> Tuple[str, ...]:
    """`python -m module args...`, with the interpreter running now (Pants' own)."""
    return (sys.executable, "-m", module, *args)


def module_env() -> Dict[str, str]:
    """The environment a child needs to import `calver_release` as Pants did."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [PLUGIN_ROOT, os.environ.get("PYTHONPATH", "")]))}
