"""Benchmark of `pants backport --missing` (medians, measured side by side in one run).

A generated history the size of Backend.AI's 26.4 line: 500 commits on `main` since the older
line's branch point, 120 of them `fix:`, each pull request squash-merged (`subject (#N)`) and
changing 8 lines in each of 3 of 40 files (about 50 diff lines). Two maintained lines:

- `24.03` (LTS, cut before the 500): 85 commits, 70 of them backports recorded the ways real
  repositories record them: 40 squash-merged `subject (#N) (#M)` without `-x`, 10 by hand with
  `[24.03 backport]`, `(backport to 24.03)` or `(24.03 backport)`, 10 `git cherry-pick -x`, 5 with
  `Backported-From: main (SHA)`, 5 reworded (the patch id is the only proof: those 5 fixes add a
  module of 40 lines instead); 50 fixes missing.
  Neighbouring blocks changed on `main` but not on the line change the context, so many
  backports have a patch id of their own.
- `24.09` (cut 200 commits before `main`'s tip): 47 of its 48 fixes backported, squash-merged.

Measured:
1. The gate's report for both lines (`find_missing`) without Pants.
2. `pants backport --missing` against `pants release-version` (the same client and daemon,
   trivial work), alternately, pantsd warm, on a copy of the example monorepo holding that history.

Run from the repository root with a Python 3.9 that has pytest, ruamel.yaml and packaging:
    CALVER_RELEASE_REPO=$PWD PYTHONPATH=pants-plugins:tests python benchmarks/missing_gate.py [--rounds=7]
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
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from calver_release.backport.missing import find_missing, gate_json
from calver_release.release.calver import Scheme
from calver_release.release.maintained import DEFAULT_REGISTRY, parse_registry
from calver_release.runtime.git import GitRepo

MAIN_COMMITS, SECOND_LINE_AT, FILES, BLOCKS = 500, 300, 40, 40
TODAY = "2024-12-01"
REGISTRY = 'versions:\n  - version: "24.09"\n  - version: "24.03"\n    lts: true\n    retire_after: "2025-03-31"\n'
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **IDENTITY}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env, timeout=120
    ).stdout.strip()


def is_fix(i: int) -> bool:
    """120 of the 500 commits of `main` are fixes."""
    return i % 25 < 6


def fix_index(i: int) -> int:
    """Which fix the fix `i` is, counting from 0."""
    return i // 25 * 6 + i % 25


def is_reworded(i: int) -> bool:
    """The fixes whose backport to `24.03` has another subject: a new module each, so the patch is the same there."""
    return is_fix(i) and fix_index(i) % 12 == 11 and fix_index(i) // 12 % 2 == 1


class Files:
    """The generated modules in the work tree; commit `i` rewrites 8 lines of 3 blocks of 10 lines,
    its own, so picks never conflict, while a hunk's context reaches into the neighbouring blocks."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        (repo / "bench").mkdir()
        for k in range(FILES):
            self.write(k, [f"value_{k}_{n} = {n}\n" for n in range(BLOCKS * 10)])

    def path(self, k: int) -> Path:
        return self.repo / "bench" / f"module_{k}.py"

    def write(self, k: int, lines: List[str]) -> None:
        self.path(k).write_text("".join(lines))

    def change(self, i: int) -> None:
        if is_reworded(i):
            (self.repo / "bench" / f"step_{i}.py").write_text("".join(f"step_{i}_{n} = {n}\n" for n in range(40)))
            return
        for j in range(3):
            slot = i * 3 + j
            k, block = slot % FILES, slot // FILES % BLOCKS
            lines = self.path(k).read_text().splitlines(keepends=True)
            for n in range(block * 10 + 1, block * 10 + 9):
                lines[n] = f"value_{k}_{n} = compute({n}, change={i})\n"
            self.write(k, lines)


def make_history(repo: Path) -> Dict[str, int]:
    """The lines and `main` described above, in `repo` (a git repository on `main`); the number of
    fixes each line really lacks."""
    files = Files(repo)
    (repo / ".github").mkdir(exist_ok=True)
    (repo / DEFAULT_REGISTRY).write_text(REGISTRY)
    (repo / "bench" / "line.txt").write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the generated modules and the registry")
    git(repo, "branch", "24.03")
    commits: List[Tuple[int, str]] = []
    for i in range(MAIN_COMMITS):
        if i == SECOND_LINE_AT:
            git(repo, "branch", "24.09")
        files.change(i)
        kind = "fix" if is_fix(i) else ("feat", "refactor", "docs", "chore")[i % 4]
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"{kind}: rework step {i} of the scheduler (#{1000 + i})")
        if is_fix(i):
            commits.append((i, git(repo, "rev-parse", "HEAD")))
    lacking = {"24.03": backport_to_lts(repo, commits), "24.09": backport_to_regular(repo, commits)}
    git(repo, "switch", "-q", "main")
    return lacking


