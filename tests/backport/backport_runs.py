"""Helpers of the backport tests: a goal run with what its executor printed, and a slow `git`.

RuleRunner's Console keeps what the goal prints; the executor writes to the session's stdio, which
`mock_console` sends to files. The goal prints everything of its own before it starts the executor,
so a run's output is the goal's followed by the executor's, as in a terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from conftest import CALLER_ENV, GIT

SLOW_GIT = """#!/bin/sh
for arg in "$@"; do
  if [ "$arg" = cherry-pick ]; then
    echo $$ >> "$PICKS"
    if [ "$(wc -l < "$PICKS")" -ge "$SLOW_FROM" ]; then sleep 60; fi
    break
  fi
done
exec {git} "$@"
"""


def slow_git(directory: Path) -> Path:
    """`directory` with a `git` to put first on `PATH`: it appends its process id to the file `$PICKS` for
    each `cherry-pick` it starts and, from the `$SLOW_FROM`-th on, sleeps a minute before running git."""
    directory.mkdir(exist_ok=True)
    (directory / "git").write_text(SLOW_GIT.format(git=GIT))
    (directory / "git").chmod(0o755)
    return directory


def run_with_executor(
    rule_runner: Any, goal: Any, *args: str, global_args: tuple = (), env: Optional[Mapping[str, str]] = None
) -> Any:
    """Run `goal` with `args` as a shell would (the caller's `CALLER_ENV`, or exactly `env`), executor included."""
    from pants.testutil.rule_runner import GoalRuleResult, mock_console  # pants: no-infer-dep (see tests/BUILD)

    inherit = {"env": dict(env)} if env is not None else {"env_inherit": set(CALLER_ENV)}
    with mock_console(rule_runner.options_bootstrapper) as (_, stdio):
        result = rule_runner.run_goal_rule(goal, global_args=list(global_args), args=list(args), **inherit)
        return GoalRuleResult(result.exit_code, result.stdout + stdio.get_stdout(), result.stderr + stdio.get_stderr())
