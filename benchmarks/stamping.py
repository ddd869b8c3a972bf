"""How much `pants package ::` pays for calver_release's stamping.

Generates two copies of a 40-distribution monorepo: one stamped by the plugin (no `version` in
its BUILD files) and one with explicit versions and without the plugin. Runs `pants package ::`
on each, alternating, with pantsd and the local cache off so every run does all the work, and
prints the medians and their ratio.

    python3 benchmarks/stamping.py [--runs=3] [--distributions=40]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSION = "24.09.0rc1"


def write_monorepo(root: Path, count: int, stamped: bool) -> None:
    """A build root with `count` server-side distributions that all depend on `pkg00`."""
    backends = '"pants.backend.python", "calver_release"' if stamped else '"pants.backend.python"'
    (root / "pants.toml").write_text(
        f"""[GLOBAL]
pants_version = "2.17.1"
pythonpath = ["{REPO / 'pants-plugins'}"]
backend_packages = [{backends}]
plugins = ["tomli==2.0.1", "ruamel.yaml==0.18.6"]

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

[source]
root_patterns = ["/src"]

[python]
interpreter_constraints = ["CPython==3.9.*"]

[python-infer]
use_rust_parser = true
"""
    )
    (root / "VERSION").write_text(VERSION + "\n")
    version = "" if stamped else f', version="{VERSION}"'
    for i in range(count):
        pkg = root / "src" / f"pkg{i:02d}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(f"NAME = 'pkg{i:02d}'\n")
        deps = '":src"' if i == 0 else '":src", "src/pkg00:dist"'
        (pkg / "BUILD").write_text(
            f"""python_sources(name="src")

python_distribution(
    name="dist",
    dependencies=[{deps}],
    provides=python_artifact(name="bench-pkg{i:02d}"{version}),
    sdist=False,
)
"""
        )


def package(root: Path) -> float:
    shutil.rmtree(root / "dist", ignore_errors=True)
    env = {**os.environ, "PANTS_PANTSD": "false", "PANTS_LOCAL_CACHE": "false", "PANTS_LEVEL": "warn"}
    started = time.monotonic()
    proc = subprocess.run([str(REPO / "pants"), "package", "::"], cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"pants package failed in {root}:\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--distributions", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calver-bench-") as tmp:
        stamped, explicit = Path(tmp, "stamped"), Path(tmp, "explicit")
        for root, is_stamped in ((stamped, True), (explicit, False)):
            root.mkdir()
            write_monorepo(root, args.distributions, is_stamped)
            package(root)  # warm-up: plugin resolution and tool PEXes, not measured
        times: dict = {"stamped": [], "explicit": []}
        for run in range(args.runs):
            for name, root in (("explicit", explicit), ("stamped", stamped)):
                times[name].append(package(root))
                print(f"run {run + 1}/{args.runs} {name:8s} {times[name][-1]:7.2f} s", flush=True)
        wheels = sorted(p.name for p in (stamped / "dist").glob("*.whl"))
        assert len(wheels) == args.distributions and all("24.9.0rc1" in w for w in wheels), wheels
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{args.distributions} distributions, {args.runs} runs each, pantsd and local cache off")
    print(f"explicit versions, no plugin: median {medians['explicit']:.2f} s")
    print(f"stamped by calver_release:    median {medians['stamped']:.2f} s")
    print(f"ratio stamped/explicit:       {medians['stamped'] / medians['explicit']:.3f}")


if __name__ == "__main__":
    main()