def pick(repo: Path, sha: str, message: str) -> None:
    git(repo, "cherry-pick", "--no-commit", sha)
    git(repo, "commit", "-qm", message)


def line_only(repo: Path, line: str, n: int) -> None:
    with (repo / "bench" / "line.txt").open("a") as f:
        f.write(f"{line} release {n}\n")
    git(repo, "commit", "-qam", f"release: {line}.{n} (#{3000 + n})")


def backport_to_lts(repo: Path, fixes: List[Tuple[int, str]]) -> int:
    git(repo, "switch", "-q", "24.03")
    missing = 0
    for f, (i, sha) in enumerate(fixes):
        subject = f"fix: rework step {i} of the scheduler"
        kind, pr = f % 12, 2000 + f
        if kind in (1, 3, 6, 8, 10):
            missing += 1
        elif kind in (0, 2, 5, 9):
            pick(repo, sha, f"{subject} (#{1000 + i}) (#{pr})")
        elif kind == 4:
            marker = ("[24.03 backport] {} (#{})", "{} (backport to 24.03)", "{} (24.03 Backport)")[f // 12 % 3]
            pick(repo, sha, marker.format(subject, pr))
        elif kind == 7:
            git(repo, "cherry-pick", "-x", sha)
        elif f // 12 % 2 == 0:
            pick(repo, sha, f"Backport step {i}\n\nBackported-From: main ({sha})\nBackported-To: 24.03\n")
        else:
            assert is_reworded(i)
            pick(repo, sha, f"Backport the scheduler's step {i}")
        if f % 8 == 0:
            line_only(repo, "24.03", f // 8)
    return missing


def backport_to_regular(repo: Path, fixes: List[Tuple[int, str]]) -> int:
    git(repo, "switch", "-q", "24.09")
    later = [(i, sha) for i, sha in fixes if i >= SECOND_LINE_AT]
    for f, (i, sha) in enumerate(later):
        if f != len(later) // 2:
            pick(repo, sha, f"fix: rework step {i} of the scheduler (#{1000 + i}) (#{2500 + f})")
        if f % 10 == 0:
            line_only(repo, "24.09", f // 10)
    return 1


def describe(repo: Path, lacking: Dict[str, int]) -> None:
    counts = {line: int(git(repo, "rev-list", "--count", f"main..{line}")) for line in ("24.03", "24.09")}
    registry = parse_registry(DEFAULT_REGISTRY, REGISTRY, Scheme(pad_minor=True))
    gate = find_missing(GitRepo(repo), registry, ["24.09", "24.03"], "main", {}, date.fromisoformat(TODAY))
    for line in gate_json(gate, "main")["lines"]:
        rules = Counter(entry["arrival"]["rule"] for entry in line["arrived"])
        print(
            f"{line['version']}: {counts[line['version']]} commits on the line; {len(line['missing'])} missing "
            f"(generated: {lacking[line['version']]}), arrived by rule: {dict(sorted(rules.items()))}"
        )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def core_benchmark(repo: Path, rounds: int) -> float:
    registry = parse_registry(DEFAULT_REGISTRY, REGISTRY, Scheme(pad_minor=True))
    gate = lambda: find_missing(GitRepo(repo), registry, ["24.09", "24.03"], "main", {}, date.fromisoformat(TODAY))  # noqa: E731
    return statistics.median(timed(gate) for _ in range(rounds))


def goal_benchmark(root: Path, repo: Path, rounds: int) -> Tuple[float, float]:
    env = {**os.environ, **IDENTITY, "PANTS_PANTSD": "true", "CALVER_RELEASE_TODAY": TODAY}
    pants = str(root / "pants")

    def run(*args: str, code: int = 0) -> None:
        proc = subprocess.run([pants, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == code, f"pants {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"

    gate, plain = ("backport", "--missing", "--format=json"), ("release-version",)
    gate_times: List[float] = []
    plain_times: List[float] = []
    try:
        run(*gate, code=1)  # start pantsd and warm it for both goals
        run(*plain)
        for _ in range(rounds):
            gate_times.append(timed(lambda: run(*gate, code=1)))
            plain_times.append(timed(lambda: run(*plain)))
    finally:
        for pid_file in repo.glob(".pids/*/pantsd/pid"):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)  # the pantsd this benchmark started
    return statistics.median(gate_times), statistics.median(plain_times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from example_repo import copy_example

    with tempfile.TemporaryDirectory(prefix="bench-missing-gate-") as tmp:
        repo = copy_example(Path(tmp))
        started = time.perf_counter()
        lacking = make_history(repo)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        describe(repo, lacking)
        core = core_benchmark(repo, args.rounds)
        print(f"find_missing for both lines, without Pants (median of {args.rounds}): {core:.3f} s")
        gate, plain = goal_benchmark(Path(tmp), repo, args.rounds)
        print(
            f"pantsd warm (median of {args.rounds}): backport --missing {gate:.2f} s, release-version {plain:.2f} s, "
            f"ratio {gate / plain:.2f} (target at most 1.5)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
