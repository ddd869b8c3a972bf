"""Backport arrivals on a real history recorded the ways Backend.AI's repository records them."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
from conftest import git, init_repo
from git_history import commit, commit_on

from calver_release.backport import arrivals
from calver_release.backport.arrivals import Arrival, LineCheck, Match, find_arrivals, headline, patch_ids
from calver_release.backport.history import read_commits, source_commits
from calver_release.runtime.git import GitRepo

APP = "".join(f"line {i}\n" for i in range(1, 11))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """`main` squash-merges pull requests (`subject (#N)`) after `26.4` was cut; `26.4` holds their
    backports, one of each kind, with a diff of its own unless the rule needs the same one."""
    repo = init_repo(tmp_path_factory.mktemp("arrivals") / "repo")
    commit(repo, "Add the app\n", {"app.py": APP})
    git(repo, "branch", "26.4")
    c = {
        "feature": commit(repo, "feat: rename line four (#100)\n", {"app.py": APP.replace("line 4\n", "line four\n")}),
        "picked": commit(repo, "fix: close the agent socket (#101)\n", {"socket.py": "close()\n"}),
        "trailer": commit(repo, "fix: quote the image name (#102)\n", {"image.py": "quote(name)\n"}),
        "squashed": commit(repo, "fix: handle an empty quota (#103)\n", {"quota.py": "if not quota: return\n"}),
        "retitled": commit(repo, "fix: check the quota before scheduling (#104)\n", {"schedule.py": "check()\n"}),
        "context": commit(repo, "fix: log line five (#105)\n", {"app.py": APP.replace("line 4\n", "line four\n").replace("line 5\n", "log(5)\n")}),
        "bracket": commit(repo, "fix: retry the heartbeat (#106)\n", {"heartbeat.py": "retries = 3\n"}),
        "backport_to": commit(repo, "fix: keep the session alive (#107)\n", {"session.py": "keepalive()\n"}),
        "paren": commit(repo, "fix: drop stale locks (#108)\n", {"locks.py": "drop()\n"}),
        "reworded": commit(repo, "fix: reject a negative limit (#109)\n", {"limit.py": "assert limit >= 0\n"}),
        "timeout": commit(repo, "fix: handle timeout (#110)\n", {"timeout.py": "timeout()\n"}),
        "timeout_agent": commit(repo, "fix: handle timeout in agent (#111)\n", {"agent.py": "timeout()\n"}),
        "typo": commit(repo, "fix: typo (#112)\n", {"a.md": "the\n"}),
        "other_typo": commit(repo, "fix: typo (#113)\n", {"b.md": "then\n"}),
        "deps": commit(repo, "fix: update dependencies (#114)\n", {"deps.txt": "aiohttp==3.9\n"}),
        "missing": commit(repo, "fix: refuse an unknown image (#115)\n", {"image.py": "quote(name)\nrefuse()\n"}),
        "lint": commit(repo, "fix: lint (#116)\n", {"lint.py": "x = 1\n"}),
        "other_lint": commit(repo, "fix: lint (#117)\n", {"lint.py": "x = 2\n"}),
    }
    git(repo, "switch", "-q", "26.4")
    git(repo, "cherry-pick", "-x", c["picked"])
    c["on_picked"] = git(repo, "rev-parse", "HEAD")
    git(repo, "cherry-pick", c["lint"])  # no `-x`, not squashed: the original's subject as it was
    c["on_lint"] = git(repo, "rev-parse", "HEAD")
    git(repo, "switch", "-q", "main")
    on_line = {
        "trailer": (
            f"fix: quote image names on 26.4\n\nBackported-From: main ({c['trailer'][:10]})\nBackported-To: 26.4\n",
            {"image.py": "quote(name, legacy=True)\n"},
        ),
        "squashed": ("fix: handle an empty quota (#103) (#203)\n", {"quota.py": "if not quota: return\n"}),
        "retitled": ("fix: check the quota on 26.4 as well (#104) (#204)\n", {"schedule.py": "check(legacy=True)\n"}),
        # The change of `context` itself, but line 4 kept its 26.4 text: another patch id.
        "context": ("fix: log line five (#105) (#205)\n", {"app.py": APP.replace("line 5\n", "log(5)\n")}),
        "bracket": ("[26.4 backport] fix: retry the heartbeat (#206)\n", {"heartbeat.py": "retries = 3  # 26.4\n"}),
        "backport_to": ("fix: keep the session alive (Backport to 26.4)\n", {"session.py": "keepalive(26.4)\n"}),
        "paren": ("fix:  drop stale locks (26.4 BACKPORT) (#208)\n", {"locks.py": "drop(legacy=True)\n"}),
        "reworded": ("Backport the limit check\n", {"limit.py": "assert limit >= 0\n"}),
        "timeout_agent": ("[26.4 backport] fix: handle timeout in agent (#211)\n", {"agent.py": "timeout(26.4)\n"}),
        "typo": ("fix: typo (#112) (#212)\n", {"a.md": "the (26.4)\n"}),
        # A backport of an older pull request with the same subject as `deps`: not `deps` itself.
        "deps": ("fix: update dependencies (#99) (#214)\n", {"deps.txt": "aiohttp==3.8.6\n"}),
    }
    for name, (message, files) in on_line.items():
        c[f"on_{name}"] = commit_on(repo, "26.4", message, files)
    c["repo"] = str(repo)
    return c


def check(history: Dict[str, str], **options) -> LineCheck:
    repo = GitRepo(Path(history["repo"]))
    base = git(Path(history["repo"]), "merge-base", "main", "26.4")
    return LineCheck(tuple(source_commits(repo, base, "main")), tuple(read_commits(repo, f"{base}..26.4")), **options)


def test_each_rule_finds_what_only_it_can(history: Dict[str, str]) -> None:
    (found,) = find_arrivals(GitRepo(Path(history["repo"])), [check(history)])
    expected = {
        # `git cherry-pick -x`: the same subject, patch and number too, but naming is tried first.
        "picked": Match.NAMED,
        # Another subject and patch: only the trailer naming it.
        "trailer": Match.NAMED,
        # The squash-merged backport `subject (#N) (#M)`, same patch: the number is tried before the rest.
        "squashed": Match.PULL_REQUEST,
        # Retitled, another patch: only the number.
        "retitled": Match.PULL_REQUEST,
        "context": Match.PULL_REQUEST,
        # Each marker, another patch, no number of the original: only the headline.
        "bracket": Match.HEADLINE,
        "backport_to": Match.HEADLINE,
        "paren": Match.HEADLINE,
        "timeout_agent": Match.HEADLINE,
        # Reworded, same patch: only the patch id.
        "reworded": Match.PATCH_ID,
        "typo": Match.PULL_REQUEST,
        "lint": Match.PULL_REQUEST,
    }
    assert found == {history[name]: Arrival(history[name], history[f"on_{name}"], match) for name, match in expected.items()}
    # Not found: `feature`, `missing`; `timeout`, whose subject is a prefix of `timeout_agent`'s;
    # `other_typo` and `other_lint`, whose headlines are those of the backports of `typo` and `lint`;
    # `deps`, whose headline is that of a backport of #99.


def test_the_context_changed_the_patch_id(history: Dict[str, str]) -> None:
    ids = patch_ids(GitRepo(Path(history["repo"])), [history["context"], history["on_context"]])
    assert len(set(ids.values())) == 2 and set(ids) == {history["context"], history["on_context"]}


def test_patch_ids_only_for_what_nothing_else_matched(history: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    batches: List[List[str]] = []

    def recording(repo: GitRepo, commits) -> Dict[str, str]:
        batches.append(list(commits))
        return patch_ids(repo, batches[-1])

    monkeypatch.setattr(arrivals, "patch_ids", recording)
    fixes = frozenset(sha for name, sha in history.items() if name not in ("feature", "repo") and not name.startswith("on_"))
    (found,) = find_arrivals(GitRepo(Path(history["repo"])), [check(history, wanted=fixes)])
    assert found[history["reworded"]].match is Match.PATCH_ID
    # One batch: the wanted source commits no other rule matched, then the line's commits that
    # are no commit's backport. `feature` is not wanted.
    source = ["reworded", "timeout", "other_typo", "deps", "missing", "other_lint"]
    assert batches == [[history[name] for name in source] + [history["on_reworded"], history["on_deps"]]]


def test_no_patch_ids_when_every_line_commit_is_accounted_for(history: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    batches: List[List[str]] = []
    monkeypatch.setattr(arrivals, "patch_ids", lambda repo, commits: batches.append(list(commits)) or {})
    every = check(history)
    accounted = tuple(c for c in every.line if c.sha not in (history["on_reworded"], history["on_deps"]))
    (found,) = find_arrivals(GitRepo(Path(history["repo"])), [LineCheck(every.source, accounted)])
    assert history["missing"] not in found and batches == []


def test_no_patch_ids_when_everything_wanted_matched(history: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    batches: List[List[str]] = []
    monkeypatch.setattr(arrivals, "patch_ids", lambda repo, commits: batches.append(list(commits)) or {})
    wanted = frozenset({history["squashed"], history["bracket"]})
    (found,) = find_arrivals(GitRepo(Path(history["repo"])), [check(history, wanted=wanted)])
    assert {found[sha].match for sha in wanted} == {Match.PULL_REQUEST, Match.HEADLINE}
    assert batches == []


@pytest.mark.parametrize(
    "subject, expected",
    [
        pytest.param("fix: a (#12)", "fix: a", id="number"),
        pytest.param("fix: a (#12) (#34)", "fix: a", id="squashed-backport"),
        pytest.param("[26.4 backport] fix: a", "fix: a", id="bracket"),
        pytest.param("[24.09 Backport]  fix: a (#34)", "fix: a", id="bracket-padded"),
        pytest.param("fix: a (backport to 26.4)", "fix: a", id="backport-to"),
        pytest.param("fix: a (BACKPORT TO 26.4) (#34)", "fix: a", id="backport-to-upper"),
        pytest.param("fix: a (26.4 backport)", "fix: a", id="version-backport"),
        pytest.param("fix: (26.4 backport) a", "fix: a", id="marker-mid-subject"),
        pytest.param("fix: backport to 26.4", "fix: backport to 26.4", id="words-without-brackets"),
        pytest.param("fix: a (#12a)", "fix: a (#12a)", id="not-a-number"),
    ],
)
def test_headline(subject: str, expected: str) -> None:
    assert headline(subject) == expected
