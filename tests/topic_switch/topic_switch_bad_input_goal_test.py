"""Bad input to `pants topic-switch`: one line on stderr, exit code 1, and nothing changed.

alembic here is `false`, a database that cannot be reached: every check below runs before the
database is asked, or refuses the run because it cannot be. Failed steps against real databases
are tested in topic_switch_state_test.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent
from typing import Callable, Dict, Optional

import pytest
from conftest import git, init_repo, run_goal
from repository_state import plugin_state
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.topic_switch.goal import TopicSwitchGoal

REVISION = "revision = {rev!r}\ndown_revision = {down!r}\n"
JOURNAL = ".git/calver-release/topic-switch.json"
SQLITE = "--topic-switch-db-urls={'alembic.ini': 'sqlite:///.local/manager.sqlite'}"
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
        "BUILD": "# a tracked file a backup must never overwrite\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": "# alembic's environment script; alembic itself does not run here\n",
        "migrations/versions/r1.py": REVISION.format(rev="r1", down=None),
        ".local/manager.sqlite": "not really a database, and ignored by git\n",
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    init_repo(repo)
    for branch, rev in (("topic-b", "b1"), ("topic-a", "a1")):
        git(repo, "switch", "-q", "-c", branch, "main")
        commit(repo, {f"migrations/versions/{rev}.py": REVISION.format(rev=rev, down="r1")})
    return repo


@pytest.fixture
def repo(rule_runner: RuleRunner, template: Path) -> Path:
    """A copy of `template` in the build root."""
    return Path(shutil.copytree(template, rule_runner.build_root, symlinks=True, dirs_exist_ok=True))


def commit(repo: Path, files: Dict[str, Optional[str]]) -> None:
    """Commit `files` on the checked-out branch; None deletes one."""
    for name, text in files.items():
        if text is None:
            git(repo, "rm", "-q", name)
        else:
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text)
            git(repo, "add", name)
    git(repo, "commit", "-q", "-m", "change")


def on(branch: str, files: Dict[str, Optional[str]]) -> Prepare:
    """Commit `files` on `branch`, then go back to `topic-a`."""

    def prepare(repo: Path) -> None:
        git(repo, "switch", "-q", branch)
        commit(repo, files)
        git(repo, "switch", "-q", "topic-a")

    return prepare


def write(path: str, text: str) -> Prepare:
    def prepare(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)

    return prepare


def state(repo: Path) -> Dict[str, str]:
    """The refs, HEAD, and every file of the work tree and of `.git/calver-release`, with its content."""
    files = {
        str(path.relative_to(repo)): path.read_text()
        for path in sorted(repo.rglob("*"))
        if path.is_file()
        and not str(path.relative_to(repo)).startswith((".pants.d", "BUILDROOT"))
        and (not str(path.relative_to(repo)).startswith(".git/") or "calver-release" in str(path) or path.suffix == ".lock")
    }
    if (repo / ".git").is_dir():
        files["refs"] = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
        files["HEAD"] = git(repo, "symbolic-ref", "HEAD")
    return files


def switch(rule_runner: RuleRunner, *args: str) -> GoalRuleResult:
    return run_goal(rule_runner, TopicSwitchGoal, "--topic-switch-alembic-command=['false']", *args)


DAMAGED = {
    "empty-object": ("{}", "$: missing field `operation`"),
    "a-list": ("[]", "$: expected an object (got list [])"),
    "steps-a-string": (
        '{"operation": "topic-switch", "build_root": ".", "steps": "touch pwned"}',
        "$.steps: expected a list (got str 'touch pwned')",
    ),
    "nulls": ('{"operation": null, "build_root": ".", "steps": []}', "$.operation: expected a string (got None)"),
    "argv-a-string": (
        '{"operation": "topic-switch", "build_root": ".", "steps": [{"name": "switch", "description": "d", '
        '"commands": [{"argv": "touch pwned"}]}]}',
        "$.steps[0].commands[0].argv: expected a list (got str 'touch pwned')",
    ),
    "plan-of-another-shape": (
        '{"operation": "topic-switch", "build_root": ".", "steps": [], "plan": {"from": "topic-a"}}',
        "$.plan: unexpected field `from`",
    ),
    "truncated": ('{"operation": "topic-switch", "st', "not JSON: Unterminated string starting at: line 1 column 31 (char 30)"),
}


def damaged(shape: str) -> Prepare:
    return write(JOURNAL, DAMAGED[shape][0])


def damaged_error(shape: str) -> str:
    return f"`{{repo}}/{JOURNAL}`: damaged state file (got {DAMAGED[shape][1]}); {RECOVERY}"


CASES = [
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=BUILD", SQLITE],
        "`--backup-db`: the file exists and a backup never overwrites one (got `BUILD`); name a new file, or move that one away",
        id="backup-over-a-tracked-file",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=.local/manager.sqlite", SQLITE],
        "`--backup-db`: the file exists and a backup never overwrites one (got `.local/manager.sqlite`); name a new "
        "file, or move that one away",
        id="backup-over-an-ignored-file",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=migrations", SQLITE],
        "`--backup-db`: the file exists and a backup never overwrites one (got `migrations`); name a new file, or "
        "move that one away",
        id="backup-over-a-directory",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=/nonexistent/dir/b.sql", SQLITE],
        "`--backup-db`: the directory does not exist (got `/nonexistent/dir/b.sql`); create `/nonexistent/dir` or "
        "name another file",
        id="backup-in-a-missing-directory",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=before.sqlite", SQLITE],
        "`--backup-db`: inside the work tree and not ignored by git (got `before.sqlite`); write it outside the "
        "checkout (e.g. `/tmp/before.sqlite`) or to a git-ignored path",
        id="backup-in-the-work-tree",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=migrations/../before.sqlite", SQLITE],
        "`--backup-db`: inside the work tree and not ignored by git (got `migrations/../before.sqlite`); write it "
        "outside the checkout (e.g. `/tmp/before.sqlite`) or to a git-ignored path",
        id="backup-in-the-work-tree-by-a-detour",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--backup-db=/tmp/calver-release-never-written.sql"],
        "`--backup-db`: there is no database to back up (got `/tmp/calver-release-never-written.sql` and no alembic "
        "environment); drop `--backup-db`",
        id="backup-without-a-database-url",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--format=json"],
        "`--format=json`: only a `--dry-run` plan is printed as JSON (got no `--dry-run`); add `--dry-run`, or drop "
        "`--format`",
        id="json-without-dry-run",
    ),
    pytest.param(
        None,
        ["--continue", "--dry-run"],
        "`--dry-run`: not used with `--continue`, which resumes the journaled plan (got `true`); drop it",
        id="continue-with-dry-run",
    ),
    pytest.param(
        None,
        ["--abort", "--backup-db=/tmp/b.sql"],
        "`--backup-db`: not used with `--abort`, which resumes the journaled plan (got `/tmp/b.sql`); drop it",
        id="abort-with-backup-db",
    ),
    pytest.param(
        None,
        ["--continue", "--export=all"],
        "`--export`: not used with `--continue`, which resumes the journaled plan (got `all`); drop it",
        id="continue-with-export",
    ),
    pytest.param(
        on("topic-a", {"alembic.ini": None}),
        ["--to=topic-b"],
        "alembic.ini: missing on `topic-a` but present on `topic-b` (got no file at `{head}` nor in the working tree); "
        "the switch cannot follow the database across it: add the ini on `topic-a`, or switch with `git switch` and "
        "migrate by hand",
        id="ini-deleted-on-the-current-branch",
    ),
    pytest.param(
        on("topic-b", {"alembic.ini": None}),
        ["--to=topic-b"],
        "alembic.ini: missing on `topic-b` but present on `topic-a` (got no file at `{target}` nor in the working "
        "tree); the switch cannot follow the database across it: add the ini on `topic-b`, or switch with "
        "`git switch` and migrate by hand",
        id="ini-missing-on-the-target",
    ),
    pytest.param(
        on("topic-a", {"alembic.ini": "[alembic]\nscript_location = migratoins\n"}),
        ["--to=topic-b"],
        "alembic.ini: `script_location` names no alembic environment on `topic-a` (got `migratoins`, which has no "
        "`env.py`); point `script_location` at the directory holding `env.py`, or fix `[topic-switch].import_root` "
        "for `package:dir` locations",
        id="script-location-wrong-here",
    ),
    pytest.param(
        on("topic-b", {"migrations/env.py": None}),
        ["--to=topic-b", "--dry-run"],
        "alembic.ini: `script_location` names no alembic environment on `topic-b` (got `migrations`, which has no "
        "`env.py`); point `script_location` at the directory holding `env.py`, or fix `[topic-switch].import_root` "
        "for `package:dir` locations",
        id="script-location-wrong-there",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--topic-switch-alembic-inis=['pkg.ini']"],
        "pkg.ini: alembic ini not found at `{commit}` nor in the working tree (got no file); create it (e.g. from its "
        "`.sample`) or fix the configured ini path",
        id="configured-ini-missing-on-both-sides",
    ),
    pytest.param(
        write(".git/index.lock", ""),
        ["--to=topic-b"],
        "`{repo}/.git/index.lock`: a lock file of another git process is in the way (got an existing file); if no git "
        "process is running, delete the file and run again",
        id="stale-index-lock",
    ),
    pytest.param(
        lambda repo: shutil.rmtree(repo / ".git"),
        ["--to=topic-b"],
        "`{repo}`: not a git repository (got `git rev-parse --git-common-dir` failing); run inside the repository's "
        "checkout",
        id="not-a-repository",
    ),
    pytest.param(
        None,
        ["--to=topic-b"],
        "alembic.ini: `alembic current` failed, so the database state is unknown (got exit code 1); run "
        "`false -c alembic.ini current` to see why, fix that, then run again; nothing was changed",
        id="database-state-unknown",
    ),
    pytest.param(
        None,
        ["--to=topic-b", "--topic-switch-alembic-command=['/nonexistent/python', '-m', 'alembic']"],
        "alembic.ini: cannot run alembic (got No such file or directory: `/nonexistent/python`); fix "
        "`[topic-switch].alembic_command`",
        id="alembic-cannot-start",
    ),
    *(
        pytest.param(damaged(shape), [flag], damaged_error(shape), id=f"{flag[2:]}-journal-{shape}")
        for flag in ("--continue", "--abort")
        for shape in DAMAGED
    ),
    pytest.param(damaged("nulls"), ["--to=topic-b"], damaged_error("nulls"), id="to-journal-nulls"),
    pytest.param(damaged("a-list"), ["--to=topic-b", "--dry-run"], damaged_error("a-list"), id="dry-run-journal-a-list"),
]


@pytest.mark.parametrize("prepare, args, error", CASES)
def test_bad_input_is_one_line_and_changes_nothing(
    rule_runner: RuleRunner, repo: Path, prepare: Optional[Prepare], args: list, error: str
) -> None:
    if prepare:
        prepare(repo)
    names = {"repo": repo}
    if (repo / ".git").is_dir():
        head = git(repo, "rev-parse", "HEAD")
        names.update(head=head[:12], commit=head, target=git(repo, "rev-parse", "topic-b")[:12])
    before = state(repo)
    result = switch(rule_runner, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(**names) + "\n")
    assert state(repo) == before
    assert not (repo / "pwned").exists()


def test_a_refused_run_leaves_no_journal(rule_runner: RuleRunner, repo: Path) -> None:
    """The issue's case: a backup into a missing directory used to fail at step 1 and leave a journal."""
    result = switch(rule_runner, "--to=topic-b", "--backup-db=/nonexistent/dir/b.sql", SQLITE)
    assert result.exit_code == 1
    assert plugin_state(repo) == []
    dry = switch(rule_runner, "--to=topic-b", "--dry-run")
    assert (dry.exit_code, dry.stdout.splitlines()[0]) == (0, "Plan: switch `topic-a` -> `topic-b` (dry run: nothing was changed)")


