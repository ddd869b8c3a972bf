"""RuleRunner tests of `pants halfstack-upgrade`.

No Docker engine runs on these machines: `docker` is a stand-in script first on PATH that records
its arguments, prints a complete plain dump for `exec ... pg_dump` and keeps what `psql` reads.
The real dump and restore against PostgreSQL are tested in tests/halfstack/halfstack_plan_test.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Callable, Dict, Iterator, Optional

import pytest
from conftest import init_repo, run_goal
from fake_docker import DUMP, install_fake_docker
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner
from repository_state import immutable, repository_state, state_not_writable

from calver_release.halfstack.goal import HalfstackUpgradeGoal

CURRENT = "docker-compose.halfstack.current.yml"
TARGET = "docker-compose.halfstack-2409.yml"
STAGING = ".git/calver-release/halfstack-upgrade"
JOURNAL = ".git/calver-release/halfstack-upgrade.json"
COMPOSE = f"docker compose -p repo -f {CURRENT}"
DB_EXEC = f"{COMPOSE} exec -T backendai-half-db"
PYTHON = sys.executable
"""The interpreter the steps run the dump check with: the one running Pants (here, the tests)."""


def compose(postgres: str, db_port: str, redis_port: str, comment: str = "") -> str:
    return dedent(
        f"""\
        services:
          backendai-half-db:
            image: postgres:{postgres}{comment}
            ports:
              - "{db_port}:5432"
          backendai-half-redis:
            image: redis:7.2.5-alpine
            ports:
              - "{redis_port}:6379"
          backendai-half-etcd:
            image: quay.io/coreos/etcd:v3.5.14
            ports:
              - "8120:2379"
        """
    )


CURRENT_TEXT = compose("15.4-alpine", "8101", "127.0.0.1:8111")
TARGET_TEXT = compose("16.3-alpine", "8100", "8110", "  # PostgreSQL 16")
UPGRADED_TEXT = compose("16.3-alpine", "8101", "127.0.0.1:8111", "  # PostgreSQL 16")

@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    root = Path(rule_runner.build_root)
    (root / "volumes/postgres-data").mkdir(parents=True)
    (root / "volumes/postgres-data/PG_VERSION").write_text("15\n")
    (root / CURRENT).write_text(CURRENT_TEXT)
    (root / TARGET).write_text(TARGET_TEXT)
    (root / ".gitignore").write_text("/volumes/\n")  # as in Backend.AI: the data is never tracked
    return init_repo(root)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return install_fake_docker(tmp_path)


def upgrade(rule_runner: RuleRunner, repo: Path, *args: str, path: Optional[str] = None) -> GoalRuleResult:
    """Run the goal in `repo` (the RuleRunner's build root) as project `repo`, `path` first on PATH."""
    env = {"PATH": os.environ["PATH"] if path is None else f"{path}:{os.environ['PATH']}", "HOME": str(repo)}
    return run_goal(rule_runner, HalfstackUpgradeGoal, "--halfstack-project=repo", *args, env=env)


def snapshot(repo: Path) -> Dict[str, str]:
    """Every file of the build root and of the git directory's `calver-release`, with its content."""
    return {
        str(path.relative_to(repo)): path.read_text()
        for path in sorted(repo.rglob("*"))
        if path.is_file() and (not str(path.relative_to(repo)).startswith(".") or ".git/calver-release" in str(path))
        and path.name != "BUILDROOT"
    }


EXPECTED_PLAN = f"""\
Upgrading the halfstack to `{TARGET}` (PostgreSQL 15 -> 16: dump and restore the database)
1. Terminate all compute sessions and stop the Backend.AI services (done by you: `--yes`)
2. Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump
   $ {DB_EXEC} pg_dump -U postgres -d backend > volumes/postgres-backup.sql
   $ {PYTHON} -m calver_release.halfstack.pg_dump_check volumes/postgres-backup.sql
3. Stop and remove the halfstack containers
   $ {COMPOSE} down
4. Move the PostgreSQL data directory `volumes/postgres-data` aside to `volumes/postgres-data.backup`
   $ {PYTHON} -m calver_release.halfstack.pg_dump_check volumes/postgres-backup.sql
   $ mv volumes/postgres-data volumes/postgres-data.backup
5. Overwrite `{CURRENT}` with `{TARGET}`, keeping your host ports
   $ cp {STAGING}/new.yml {CURRENT}
6. Start the new halfstack
   $ {COMPOSE} up -d
7. Restore `volumes/postgres-backup.sql` into database `backend`
   $ {DB_EXEC} pg_isready -q -h 127.0.0.1 -U postgres -d backend  # until ready, up to a minute
   $ {DB_EXEC} psql -X -q -1 -v ON_ERROR_STOP=1 -U postgres -d backend < volumes/postgres-backup.sql
"""

EXPECTED_DIFF = f"""\
--- {CURRENT} (current)
+++ {CURRENT} (new)
@@ -1,6 +1,6 @@
 services:
   backendai-half-db:
-    image: postgres:15.4-alpine
+    image: postgres:16.3-alpine  # PostgreSQL 16
     ports:
       - "8101:5432"
   backendai-half-redis:
"""

FINAL_MESSAGE = f"""\
Halfstack upgraded.
Backup kept: volumes/postgres-backup.sql
Backup kept: volumes/postgres-data.backup
Backup kept: {STAGING}/previous.yml
Once the upgraded halfstack works, remove the backups: rm -rf volumes/postgres-backup.sql volumes/postgres-data.backup {STAGING} (with `sudo` if the container's user owns the files)
"""

DOCKER_LOG = f"""\
docker {DB_EXEC[7:]} pg_dump -U postgres -d backend
docker {COMPOSE[7:]} down
docker {COMPOSE[7:]} up -d
docker {DB_EXEC[7:]} pg_isready -q -h 127.0.0.1 -U postgres -d backend
docker {DB_EXEC[7:]} psql -X -q -1 -v ON_ERROR_STOP=1 -U postgres -d backend
"""


def test_dry_run_prints_every_command_and_the_diff(rule_runner: RuleRunner, repo: Path) -> None:
    before = snapshot(repo)
    result = upgrade(rule_runner, repo, "--target=2409", "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"{EXPECTED_PLAN}\n{EXPECTED_DIFF}"
    assert snapshot(repo) == before


def test_same_postgres_major_skips_the_database_steps(rule_runner: RuleRunner, repo: Path) -> None:
    (repo / "releases").mkdir()
    (repo / "releases/next.yml").write_text(compose("15.8-alpine", "8100", "8110"))
    result = upgrade(rule_runner, repo, "--compose-file=releases/next.yml", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.split("--- ")[0] == dedent(
        f"""\
        Upgrading the halfstack to `releases/next.yml` (PostgreSQL 15 in both: no dump, data-directory or restore steps)
        1. Terminate all compute sessions and stop the Backend.AI services (done by you: `--yes`)
        2. Stop and remove the halfstack containers
           $ {COMPOSE} down
        3. Overwrite `{CURRENT}` with `releases/next.yml`, keeping your host ports
           $ cp {STAGING}/new.yml {CURRENT}
        4. Start the new halfstack
           $ {COMPOSE} up -d

        """
    )


def test_step_one_is_the_developers(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    before = snapshot(repo)
    result = upgrade(rule_runner, repo, "--target=2409", path=str(bin_dir))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "`--yes`: step 1 is yours: terminate all compute sessions and stop the Backend.AI services (got no `--yes`); "
        "do so, then run `pants halfstack-upgrade --target=2409 --yes`, or preview with `--dry-run`\n"
    )
    assert snapshot(repo) == before
    assert not (bin_dir / "docker.log").exists()


@pytest.mark.parametrize(
    "args, change, error",
    [
        pytest.param(
            ["--target=2412"],
            {},
            "`docker-compose.halfstack-2412.yml`: target compose file not found (got no such file in `{repo}`); "
            "check `--target`, or pass `--compose-file=PATH`",
            id="missing-target-file",
        ),
        pytest.param(
            ["--target=24.09"], {}, "`--target`: not a release in `YYMM` form (got `24.09`); write e.g. `2409`", id="bad-target"
        ),
        pytest.param(
            [], {}, "`--target`: no target release given (got none); pass `--target=YYMM` or `--compose-file=PATH`", id="no-target"
        ),
        pytest.param(
            ["--target=2409"],
            {TARGET: TARGET_TEXT.replace("backendai-half-db", "backendai-half-postgres")},
            f"{TARGET}: no `backendai-half-db` service (got `backendai-half-etcd`, `backendai-half-postgres`, "
            "`backendai-half-redis`); add the service or configure its name",
            id="no-db-service",
        ),
        pytest.param(
            ["--target=2409"],
            {CURRENT: CURRENT_TEXT.replace('"8101:5432"', '"8101-8102:5432"')},
            f"{CURRENT}: service `backendai-half-db` has a port mapping in an unexpected form (got `8101-8102:5432`); "
            "use `HOST:CONTAINER`, `IP:HOST:CONTAINER`, `CONTAINER` or the long syntax with a numeric `target`",
            id="bad-port-mapping",
        ),
        pytest.param(
            ["--target=2409", "--yes"],
            {"volumes/postgres-backup.sql": "old"},
            "`volumes/postgres-backup.sql`: a backup from an earlier upgrade is in the way (got an existing path); "
            "remove or move it, or set `[halfstack].backup_file`",
            id="backup-in-the-way",
        ),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    rule_runner: RuleRunner, repo: Path, bin_dir: Path, args: list, change: dict, error: str
) -> None:
    for name, text in change.items():
        (repo / name).write_text(text)
    before = snapshot(repo)
    result = upgrade(rule_runner, repo, *args, path=str(bin_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(repo=repo) + "\n")
    assert snapshot(repo) == before
    assert not (bin_dir / "docker.log").exists()


def test_data_directory_must_exist(rule_runner: RuleRunner, repo: Path) -> None:
    (repo / "volumes/postgres-data/PG_VERSION").unlink()
    (repo / "volumes/postgres-data").rmdir()
    result = upgrade(rule_runner, repo, "--target=2409", "--dry-run")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "`volumes/postgres-data`: no PostgreSQL data directory there (got nothing); "
        "set `[halfstack].data_dir` to where the db service keeps its data\n"
    )


def test_docker_must_be_on_the_path(rule_runner: RuleRunner, repo: Path, tmp_path: Path) -> None:
    (tmp_path / "no-docker").mkdir()
    (tmp_path / "no-docker/git").symlink_to(shutil.which("git"))
    env = {"PATH": str(tmp_path / "no-docker")}
    result = run_goal(rule_runner, HalfstackUpgradeGoal, "--halfstack-project=repo", "--target=2409", "--yes", env=env)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"`docker`: not found on your PATH (got `{tmp_path / 'no-docker'}`); install Docker with its compose plugin\n"
    )
    assert not (repo / JOURNAL).exists()


def test_upgrade_runs_the_steps_in_order(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout) == (0, FINAL_MESSAGE)
    assert result.stderr == EXPECTED_PLAN
    assert (bin_dir / "docker.log").read_text() == DOCKER_LOG
    assert (bin_dir / "restored.sql").read_text() == DUMP
    assert (repo / CURRENT).read_text() == UPGRADED_TEXT
    assert (repo / STAGING / "previous.yml").read_text() == CURRENT_TEXT
    assert (repo / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert not (repo / "volumes/postgres-data").exists()
    assert not (repo / JOURNAL).exists()


@pytest.mark.parametrize(
    "break_it, failed_step, reason, remove_cause",
    [
        pytest.param(
            lambda bin_dir: (bin_dir / "dump.sql").write_text(""),
            "`Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump`: step 2",
            "volumes/postgres-backup.sql: dump file is empty (got 0 bytes); check the `pg_dump` output and run it again",
            lambda bin_dir: (bin_dir / "dump.sql").write_text(DUMP),
            id="empty-dump",
        ),
        pytest.param(
            lambda bin_dir: (bin_dir / "down-fails").write_text(""),
            "`Stop and remove the halfstack containers`: step 3",
            "cannot stop container",
            lambda bin_dir: (bin_dir / "down-fails").unlink(),
            id="service-cannot-be-stopped",
        ),
    ],
)
def test_failure_keeps_the_database_and_continue_resumes(
    rule_runner: RuleRunner, repo: Path, bin_dir: Path, break_it, failed_step: str, reason: str, remove_cause
) -> None:
    break_it(bin_dir)
    result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"{failed_step} failed (got exit code 1: {reason}); nothing after it ran: "
        "fix the cause, then run `pants halfstack-upgrade --continue`"
    )
    assert (repo / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"
    assert not (repo / "volumes/postgres-data.backup").exists()
    assert (repo / CURRENT).read_text() == CURRENT_TEXT
    assert (repo / JOURNAL).exists()

    again = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (again.exit_code, again.stderr) == (
        1,
        f"`{repo / JOURNAL}`: an upgrade to `{TARGET}` is in progress (got its journal); "
        "resume it with `pants halfstack-upgrade --continue`\n",
    )

    preview = upgrade(rule_runner, repo, "--continue", "--dry-run", path=str(bin_dir))
    assert (preview.exit_code, preview.stderr) == (0, "")
    title, number = failed_step[1 : failed_step.rindex("`: ")], failed_step.rsplit(" ", 1)[1]
    assert preview.stdout.splitlines()[:2] == [f"Resuming the halfstack upgrade to `{TARGET}`", f"{number}. {title}"]
    assert (repo / JOURNAL).exists()

    remove_cause(bin_dir)
    resumed = upgrade(rule_runner, repo, "--continue", path=str(bin_dir))
    assert (resumed.exit_code, resumed.stdout) == (0, FINAL_MESSAGE)
    assert resumed.stderr.splitlines()[0] == f"Resuming the halfstack upgrade to `{TARGET}`"
    assert (repo / CURRENT).read_text() == UPGRADED_TEXT
    assert (repo / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert (bin_dir / "restored.sql").read_text() == DUMP
    assert not (repo / JOURNAL).exists()


def test_continue_without_an_upgrade_in_progress(rule_runner: RuleRunner, repo: Path) -> None:
    result = upgrade(rule_runner, repo, "--continue")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"`--continue`: no halfstack upgrade in progress (got no journal at `{repo / JOURNAL}`); "
        "start one with `pants halfstack-upgrade --target=YYMM --yes`\n"
    )


DAMAGED = {
    "empty-object": ("{}", "$: missing field `operation`"),
    "a-list": ("[]", "$: expected an object (got list [])"),
    "steps-a-string": (
        '{"operation": "halfstack-upgrade", "build_root": ".", "steps": "touch pwned"}',
        "$.steps: expected a list (got str 'touch pwned')",
    ),
    "nulls": ('{"operation": "halfstack-upgrade", "build_root": ".", "steps": null}', "$.steps: expected a list (got NoneType None)"),
    "argv-a-string": (
        '{"operation": "halfstack-upgrade", "build_root": ".", "steps": [{"name": "s", "description": "d", '
        '"commands": [{"argv": "touch pwned"}]}]}',
        "$.steps[0].commands[0].argv: expected a list (got str 'touch pwned')",
    ),
    "plan-of-another-shape": (
        '{"operation": "halfstack-upgrade", "build_root": ".", "steps": [], "plan": {"target_file": 2409}}',
        "$.plan.target_file: expected a string (got 2409)",
    ),
    "truncated": ('{"operation": "halfstack-up', "not JSON: Unterminated string starting at: line 1 column 15 (char 14)"),
}
DAMAGED_ERROR = (
    "`{repo}/" + JOURNAL + "`: damaged state file (got {reason}); nothing was run from it: check the halfstack "
    "(`docker compose ps`, the data directory, the backups the plan named), then delete the file and `" + STAGING + "`"
)


def write(files: Dict[str, str]) -> Callable[[Path], None]:
    def prepare(repo: Path) -> None:
        for name, text in files.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text)

    return prepare


def damaged_journal(shape: str) -> Callable[[Path], None]:
    return write({JOURNAL: DAMAGED[shape][0]})


def current_file_a_directory(repo: Path) -> None:
    (repo / CURRENT).unlink()
    (repo / CURRENT).mkdir()


@pytest.mark.parametrize(
    "args, prepare, error",
    [
        *(
            pytest.param(
                ["--continue"],
                damaged_journal(shape),
                DAMAGED_ERROR.replace("{reason}", DAMAGED[shape][1]),
                id=f"continue-journal-{shape}",
            )
            for shape in DAMAGED
        ),
        pytest.param(
            ["--target=2409", "--yes"],
            damaged_journal("nulls"),
            DAMAGED_ERROR.replace("{reason}", DAMAGED["nulls"][1]),
            id="target-journal-nulls",
        ),
        pytest.param(
            ["--continue", "--target=2409"],
            None,
            "`--target`: not used with `--continue`, which resumes the journaled upgrade (got `2409`); drop it",
            id="continue-with-target",
        ),
        pytest.param(
            ["--continue", f"--compose-file={TARGET}"],
            None,
            f"`--compose-file`: not used with `--continue`, which resumes the journaled upgrade (got `{TARGET}`); drop it",
            id="continue-with-compose-file",
        ),
        pytest.param(
            ["--target=2409", "--dry-run"],
            current_file_a_directory,
            f"`{CURRENT}`: current compose file is a directory (got a directory in `{{repo}}`); "
            "set `[halfstack].current_file` to your copy",
            id="current-file-is-a-directory",
        ),
        pytest.param(
            ["--compose-file=releases", "--dry-run"],
            write({"releases/next.yml": ""}),
            "`releases`: target compose file is a directory (got a directory in `{repo}`); check `--target`, or pass "
            "`--compose-file=PATH`",
            id="target-file-is-a-directory",
        ),
    ],
)
def test_more_bad_input_is_one_line_and_changes_nothing(
    rule_runner: RuleRunner, repo: Path, bin_dir: Path, args: list, prepare: Optional[Callable[[Path], None]], error: str
) -> None:
    if prepare:
        prepare(repo)
    before = snapshot(repo)
    result = upgrade(rule_runner, repo, *args, path=str(bin_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(repo=repo) + "\n")
    assert snapshot(repo) == before
    assert not (bin_dir / "docker.log").exists()
    assert not (repo / "pwned").exists()


def test_outside_a_repository(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    shutil.rmtree(repo / ".git")
    before = snapshot(repo)
    result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"`{repo}`: not a git repository (got `git rev-parse --git-common-dir` failing); run inside the "
        "repository's checkout\n",
    )
    assert snapshot(repo) == before


def test_a_failing_dump_keeps_everything_and_says_why(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    (bin_dir / "dump-fails").write_text("")
    result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "`Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump`: step 2 failed (got exit "
        "code 1: pg_dump: error: connection to server failed); nothing after it ran: fix the cause, then run "
        "`pants halfstack-upgrade --continue`"
    )
    assert not (repo / "volumes/postgres-backup.sql").exists()
    assert (repo / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"
    assert (repo / CURRENT).read_text() == CURRENT_TEXT
    (bin_dir / "dump-fails").unlink()
    resumed = upgrade(rule_runner, repo, "--continue", path=str(bin_dir))
    assert (resumed.exit_code, resumed.stdout) == (0, FINAL_MESSAGE)
    assert (repo / "volumes/postgres-backup.sql").read_text() == DUMP


def test_git_and_the_steps_see_the_callers_git_variables(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    """The steps run with the caller's `GIT_*` variables (and PATH), not only the docker ones."""
    (bin_dir / "docker").write_text(
        (bin_dir / "docker").read_text().replace('echo "docker $*"', 'echo "docker $* [$GIT_AUTHOR_NAME]"')
    )
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(repo), "GIT_AUTHOR_NAME": "Shell Identity"}
    result = run_goal(rule_runner, HalfstackUpgradeGoal, "--halfstack-project=repo", "--target=2409", "--yes", env=env)
    assert result.exit_code == 0, result.stderr
    assert (bin_dir / "docker.log").read_text().splitlines()[0] == (
        f"docker {DB_EXEC[7:]} pg_dump -U postgres -d backend [Shell Identity]"
    )


# Paths the upgrade writes, moves or deletes, and options that cannot apply ------------------------


def track(path: str) -> Callable[[Path], None]:
    def prepare(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("tracked\n")
        subprocess.run(["git", "-C", str(repo), "add", path], check=True)
        subprocess.run(["git", "-C", str(repo), "commit", "-qm", f"track {path}"], check=True)

    return prepare


def outside_file(repo: Path) -> Path:
    """A file beside the build root, outside the repository (removed by the `beside` fixture)."""
    return repo.parent / f"{repo.name}-outside.yml"


@pytest.fixture
def beside(repo: Path) -> Iterator[None]:
    yield
    outside_file(repo).unlink(missing_ok=True)


def link_current_file_outside(repo: Path) -> None:
    outside_file(repo).write_text(CURRENT_TEXT)
    (repo / CURRENT).unlink()
    (repo / CURRENT).symlink_to(outside_file(repo))


OWN_PATH = "`[halfstack].{option}`: {problem}, which the plugin would {action} (got `{value}`); name a path of its own that git does not track"


@pytest.mark.parametrize(
    "args, prepare, error",
    [
        *(
            pytest.param(
                ["--target=2409", "--dry-run", f"--halfstack-data-dir={value}"],
                prepare,
                OWN_PATH.format(option="data_dir", problem=problem, action="move aside", value=value),
                id=f"data-dir-{name}",
            )
            for name, value, prepare, problem in (
                ("git-directory", ".git", None, "inside the git directory"),
                ("tracked-sources", "src", track("src/app.py"), "a path git tracks"),
                ("file-system-root", "/", None, "the file system root"),
                ("repository-root", ".", None, "the repository itself"),
                ("above-the-repository", "..", None, "a directory holding the repository"),
            )
        ),
        pytest.param(
            ["--target=2409", "--dry-run", "--halfstack-backup-file=.git/backup.sql"],
            None,
            OWN_PATH.format(option="backup_file", problem="inside the git directory", action="write", value=".git/backup.sql"),
            id="backup-file-in-the-git-directory",
        ),
        pytest.param(
            ["--target=2409", "--yes"],
            link_current_file_outside,
            f"`[halfstack].current_file`: `{CURRENT}` is a symlink to a file outside the repository (got "
            "`{repo}-outside.yml`), which the plugin never writes; replace the symlink with the file, or point it "
            "inside the work tree",
            id="current-file-a-symlink-outside",
        ),
        pytest.param(
            [f"--compose-file={CURRENT}", "--yes"],
            None,
            f"`--compose-file`: the current compose file itself, nothing to upgrade to (got `{CURRENT}`); name another "
            "release's compose file",
            id="compose-file-is-the-current-file",
        ),
        pytest.param(
            ["--continue"],
            write({JOURNAL: '{"operation": "halfstack-upgrade", "build_root": ".", "steps": [], "plan": '
                   '{"target_file": "x.yml", "steps": [], "backups": [], "cleanup": ""}}'}),
            DAMAGED_ERROR.replace("{reason}", "$.steps: no steps"),
            id="journal-without-steps",
        ),
        pytest.param(
            ["--target=2409", "--yes"],
            lambda repo: (repo / ".git/calver-release").write_text(""),
            "`{repo}/.git/calver-release`: not a directory, but the plugin keeps its state there (got a file); move it "
            "away, then run again",
            id="state-directory-a-file",
        ),
    ],
)
def test_paths_and_options_that_cannot_apply_are_refused(
    rule_runner: RuleRunner,
    repo: Path,
    bin_dir: Path,
    beside: None,
    args: list,
    prepare: Optional[Callable[[Path], None]],
    error: str,
) -> None:
    if prepare:
        prepare(repo)
    before, outside = repository_state(repo), outside_file(repo)
    outside_text = outside.read_text() if outside.exists() else None
    result = upgrade(rule_runner, repo, *args, path=str(bin_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(repo=repo) + "\n")
    assert repository_state(repo) == before
    assert (outside.read_text() if outside.exists() else None) == outside_text
    assert not (bin_dir / "docker.log").exists()


def test_a_state_directory_that_cannot_be_written_is_refused_before_any_step(
    rule_runner: RuleRunner, repo: Path, bin_dir: Path
) -> None:
    state = repo / ".git/calver-release"
    state.mkdir()
    before = repository_state(repo)
    with immutable(state):
        result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", state_not_writable(state) + "\n")
    assert repository_state(repo) == before
    assert not (bin_dir / "docker.log").exists()


def test_a_symlinked_current_file_is_upgraded_through_its_link(rule_runner: RuleRunner, repo: Path, bin_dir: Path) -> None:
    (repo / "halfstack").mkdir()
    (repo / CURRENT).rename(repo / "halfstack/current.yml")
    (repo / CURRENT).symlink_to("halfstack/current.yml")
    result = upgrade(rule_runner, repo, "--target=2409", "--yes", path=str(bin_dir))
    assert (result.exit_code, result.stdout) == (0, FINAL_MESSAGE)
    assert os.readlink(repo / CURRENT) == "halfstack/current.yml"
    assert (repo / "halfstack/current.yml").read_text() == UPGRADED_TEXT
