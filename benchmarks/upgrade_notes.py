"""Benchmarks of `pants upgrade-notes` (medians, measured side by side in one run).

An update the size of Backend.AI's 26.4.0 -> 26.4.10: three alembic environments (the manager's
with 400 revisions, one of them re-parented with a descendant, and two of 40), `python.lock` of 600
packages turning from a Pants (pex) lockfile into a uv one (a tenth re-pinned) and a uv
`python-kernel.lock` of 60, 40 sample configs (20 TOML samples, half of them with `<name>` tables
no TOML parser accepts, the webserver's TOML `sample.conf`, 19 etcd JSON samples; a tenth of the
keys changed), 28 distributions (2 new) among 180 BUILD files, and the halfstack's release files.

1. The report computation (`resolve_update` + `build_notes` + the Markdown and JSON renderings),
   without Pants, on a plain repository holding those files.
2. `pants upgrade-notes --format=json` with pantsd warm on a copy of the example monorepo grown to
   that size, side by side with `pants release-version` (the same client and daemon, trivial work):
   the target is a ratio within 1.5.

Run from the repository root with a Python 3.9 that has the `core-tests` requirements (see the README):
    CALVER_RELEASE_REPO=$PWD PYTHONPATH=pants-plugins:tests:tests/migrations:tests/upgrade_notes \
        python benchmarks/upgrade_notes.py [--rounds=5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from conftest import git
from real_formats import AGENT_SAMPLE, WEBSERVER_CONF, pex_lockfile, uv_lockfile
from release_history import BASE, compose, distribution_build, make_history, release, revision

from calver_release.runtime.git import GitRepo
from calver_release.upgrade_notes.notes import NotesSettings, build_notes
from calver_release.upgrade_notes.render import render_markdown
from calver_release.upgrade_notes.report import render_json
from calver_release.upgrade_notes.versions import resolve_update

ENVIRONMENTS = {
    "alembic.ini": ("ai.backend.manager.models:alembic", "m", 400),
    "configs/account-manager/alembic.ini": ("ai.backend.account_manager.models:alembic", "a", 40),
    "configs/app-proxy-coordinator/alembic.ini": ("ai.backend.appproxy.coordinator.models:alembic", "c", 40),
}
"""ini -> (script location, revision prefix, revisions at `--to`); `--from` has a tenth fewer."""
PACKAGES, KERNEL_PACKAGES, TOML_SAMPLES, ETCD_SAMPLES, KEYS = 600, 60, 20, 19, 40
DISTRIBUTIONS, NEW_DISTRIBUTIONS, OTHER_BUILD_FILES = 28, 2, 150


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def script_dir(location: str) -> str:
    package, subdir = location.split(":")
    return f"src/{package.replace('.', '/')}/{subdir}"


def revisions(location: str, prefix: str, count: int, to: bool) -> Dict[str, str]:
    """A chain; at `--to` the revision three from the end hangs off its grandparent (a re-parented fix-up)."""
    present = count if to else count - count // 10
    moved = count - count // 10 - 2
    files = {}
    for i in range(present):
        down = None if i == 0 else f"{prefix}{i - 2}" if to and i == moved else f"{prefix}{i - 1}"
        path, text = revision(f"{prefix}{i}", down, f"Step {i} of the schema.")
        files[f"{script_dir(location)}/versions/{Path(path).name}"] = text
    return files


def alembic_files(to: bool, with_default_ini: bool) -> Dict[str, str]:
    files: Dict[str, str] = {}
    for ini, (location, prefix, count) in ENVIRONMENTS.items():
        if ini != "alembic.ini" or with_default_ini:
            files[ini] = f"[alembic]\nscript_location = {location}\n"
        files.update(revisions(location, prefix, count, to))
    return files


def pins(count: int, to: bool) -> List[Tuple[str, str]]:
    return [(f"project-{i}", f"1.{i}.{1 if to and i % 10 == 0 else 0}") for i in range(count)]


def lockfiles(to: bool) -> Dict[str, str]:
    python = uv_lockfile(pins(PACKAGES, to)) if to else pex_lockfile(pins(PACKAGES, to))
    return {"python.lock": python, "python-kernel.lock": uv_lockfile(pins(KERNEL_PACKAGES, to))}


def toml_sample(service: int, to: bool) -> str:
    """A service's sample; at `--to` a tenth of the keys change and odd services gain a `<name>` table."""
    lines = []
    for i in range(KEYS):
        if i % 10 == 0:
            lines.append(f"[section{i // 10}]\n")
        key = f"renamed{i}" if to and i % 10 == 3 else f"key{i}"
        lines.append(f'{key} = {i * 2 if to and i % 10 == 5 else i}  # the {i}th setting\n')
    if to and service % 2:
        lines.append('\n[service-discovery.extra-labels.<name>]\nvalue = "<value>"\n')
    return "".join(lines)


