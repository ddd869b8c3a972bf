"""`pants topic-switch` refuses, before the database is asked or changed, what would make it do something else.

One line on stderr, exit code 1, and files, refs, stash, the database (a file in the work tree) and
the plugin's state as they were. The repository states are real: a merge and a bisect in progress,
a second worktree holding the target branch, an immutable state directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest
from conftest import git, init_repo, run_goal
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner
from repository_state import immutable, repository_state, state_not_writable

from calver_release.topic_switch.goal import TopicSwitchGoal

JOURNAL = ".git/calver-release/topic-switch.json"
RECOVERY = (
    "nothing was run from it: check the branch (`git status`) and each database (`alembic current`), then "
    "delete the file and start again with `pants topic-switch --to=BRANCH`"
)

Prepare = Callable[[Path], None]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`topic-a` (checked out) and `topic-b`, each with one revision on top of `main`'s `r1`; built once."""
    repo = tmp_path_factory.mktemp("template")
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": "# alembic's environment script; alembic itself does not run here\n",
        "migrations/versions/r1.py": "revision = 'r1'\ndown_revision = None\n",
        ".local/manager.sqlite": "the database, ignored by git\n",
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    init_repo(repo)
    for branch, rev in (("topic-b", "b1"), ("topic-a", "a1")):
        git(repo, "switch", "-q", "-c", branch, "main")
        (repo / f"migrations/versions/{rev}.py").write_text(f"revision = {rev!r}\ndown_revision = 'r1'\n")
        git(repo, "add", "migrations")
        git(repo, "commit", "-qm", rev)
    return repo


@pytest.fixture
def repo(rule_runner: RuleRunner, template: Path) -> Iterator[Path]:
    """A copy of `template` in the build root; a second worktree made beside it is removed afterwards."""
    root = Path(shutil.copytree(template, rule_runner.build_root, symlinks=True, dirs_exist_ok=True))
    yield root
    shutil.rmtree(root.parent / f"{root.name}-second", ignore_errors=True)


def switch(rule_runner: RuleRunner, *args: str) -> GoalRuleResult:
    """alembic is `false`: a database that cannot be reached, so any run that gets that far is refused too."""
    return run_goal(rule_runner, TopicSwitchGoal, "--topic-switch-alembic-command=['false']", *args)


def write(path: str, content: bytes) -> Prepare:
    def prepare(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)

    return prepare


def directory(path: str) -> Prepare:
    return lambda repo: (repo / path).mkdir(parents=True)


def merging(repo: Path) -> None:
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "topic-b")


def bisecting(repo: Path) -> None:
    git(repo, "bisect", "start", "topic-a", "main")


def second_worktree(repo: Path) -> None:
    git(repo, "worktree", "add", "-q", str(repo.parent / f"{repo.name}-second"), "topic-b")


def tag(name: str) -> Prepare:
    return lambda repo: git(repo, "tag", name, "topic-b")


def damaged(reason: str) -> str:
    return f"`{{repo}}/{JOURNAL}`: damaged state file (got {reason}); {RECOVERY}"


