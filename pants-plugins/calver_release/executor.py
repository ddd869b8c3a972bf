"""Starting the journal executor (`journal.py`) from a goal, as one side effect the engine knows about."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from pants.engine.process import InteractiveProcess

from calver_release.compat import run_interactive
from calver_release.journal import executor_command, executor_env


async def run_executor(action: str, journal_file: Path, env: Mapping[str, str]) -> int:
    """Run `action` (`run` or `abort`) of the journal in the foreground; its exit code.

    One InteractiveProcess for the whole operation: Pants never re-runs it, even when a step
    changes files under the build root.
    """
    result = await run_interactive(
        InteractiveProcess(
            argv=executor_command(action, journal_file),
            env={**env, **executor_env()},
            run_in_workspace=True,
        )
    )
    return result.exit_code
