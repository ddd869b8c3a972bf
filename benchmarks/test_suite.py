"""Benchmark of the whole test suite at two commits (medians, measured side by side in one run).

Each commit is cloned once into a temporary directory; the rounds then alternate between the
clones, each running `./pants --no-pantsd test :: --test-force` (every test really runs). A first,
discarded run of each commit warms Pants' caches of resolves and PEXes (`--no-warm-up` skips it
when they are warm already). Prints each round's wall time, the medians, their ratio, and each
commit's slowest test processes.

Run from the repository root (after `./pants --version` has installed Pants once):
    python3 benchmarks/test_suite.py --base=f0cb9f6 [--head=HEAD] [--rounds=2]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
PROCESS_TIME = re.compile(r"^✓ (\S+)(?: and (\d+) other files)? succeeded in ([0-9.]+)s", re.MULTILINE)


def clone(commit: str, into: Path) -> Path:
    """A clean clone of `commit`, as CI checks it out."""
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(into)], check=True, timeout=300)
    subprocess.run(["git", "-C", str(into), "checkout", "--quiet", "--detach", commit], check=True, timeout=300)
    return into


def run_suite(checkout: Path) -> Tuple[float, List[Tuple[float, str]]]:
    """Wall seconds of one forced run of every test, and each test process's seconds as Pants reports them."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["./pants", "--no-pantsd", "test", "::", "--test-force"], cwd=checkout, capture_output=True, text=True, timeout=5400
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{checkout}: `pants test ::` failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    processes = [(float(seconds), name + (f" and {more} other files" if more else "")) for name, more, seconds in PROCESS_TIME.findall(proc.stderr)]
    return wall, sorted(processes, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare against, e.g. the one before a change")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    commits = {"base": args.base, "head": args.head}
    with tempfile.TemporaryDirectory() as tmp:
        checkouts = {label: clone(commit, Path(tmp) / label) for label, commit in commits.items()}
        for label, checkout in checkouts.items() if args.warm_up else ():
            print(f"warm-up {label} ({commits[label]}): {run_suite(checkout)[0]:.1f} s (discarded)", flush=True)
        walls: Dict[str, List[float]] = {label: [] for label in commits}
        slowest: Dict[str, List[Tuple[float, str]]] = {}
        for round_ in range(1, args.rounds + 1):
            for label, checkout in checkouts.items():
                wall, slowest[label] = run_suite(checkout)
                walls[label].append(wall)
                print(f"round {round_} {label}: {wall:.1f} s, test processes {sum(s for s, _ in slowest[label]):.1f} s", flush=True)
    medians = {label: statistics.median(values) for label, values in walls.items()}
    for label in commits:
        print(f"{label} ({commits[label]}): median {medians[label]:.1f} s over {args.rounds} rounds")
        for seconds, name in slowest[label][:5]:
            print(f"    {seconds:7.1f} s  {name}")
    print(f"head/base: {medians['head'] / medians['base']:.2f}")


if __name__ == "__main__":
    main()