def samples(to: bool) -> Dict[str, str]:
    files = {f"configs/service{i}/sample.toml": toml_sample(i, to) for i in range(TOML_SAMPLES - 1)}
    files["configs/agent/sample.toml"] = AGENT_SAMPLE + ("mode = 'k8s'\n" if to else "")
    files["configs/webserver/sample.conf"] = WEBSERVER_CONF.replace("port = 8080", "port = 8090" if to else "port = 8080")
    for n in range(ETCD_SAMPLES):
        etcd: Dict[str, Dict[str, str]] = {}
        for i in range(KEYS):
            etcd.setdefault(f"group{i // 10}", {})[f"key{i}"] = f"value{i}{'-new' if to and i % 10 == 0 else ''}"
        files[f"configs/manager/sample.etcd.{n}.json"] = json.dumps(etcd, indent=2)
    return files


def build_files(to: bool) -> Dict[str, str]:
    count = DISTRIBUTIONS if to else DISTRIBUTIONS - NEW_DISTRIBUTIONS
    files = {f"src/ai/backend/bench{i}/BUILD": distribution_build(f"backend.ai-bench{i}") for i in range(count)}
    for i in range(OTHER_BUILD_FILES):
        files[f"src/ai/backend/bench{i % DISTRIBUTIONS}/sub{i}/BUILD"] = "python_sources()\n"
        files[f"src/ai/backend/bench{i % DISTRIBUTIONS}/sub{i}/__init__.py"] = ""
    return files


def grown_files(to: bool, with_default_ini: bool = True) -> Dict[str, str]:
    """Everything the update changes, at `--from` (`to` false) or `--to`."""
    return {
        **alembic_files(to, with_default_ini),
        **lockfiles(to),
        **samples(to),
        **build_files(to),
        **({"docker-compose.halfstack-2409.yml": compose("postgres:16.3-alpine")} if to else {}),
    }


def describe(document: dict) -> str:
    undo = sum(len(env["to_undo"]) for env in document["database"])
    apply = sum(len(env["to_apply"]) for env in document["database"])
    config = document["configuration"]
    keys = sum(len(s["added"]) + len(s["removed"]) + len(s["changed"]) for s in config["samples"])
    line_wise = sum(1 for s in config["samples"] if s["line_wise"])
    packages = document["packages"]
    return (
        f"{len(document['database'])} environments (undo {undo}, apply {apply}), {len(config['samples'])} samples "
        f"changed ({keys} keys, {line_wise} read line by line), {len(packages['distributions'])} distributions "
        f"({len(packages['distributions_added'])} new), {len(packages['requirements'])} pins changed"
    )


def report_benchmark(root: Path, rounds: int) -> float:
    repo = make_history(root, {**BASE, "pants.toml": '[python.resolves]\npython-default = "python.lock"\npython-kernel = "python-kernel.lock"\n'})
    release(repo, "24.03.5", grown_files(False))
    release(repo, "24.09.0", grown_files(True))
    settings = NotesSettings(repo=GitRepo(repo), inis=tuple(ENVIRONMENTS))

    def report() -> Tuple[str, str]:
        notes = build_notes(settings, resolve_update(settings.repo, "24.03.5", "HEAD", "VERSION", False))
        return render_markdown(notes), render_json(notes)

    print(f"report: {describe(json.loads(report()[1]))}")
    return statistics.median(timed(report) for _ in range(rounds))


def goal_benchmark(root: Path, rounds: int) -> Tuple[float, float, str]:
    from example_repo import copy_example

    repo = copy_example(root)
    for old in (repo / "src/ai/backend/manager/models/alembic/versions").glob("*.py"):
        old.unlink()
    inis = ", ".join(f'"{ini}"' for ini in ENVIRONMENTS)
    with (repo / "pants.toml").open("a") as config:
        config.write(f"\n[topic-switch]\nalembic_inis = [{inis}]\n")
    for to in (False, True):
        for path, text in grown_files(to, with_default_ini=False).items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
        (repo / "VERSION").write_text("24.09.1\n" if to else "24.09.0\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"release {to}")
        if not to:
            git(repo, "tag", "24.09.0")
    env = {**os.environ, "PANTS_PANTSD": "true"}
    pants = str(root / "pants")
    run = lambda *args: subprocess.run(  # noqa: E731
        [pants, *args], cwd=repo, env=env, check=True, capture_output=True, text=True, timeout=900
    )
    notes, plain = ("upgrade-notes", "--from=24.09.0", "--format=json"), ("release-version",)
    document = json.loads(run(*notes).stdout)  # start pantsd and warm it for both goals
    run(*plain)
    notes_times: List[float] = []
    plain_times: List[float] = []
    try:
        for _ in range(rounds):
            notes_times.append(timed(lambda: run(*notes)))
            plain_times.append(timed(lambda: run(*plain)))
    finally:
        for pid_file in repo.glob(".pids/*/pantsd/pid"):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)  # the pantsd this benchmark started
    return statistics.median(notes_times), statistics.median(plain_times), describe(document)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-goal", action="store_true", help="Measure the report computation only.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upgrade-notes-") as tmp:
        report = report_benchmark(Path(tmp) / "report", args.rounds)
        print(f"report computation (median of {args.rounds}): {report:.3f} s")
        if args.skip_goal:
            return 0
        notes, plain, described = goal_benchmark(Path(tmp), args.rounds)
        print(f"goal: {described}")
        print(
            f"pantsd warm (median of {args.rounds}): upgrade-notes {notes:.2f} s, release-version {plain:.2f} s, "
            f"difference {notes - plain:.2f} s, ratio {notes / plain:.2f} (target: within 1.5)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
