"""Benchmark of `pants backport --missing` (medians, measured side by side in one run).

A generated repository: two maintained lines (`26.8` regular, `26.4` LTS), `--commits` commits on
`main` since the older branch point (every third a `fix:`, every tenth with a `Backport:` trailer),
half of the fixes backported to each line with `git cherry-pick -x`. Measured: the gate's report
for both lines (`find_missing`) against `--list` of the same two lines (`list_backports`, which
reads the same history), so the ratio is the gate's own cost over the listing that existed before.

Run from the repository root with any Python that has ruamel.yaml and packaging:
    PYTHONPATH=pants-plugins python benchmarks/missing_gate.py [--commits=600] [--rounds=5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable, List

from calver_release.backport.engine import list_backports
from calver_release.backport.missing import find_missing
from calver_release.release.calver import Scheme
from calver_release.release.maintained import parse_registry
from calver_release.runtime.git import GitRepo

IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}
REGISTRY = 'versions:\n  - version: "26.8"\n  - version: "26.4"\n    lts: true\n    retire_after: "2027-04-30"\n'


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **IDENTITY}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env, timeout=120).stdout.strip()


def make_history(repo: Path, commits: int) -> None:
    repo.mkdir()
    git(repo, "init", "-q", "--initial-branch=main")
    (repo / "base.txt").write_text("base\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    git(repo, "branch", "26.4")
    git(repo, "commit", "-q", "--allow-empty", "-m", "feat: 26.8 starts")
    git(repo, "branch", "26.8")
    fixes = []
    for i in range(commits):
        kind = "fix" if i % 3 == 0 else "feat"
        trailer = "\n\nBackport: 26.4\n" if i % 10 == 0 else "\n"
        (repo / f"f{i}.txt").write_text(f"{i}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{kind}: change {i}{trailer}")
        if kind == "fix":
            fixes.append(git(repo, "rev-parse", "HEAD"))
    for line in ("26.8", "26.4"):
        git(repo, "switch", "-q", line)
        for sha in fixes[::2]:
            git(repo, "cherry-pick", "-x", sha)
    git(repo, "switch", "-q", "main")


def median(action: Callable[[], object], rounds: int) -> float:
    times: List[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(IDENTITY)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_history(repo, args.commits)
        registry = parse_registry(".github/maintained-versions.yml", REGISTRY, Scheme(pad_minor=False))
        git_repo = GitRepo(repo)
        gate = median(lambda: find_missing(git_repo, registry, ["26.8", "26.4"], "main", {}, date(2026, 9, 1)), args.rounds)
        listing = median(lambda: [list_backports(git_repo, line) for line in ("26.8", "26.4")], args.rounds)
    print(f"{args.commits} commits on main, 2 lines, median of {args.rounds}:")
    print(f"  backport --missing: {gate:.3f} s")
    print(f"  backport --list:    {listing:.3f} s")
    print(f"  ratio: {gate / listing:.2f}")


if __name__ == "__main__":
    main()
