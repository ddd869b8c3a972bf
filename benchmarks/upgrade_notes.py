"""Benchmarks of `pants upgrade-notes` (medians, measured side by side in one run).

A Backend.AI-sized update: 500 alembic revisions at `--to` (490 at `--from`, one of them
re-parented), a 400-key sample TOML and a 200-key etcd JSON sample (a tenth of the keys changed),
a 300-project lockfile (a tenth re-pinned), and the halfstack's release compose files.

1. The report computation (`resolve_update` + `build_notes` + the Markdown and JSON renderings),
   without Pants; target well under a second.
2. `pants upgrade-notes --format=json` with pantsd warm on a copy of the example monorepo grown to
   that size (its own lockfile kept), side by side with `pants release-version` (the same client
   and daemon, trivial work): the difference is what the report adds.

Run from the repository root with the dev venv (alembic, tomli, ruamel.yaml, packaging):
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
from release_history import BASE, compose, make_history, release, revision

from calver_release.runtime.git import GitRepo
from calver_release.upgrade_notes.notes import NotesSettings, build_notes
from calver_release.upgrade_notes.render import render_markdown
from calver_release.upgrade_notes.report import render_json
from calver_release.upgrade_notes.versions import resolve_update

REVISIONS, NEW, TOML_KEYS, ETCD_KEYS, LOCKED = 500, 10, 400, 200, 300


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def revisions(versions: str, count: int, reparent: bool) -> Dict[str, str]:
    """A chain r0..r<count-1>; with `reparent`, r488 hangs off r486 instead of r487 (a backport's fix-up)."""
    files = {}
    moved = REVISIONS - NEW - 2
    for i in range(count):
        down = None if i == 0 else f"r{i - 2}" if reparent and i == moved else f"r{i - 1}"
        path, text = revision(f"r{i}", down, f"Step {i} of the schema.")
        files[f"{versions}/{Path(path).name}"] = text
    return files


def sample_configs(changed: bool) -> Dict[str, str]:
    """A TOML and an etcd JSON sample; `changed` alters, removes and adds a tenth of the keys."""
    toml, etcd = [], {}
    for i in range(TOML_KEYS):
        key = f"key{i}" if not (changed and i % 10 == 0) else f"renamed{i}"
        toml.append(f'[section{i // 20}.sub{i % 20}]\n{key} = {i * (2 if changed and i % 10 == 5 else 1)}\n')
    for i in range(ETCD_KEYS):
        etcd.setdefault(f"group{i // 10}", {})[f"key{i}"] = f"value{i}{'-new' if changed and i % 10 == 0 else ''}"
    return {"configs/manager/sample.toml": "".join(toml), "configs/manager/sample.etcd.config.json": json.dumps(etcd)}


def lockfile(changed: bool) -> str:
    patch = lambda i: 1 if changed and i % 10 == 0 else 0  # noqa: E731
    locked = [{"project_name": f"project{i}", "version": f"1.{i}.{patch(i)}"} for i in range(LOCKED)]
    return "// generated\n" + json.dumps({"locked_resolves": [{"locked_requirements": locked}]}, indent=2)


def grown_files(versions: str, release_to: bool) -> Dict[str, str]:
    """The revisions, samples and halfstack file at `--from` (`release_to` false) or `--to`."""
    count = REVISIONS if release_to else REVISIONS - NEW
    return {
        **revisions(versions, count, reparent=release_to),
        **sample_configs(release_to),
        **({"docker-compose.halfstack-2409.yml": compose("postgres:16.3-alpine")} if release_to else {}),
    }


def report_benchmark(root: Path, rounds: int) -> float:
    repo = make_history(root, {**BASE, "pants.toml": '[python.resolves]\npython-default = "python.lock"\n'})
    release(repo, "24.03.5", {**grown_files("migrations/versions", False), "python.lock": lockfile(False)})
    release(repo, "24.09.0", {**grown_files("migrations/versions", True), "python.lock": lockfile(True)})

    def report() -> Tuple[str, str]:
        git_repo = GitRepo(repo)
        update = resolve_update(git_repo, "24.03.5", "HEAD", "VERSION", False)
        settings = NotesSettings(repo=git_repo, requirement_files=("requirements.txt",))
        notes = build_notes(settings, update, ["backend.ai-manager"])
        return render_markdown(notes), render_json(notes)

    document = json.loads(report()[1])
    env = document["database"][0]
    samples = sum(len(s["added"]) + len(s["removed"]) + len(s["changed"]) for s in document["configuration"]["samples"])
    print(
        f"report: {REVISIONS} revisions (undo {len(env['to_undo'])}, apply {len(env['to_apply'])}), "
        f"{TOML_KEYS + ETCD_KEYS} config keys ({samples} changes), {LOCKED} locked projects "
        f"({len(document['packages']['requirements'])} re-pinned)"
    )
    return statistics.median(timed(report) for _ in range(rounds))


def goal_benchmark(root: Path, rounds: int) -> Tuple[float, float]:
    from example_repo import copy_example

    repo = copy_example(root)
    versions = "src/ai/backend/manager/models/alembic/versions"
    for old in (repo / versions).glob("*.py"):
        old.unlink()
    for to in (False, True):
        for path, text in grown_files(versions, to).items():
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
    run(*notes)  # start pantsd and warm it for both goals
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
    return statistics.median(notes_times), statistics.median(plain_times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upgrade-notes-") as tmp:
        report = report_benchmark(Path(tmp) / "report", args.rounds)
        print(f"report computation (median of {args.rounds}): {report:.3f} s (target well under 1 s)")
        notes, plain = goal_benchmark(Path(tmp), args.rounds)
        print(
            f"pantsd warm (median of {args.rounds}): upgrade-notes {notes:.2f} s, release-version {plain:.2f} s, "
            f"difference {notes - plain:.2f} s, ratio {notes / plain:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
