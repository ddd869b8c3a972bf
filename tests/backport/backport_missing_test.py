"""The missing-backport gate on a real git history: what arrived, what is missing, what is waived."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Dict, List

import pytest
from conftest import git, init_repo
from git_history import commit

from calver_release.backport.engine import BackportError, BackportRequest, plan_backport, run_backport
from calver_release.backport.missing import check_waivers, describe_gate, find_missing, gate_json
from calver_release.release.calver import Scheme
from calver_release.release.maintained import parse_registry
from calver_release.runtime.git import GitRepo

PATH = ".github/maintained-versions.yml"
REGISTRY = parse_registry(
    PATH,
    'versions:\n  - version: "26.8"\n  - version: "26.4"\n    lts: true\n    retire_after: "2027-04-30"\n',
    Scheme(pad_minor=False),
)
TODAY = date(2026, 9, 1)
OTHER = "Other Person <other@example.com>"


def commit_on_branch(repo: Path, branch: str, message: str, files: Dict[str, str], author: str = "") -> str:
    git(repo, "switch", "-q", branch)
    sha = commit(repo, message, files, **({"author": author} if author else {}))
    git(repo, "switch", "-q", "main")
    return sha


@pytest.fixture
def history(tmp_path: Path) -> Dict[str, str]:
    """`26.4` cut at the first commit, `26.8` at the second, then fixes on `main` in every state the gate tells apart."""
    (tmp_path / "app.txt").write_text("one\ntwo\nthree\n")
    repo = init_repo(tmp_path)
    git(repo, "branch", "26.4")
    c = {"initial": git(repo, "rev-parse", "HEAD"), "eight": commit(repo, "feat: eight\n", {"eight.txt": "8\n"})}
    git(repo, "branch", "26.8")
    git(repo, "branch", "26.2", "26.4")  # a retired line: its branch stays, its entry is gone
    c["by_goal"] = commit(repo, "fix: one\n", {"a.txt": "a\n"})
    c["by_hand"] = commit(repo, "fix: two\n", {"b.txt": "b\n"})
    c["missing"] = commit(repo, "fix: three\n", {"c.txt": "c\n"})
    c["waived"] = commit(repo, "fix: four\n", {"d.txt": "d\n"})
    c["headline"] = commit(repo, "fix: five\n", {"e.txt": "e\n"})
    c["trailer"] = commit(repo, "feat: six\n\nBackport: 26.4\n", {"f.txt": "f\n"})
    c["feature"] = commit(repo, "feat: seven\n", {"g.txt": "g\n"})
    c["reverted"] = commit(repo, "fix: eight\n", {"h.txt": "h\n"})
    c["revert"] = commit(
        repo, f'Revert "fix: eight"\n\nThis reverts commit {c["reverted"]}.\n\nBackport: none\n', {"h.txt": ""}
    )
    c["resolved"] = commit(repo, "fix: nine\n", {"app.txt": "one\nNINE\nthree\n"})
    c["named"] = commit(repo, "fix: ten\n", {"j.txt": "j\n"})
    c["unknown"] = commit(repo, "feat: eleven\n\nBackport: 26.5\n", {"k.txt": "k\n"})
    c["retired"] = commit(repo, "fix: twelve\n\nBackport: 26.2\n", {"l.txt": "l\n"})

    # Arrivals, each of a kind.
    run_backport(
        GitRepo(repo),
        plan_backport(GitRepo(repo), BackportRequest(("26.8", "26.4"), (c["by_goal"],), pad_minor=False)),
        lambda line: None,
    )
    c["on_by_goal"] = git(repo, "rev-parse", "26.8")
    git(repo, "switch", "-q", "26.8")
    git(repo, "cherry-pick", "-x", c["by_hand"])
    c["on_by_hand"] = git(repo, "rev-parse", "HEAD")
    git(repo, "switch", "-q", "main")
    # By hand, by someone else, with another patch: the headline is the proof.
    c["on_headline"] = commit_on_branch(repo, "26.8", "[26.8 backport] fix: five\n", {"e.txt": "something else\n"}, author=OTHER)
    # As after a conflict: another patch, but the subject (and author, date, trailers) of a backport.
    c["on_resolved"] = commit_on_branch(
        repo, "26.8", "fix: nine\n\nBackported-From: main\nBackported-To: 26.8\n", {"app.txt": "one\nNINE!\n"}
    )
    c["on_named"] = commit_on_branch(
        repo, "26.4", f"fix: ten, adapted\n\nBackported-From: main ({c['named'][:10]})\nBackported-To: 26.4\n", {"j.txt": "J\n"}
    )
    commit_on_branch(repo, "26.4", "release: 26.4.1\n", {"VERSION": "26.4.1\n"})  # the backport of nothing
    c["repo"] = str(repo)
    return c


def test_gate_reports_missing_and_waived_commits_per_line(history: Dict[str, str]) -> None:
    repo = GitRepo(Path(history["repo"]))
    waivers = check_waivers(repo, {history["waived"][:9]: "abandoned: the code is gone on the release lines"})
    gate = find_missing(repo, REGISTRY, ["26.8", "26.4"], "main", waivers, TODAY)
    short = {name: sha[:7] for name, sha in history.items()}
    assert describe_gate(gate) == [
        f"26.8 (branch point {short['eight']}): 2 missing, 2 waived",
        f"  missing {short['missing']} fix: three (`fix:` subject)",
        f"  missing {short['named']} fix: ten (`fix:` subject)",
        f"  waived  {short['waived']} fix: four (`[backport].waived`: abandoned: the code is gone on the release lines)",
        f"  waived  {short['reverted']} fix: eight (`Backport: none` in {short['revert']})",
        f"26.4 (branch point {short['initial']}): 5 missing, 2 waived",
        f"  missing {short['by_hand']} fix: two (`fix:` subject)",
        f"  missing {short['missing']} fix: three (`fix:` subject)",
        f"  missing {short['headline']} fix: five (`fix:` subject)",
        f"  missing {short['trailer']} feat: six (`Backport: 26.4` trailer)",
        f"  missing {short['resolved']} fix: nine (`fix:` subject)",
        f"  waived  {short['waived']} fix: four (`[backport].waived`: abandoned: the code is gone on the release lines)",
        f"  waived  {short['reverted']} fix: eight (`Backport: none` in {short['revert']})",
    ]
    assert gate.problems == (
        f"`Backport:` trailer of {short['unknown']} (feat: eleven): names a line that cannot be checked "
        f"(`26.5` is not in `{PATH}`) (got `Backport: 26.5` trailer); backport it with `--to=X.Y`, "
        "then waive it in `[backport].waived`",
    )
    assert gate.failed


def test_gate_json(history: Dict[str, str]) -> None:
    repo = GitRepo(Path(history["repo"]))
    waivers = {history["unknown"]: "26.5 never existed", history["waived"]: "abandoned"}
    gate = find_missing(repo, REGISTRY, ["26.8"], "main", waivers, TODAY)
    fix = {"rule": "fix", "trailer": None}
    assert gate_json(gate, "main") == {
        "registry": PATH,
        "source_branch": "main",
        "failed": True,
        "lines": [
            {
                "version": "26.8",
                "branch_point": history["eight"],
                "missing": [
                    {"commit": history["missing"], "subject": "fix: three", **fix},
                    {"commit": history["named"], "subject": "fix: ten", **fix},
                ],
                "waived": [
                    {"commit": history["waived"], "subject": "fix: four", **fix, "waived": "`[backport].waived`: abandoned"},
                    {
                        "commit": history["reverted"],
                        "subject": "fix: eight",
                        **fix,
                        "waived": f"`Backport: none` in {history['revert'][:7]}",
                    },
                ],
                "arrived": [
                    {"commit": history[name], "subject": subject, **fix, "arrival": {"rule": rule, "commit": history[f"on_{name}"]}}
                    for name, subject, rule in [
                        ("by_goal", "fix: one", "headline"),
                        ("by_hand", "fix: two", "named"),
                        ("headline", "fix: five", "headline"),
                        ("resolved", "fix: nine", "headline"),
                    ]
                ],
            }
        ],
        "problems": [],
    }


def test_git_runs_a_fixed_number_of_times(history: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """No git process per commit: the branches, then per line its branch point and one `git log`
    per range, then one patch-id batch (`git log -p` into `git patch-id`) for both lines."""
    commands: List[str] = []

    class Recording(subprocess.Popen):
        def __init__(self, args, *rest, **options) -> None:
            commands.append(args[3])  # after `git -C <root>`
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    find_missing(GitRepo(Path(history["repo"])), REGISTRY, ["26.8", "26.4"], "main", {}, TODAY)
    per_line = ["rev-parse", "rev-parse", "merge-base", "log", "log"]
    assert commands == ["for-each-ref", *per_line, *per_line, "log", "patch-id"]


def test_nothing_missing_passes(tmp_path: Path) -> None:
    (tmp_path / "app.txt").write_text("one\n")
    repo = init_repo(tmp_path)
    git(repo, "branch", "26.8")
    git(repo, "branch", "26.4")
    commit(repo, "docs: one\n", {"b.txt": "b\n"})
    fix = commit(repo, "fix: two\n\nBackport: 26.8\n", {"a.txt": "a\n"})
    git(repo, "switch", "-q", "26.8")
    git(repo, "cherry-pick", fix)  # no -x, no trailers, no pull-request number: the headline is the proof
    git(repo, "switch", "-q", "main")
    gate = find_missing(GitRepo(repo), REGISTRY, ["26.8", "26.4"], "main", {}, TODAY)
    base = git(repo, "rev-parse", "main~2")[:7]
    assert describe_gate(gate) == [f"26.8 (branch point {base}): nothing missing", f"26.4 (branch point {base}): nothing missing"]
    assert not gate.failed


@pytest.mark.parametrize(
    "key, reason, error",
    [
        pytest.param("main", "x", "not a commit id (got `main`); key each waiver by 7 to 40 hex digits of the commit", id="branch-name"),
        pytest.param("abc", "x", "not a commit id (got `abc`); key each waiver by 7 to 40 hex digits of the commit", id="too-short"),
        pytest.param("deadbeef00", "x", "no such commit (got `deadbeef00`); fix the id, or fetch the history it is in", id="unknown"),
        pytest.param("HEAD", "", "not a commit id (got `HEAD`); key each waiver by 7 to 40 hex digits of the commit", id="ref"),
        pytest.param("{head}", " ", "`{head}` has no reason (got `' '`); say why its backport was abandoned", id="no-reason"),
        pytest.param("{head}", 3, "`{head}` has no reason (got `3`); say why its backport was abandoned", id="not-text"),
    ],
)
def test_bad_waiver(tmp_path: Path, key: str, reason: object, error: str) -> None:
    repo = init_repo(tmp_path)
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(BackportError) as raised:
        check_waivers(GitRepo(repo), {key.format(head=head): reason})
    assert str(raised.value) == "`[backport].waived`: " + error.format(head=head)


def test_waiver_keys_become_full_ids(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    head = git(repo, "rev-parse", "HEAD")
    assert check_waivers(GitRepo(repo), {head[:7]: " reverted "}) == {head: "reverted"}
