"""Starting the plugin's own processes from a goal, as side effects the engine knows about.

A goal that changes files under the build root by itself is restarted by Pants ("Filesystem
changed during run"), running its earlier steps twice. A change made by an `InteractiveProcess`
is not: so the journal executor and every file the goals write run through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from pants.engine.process import InteractiveProcess

from calver_release.runtime.compat import run_interactive
from calver_release.runtime.plugin_python import module_command, module_env


async def run_module(module: str, *args: str, env: Mapping[str, str]) -> int:
    """Run `python -m module args...` in the foreground in the build root; its exit code."""
    result = await run_interactive(
        InteractiveProcess(argv=module_command(module, *args), env={**env, **module_env()}, run_in_workspace=True)
    )
    return result.exit_code


async def run_executor(action: str, journal_file: Path, env: Mapping[str, str]) -> int:
    """Run `action` (`run` or `abort`) of a journal in ONE foreground process; its exit code."""
    return await run_module("calver_release.runtime.journal", action, str(journal_file), env=env)


async def write_file(path: Path, text: str, env: Mapping[str, str]) -> int:
    """Replace `path` with `text` atomically; the exit code (the process prints why it failed)."""
    return await run_module("calver_release.runtime.files", str(path), text, env=env)
