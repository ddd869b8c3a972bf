"""Benchmarks of `pants topic-switch` (medians, measured side by side in one run).

1. Plan computation on a generated repository with 2,000 revisions (merges every 50) and two
   branches of 100 revisions each; target under 0.5 s.
2. A switch between two branches with identical lockfiles against the process's own manual
   sequence (`alembic downgrade -1`, `git switch`, `pants export` of the four resolves it keeps,
   `alembic upgrade head`) on a copy of the example monorepo, both with pantsd as developers run
   Pants; target at most 25% of the manual time.

Run from the repository root with the dev venv (alembic, tomli, ruamel.yaml):
    PYTHONPATH=pants-plugins:tests:tests/migrations python benchmarks/topic_switch.py [--rounds=3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

from alembic_repos import commit, git, make_repo, revision_file

from calver_release.runtime.git import GitRepo
from calver_release.topic_switch.plan import DEFAULT_RESOLVES, ExportMode, SwitchSettings, build_plan

EXPORT = ["export", *(f"--resolve={resolve}" for resolve in DEFAULT_RESOLVES)]
"""The process's export step: every resolve it keeps (the example defines all four)."""


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def generated_specs():
    base, prev = [("r0", None, None, None)], "r0"
    for i in range(1, 1867):
        if i % 50 == 0:
            base += [(f"b{i}", prev, None, None), (f"c{i}", prev, None, None), (f"m{i}", (f"b{i}", f"c{i}"), None, None)]
            prev = f"m{i}"
        else:
            base.append((f"r{i}", prev, None, None))
            prev = f"r{i}"
    branch = lambda letter: [(f"{letter}{i}", prev if i == 0 else f"{letter}{i - 1}", None, None) for i in range(100)]  # noqa: E731
    return base, branch("t"), branch("n")


def plan_benchmark(root: Path, rounds: int) -> float:
    base, topic, other = generated_specs()
    repo = make_repo(root, base, {"topic": topic, "other": other})
    git(repo, "switch", "-q", "topic")
    fake_current = root / "alembic-current"
    fake_current.write_text("#!/bin/sh\necho 't99 (head)'\n")
    fake_current.chmod(0o755)
    total = len(set(spec[0] for spec in base + topic + other))
    settings = SwitchSettings(GitRepo(repo), "other", alembic_command=(str(fake_current),), export=ExportMode.NONE)
    times = [timed(lambda: build_plan(settings, dict(os.environ))) for _ in range(rounds)]
    plan = build_plan(settings, dict(os.environ))
    migrations = plan.environments[0].migrations
    undo, commands, apply = len(migrations.downgrade.to_undo), len(migrations.downgrade.commands), len(migrations.to_apply)
    print(f"plan: {total} revisions, undo {undo} with {commands} command(s), apply {apply}")
    return statistics.median(times)


def switch_benchmark(root: Path, rounds: int) -> tuple:
    from example_repo import copy_example

    repo = copy_example(root)
    pants = [str(root / "pants")]
    env = {**os.environ, "PANTS_PANTSD": "true"}
    run = lambda *argv: subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run(*pants, *EXPORT)
    (python,) = repo.glob("dist/export/python/virtualenvs/python-default/*/bin/python")
    alembic = [str(python), "-m", "alembic"]
    versions = "src/ai/backend/manager/models/alembic/versions"
    for name in ("topic-a", "topic-b"):
        git(repo, "switch", "-q", "-c", name, "main")
        commit(repo, {f"{versions}/{name[-1]}1.py": revision_file((f"{name[-1]}1", "8b2e4d6f9a01", None, None))}, name)
    db = root / "bench.sqlite"
    env["PANTS_TOPIC_SWITCH_DB_URLS"] = f"{{'alembic.ini': 'sqlite:///{db}'}}"
    url = ["-x", f"db=sqlite:///{db}"]
    run(*alembic, *url, "upgrade", "heads")
    run(*pants, "topic-switch", "--to=topic-a", "--dry-run")  # warm pantsd

    def manual(target: str) -> None:
        run(*alembic, *url, "downgrade", "-1")
        run("git", "switch", "-q", target)
        run(*pants, *EXPORT)
        run(*alembic, *url, "upgrade", "head")

    def tool(target: str) -> None:
        run(*pants, "topic-switch", f"--to={target}")

    manual_times: List[float] = []
    tool_times: List[float] = []
    try:
        for _ in range(rounds):
            # Each direction has work to do: one revision to undo and one to apply.
            manual_times.append(timed(lambda: manual("topic-a")))
            tool_times.append(timed(lambda: tool("topic-b")))
    finally:
        for pid_file in repo.glob(".pids/*/pantsd/pid"):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)  # the pantsd this benchmark started
    return statistics.median(manual_times), statistics.median(tool_times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-topic-switch-") as tmp:
        plan = plan_benchmark(Path(tmp) / "plan", max(args.rounds, 5))
        print(f"plan computation (median of {max(args.rounds, 5)}): {plan:.3f} s (target < 0.5 s)")
        manual, tool = switch_benchmark(Path(tmp), args.rounds)
        print(f"switch, identical lockfiles (median of {args.rounds}): manual {manual:.2f} s, topic-switch {tool:.2f} s, "
              f"ratio {tool / manual:.0%} (target <= 25%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