@pytest.fixture
def export_repo(rule_runner: RuleRunner) -> Path:
    """No alembic environment; `pants.toml` defines the `python-default` resolve, never exported here."""
    rule_runner.write_files({"pants.toml": '[python.resolves]\npython-default = "python.lock"\n', "python.lock": "1\n"})
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "branch", "topic-b")
    git(repo, "switch", "-q", "-c", "topic-a")
    return repo


BROKEN_EXPORT = "--topic-switch-pants-command=['sh', '-c', '[ -e fixed ] || { echo export broke >&2; exit 3; }', 'pants']"


@pytest.mark.parametrize("then", ["continue", "abort"])
def test_a_failed_step_reports_the_state_read_back(rule_runner: RuleRunner, export_repo: Path, then: str) -> None:
    repo = export_repo
    result = switch(rule_runner, "--to=topic-b", "--export=all", BROKEN_EXPORT)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.splitlines()[-1] == (
        "topic-switch: step `export` (export python-default) failed (exit code 3: export broke); done: `switch`; "
        "the checkout is on `topic-b`; fix the cause and run `pants topic-switch --continue`, or "
        "`pants topic-switch --abort` to go back to `topic-a`"
    )
    assert git(repo, "branch", "--show-current") == "topic-b"
    assert (repo / JOURNAL).is_file()

    refused = switch(rule_runner, "--to=main")
    assert (refused.exit_code, refused.stderr) == (
        1,
        f"`--to`: a switch `topic-a` -> `topic-b` is in progress (got `{repo / JOURNAL}`); run "
        "`pants topic-switch --continue` or `--abort` first\n",
    )
    if then == "continue":
        (repo / "fixed").write_text("")
        resumed = switch(rule_runner, "--continue")
        assert (resumed.exit_code, resumed.stdout) == (
            0,
            dedent(
                """\
                Switched `topic-a` -> `topic-b`
                exported: python-default
                configuration changes: none
                """
            ),
        )
        assert git(repo, "branch", "--show-current") == "topic-b"
    else:
        aborted = switch(rule_runner, "--abort")
        assert (aborted.exit_code, aborted.stdout) == (
            0,
            "Aborted: back on `topic-a` with the database at its original revisions\n",
        )
        assert git(repo, "branch", "--show-current") == "topic-a"
    assert not (repo / JOURNAL).exists()
