"""Benchmark of a cold Pants start with the plugin (medians, measured side by side in one run).

A copy of the example monorepo runs `./pants --version` without pantsd, alternately with its own
backends (`pants.backend.python`, `calver_release`, `setupgen`) and with `pants.backend.python`
alone; the difference is what loading the plugin's rules costs at every cold start and every pantsd
start. Both variants pass `--no-verify-config`: without the plugin, the example's `[release-version]`
and `[halfstack]` sections are unknown, and Pants would stop at that check before building its
rule graph, which is most of a cold start.

Run from the repository root (after `./pants --version` has installed Pants once):
    python3 benchmarks/cold_start.py [--rounds=5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/monorepo"
VARIANTS = {
    "plugin": (),
    "python only": ("--backend-packages=['pants.backend.python']",),
}


def copy_example(tmp: Path) -> Path:
    """`pants`, `pants-plugins/` and the example side by side, the example a git repository."""
    shutil.copy2(ROOT / "pants", tmp / "pants")
    shutil.copytree(ROOT / "pants-plugins", tmp / "pants-plugins", ignore=shutil.ignore_patterns("__pycache__"))
    example = tmp / EXAMPLE
    shutil.copytree(ROOT / EXAMPLE, example, symlinks=True, ignore=shutil.ignore_patterns(".pants.d", ".pids", "dist"))
    subprocess.run(["git", "init", "-q"], cwd=example, check=True, timeout=60)
    return example


def cold_version(example: Path, extra: Tuple[str, ...]) -> Tuple[float, float]:
    """Wall and child user CPU seconds of one `./pants --version` without pantsd."""
    env = {**os.environ, "PANTS_PANTSD": "false"}
    user_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    start = time.perf_counter()
    subprocess.run(["../../pants", "--no-verify-config", *extra, "--version"], cwd=example, env=env, check=True, capture_output=True, timeout=600)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - user_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        example = copy_example(Path(tmp))
        for extra in VARIANTS.values():  # warm the named caches and the plugin resolve
            cold_version(example, extra)
        samples: Dict[str, List[Tuple[float, float]]] = {name: [] for name in VARIANTS}
        for _ in range(rounds):
            for name, extra in VARIANTS.items():
                samples[name].append(cold_version(example, extra))
    medians = {name: (statistics.median(w for w, _ in s), statistics.median(u for _, u in s)) for name, s in samples.items()}
    for name, (wall, user) in medians.items():
        print(f"{name:12} wall {wall:6.2f} s   user CPU {user:6.2f} s   (median of {rounds})")
    (plugin_wall, _), (python_wall, _) = medians["plugin"], medians["python only"]
    print(f"the plugin adds {plugin_wall - python_wall:.2f} s to a cold start: ratio {plugin_wall / python_wall:.2f}")


if __name__ == "__main__":
    main()