CASES = [
    pytest.param(
        merging,
        ["--to=topic-b"],
        "`{repo}/.git/MERGE_HEAD`: a merge is in progress in this worktree (got `MERGE_HEAD`); finish it with "
        "`git merge --continue` or `git merge --abort`, then run again",
        id="merge-in-progress",
    ),
    pytest.param(
        bisecting,
        ["--to=topic-b", "--dry-run"],
        "`{repo}/.git/BISECT_LOG`: a bisect is in progress in this worktree (got `BISECT_LOG`); finish it with "
        "`git bisect reset`, then run again",
        id="bisect-in-progress-dry-run",
    ),
    pytest.param(
        bisecting,
        ["--continue"],
        "`{repo}/.git/BISECT_LOG`: a bisect is in progress in this worktree (got `BISECT_LOG`); finish it with "
        "`git bisect reset`, then run again",
        id="bisect-in-progress-continue",
    ),
    pytest.param(
        second_worktree,
        ["--to=topic-b"],
        "`--to`: the branch is checked out in the worktree `{repo}-second` (got `topic-b`); switch that worktree to "
        "another branch, then run again",
        id="target-in-another-worktree",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db="],
        "`--backup-db`: names no file (got ``); name the file to back the database up to, or drop `--backup-db`",
        id="empty-backup-db",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--topic-switch-db-urls={'alembic.ini': 'sqlite:////nonexistent/dir/x.sqlite'}"],
        "`[topic-switch].db_urls`: the database's directory does not exist (got `sqlite:////nonexistent/dir/x.sqlite`); "
        "fix the URL, or create `/nonexistent/dir` for a new database",
        id="sqlite-url-in-a-missing-directory",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--topic-switch-db-urls={'alembic.ini': 'postgresql://backend:s3cret@127.0.0.1:1/backend'}"],
        "alembic.ini: `alembic current` failed, so the database state is unknown (got exit code 1); run "
        "`false -c alembic.ini -x db=postgresql://backend:***@127.0.0.1:1/backend current` to see why, fix that, "
        "then run again; nothing was changed",
        id="password-masked-in-the-advice",
    ),
    pytest.param(
        tag("v1;touch${IFS}pwned"),
        ["--to=v1;touch${IFS}pwned"],
        "`--to`: not a local branch (got `v1;touch${{IFS}}pwned`); create one with "
        "`git branch NAME 'v1;touch${{IFS}}pwned'` and switch to that",
        id="hostile-tag-quoted-in-the-advice",
    ),
    pytest.param(
        write(".git/calver-release", b""),
        ["--to=topic-b"],
        "`{repo}/.git/calver-release`: not a directory, but the plugin keeps its state there (got a file); move it "
        "away, then run again",
        id="state-directory-a-file",
    ),
    pytest.param(
        directory(JOURNAL),
        ["--continue"],
        f"`{{repo}}/{JOURNAL}`: a directory where the state file belongs (got a directory); move it away, then run again",
        id="state-file-a-directory",
    ),
    pytest.param(
        write(JOURNAL, b'{"operation": "topic-switch\xff"}'),
        ["--continue"],
        damaged("not UTF-8 text: byte 0xff at offset 27"),
        id="journal-invalid-utf-8",
    ),
    pytest.param(write(JOURNAL, b"[" * 200_000), ["--abort"], damaged("not JSON: nested too deeply"), id="journal-nested-deep"),
    pytest.param(
        write(
            JOURNAL,
            b'{"operation": "topic-switch", "build_root": ".", "steps": [], "plan": {"report": {"from": "a", '
            b'"to": "b", "from_commit": "0", "to_commit": "1", "environments": {}, "export": [], '
            b'"skip_export": [], "config_changes": [], "stashed": [], "steps": []}, "alembic": {}}}',
        ),
        ["--continue"],
        damaged("$.steps: no steps"),
        id="journal-without-steps",
    ),
]


@pytest.mark.parametrize("prepare, args, error", CASES)
def test_refused_with_one_line_and_nothing_changed(
    rule_runner: RuleRunner, repo: Path, prepare: Optional[Prepare], args: list, error: str
) -> None:
    if prepare:
        prepare(repo)
    before = repository_state(repo)
    result = switch(rule_runner, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(repo=repo) + "\n")
    assert repository_state(repo) == before
    assert not (repo / "pwned").exists()


def test_a_state_directory_that_cannot_be_written_is_refused_before_any_step(rule_runner: RuleRunner, repo: Path) -> None:
    state = repo / ".git/calver-release"
    state.mkdir()
    before = repository_state(repo)
    with immutable(state):
        result = run_goal(rule_runner, TopicSwitchGoal, "--topic-switch-alembic-command=['true']", "--to=topic-b")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", state_not_writable(state) + "\n")
    assert repository_state(repo) == before


BROKEN_EXPORT = "--topic-switch-pants-command=['sh', '-c', '[ -e fixed ] || { echo export broke >&2; exit 3; }', 'pants']"


def test_a_tag_named_like_the_branch_leaves_the_names_alone(rule_runner: RuleRunner) -> None:
    """With a tag `main`, `git symbolic-ref --short` says `heads/main`, which `git switch` cannot go back to."""
    rule_runner.write_files({"pants.toml": '[python.resolves]\npython-default = "python.lock"\n', "python.lock": "1\n"})
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "branch", "topic-b")
    git(repo, "tag", "main")
    result = switch(rule_runner, "--to=topic-b", "--export=all", BROKEN_EXPORT)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].endswith("or `pants topic-switch --abort` to go back to `main`")
    aborted = switch(rule_runner, "--abort")
    assert (aborted.exit_code, aborted.stdout) == (0, "Aborted: back on `main` with the database at its original revisions\n")
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert not (repo / JOURNAL).exists()
