"""The steps of a halfstack upgrade, as journal steps: pure core of `halfstack-upgrade` (no `pants` import).

The order is the process's: (1) the developer stops the services, (2) dump the database through
`docker compose exec` and verify the dump, (3) `docker compose down`, (4) move the PostgreSQL data
directory aside, (5) overwrite the current compose file with the target's, host ports kept, (6)
`up -d`, (7) restore the dump with `psql`, (8) the developer removes the backups. When both compose
files run the same PostgreSQL major, steps 2, 4 and 7 are left out.

Step 4 renames the data directory instead of copying and deleting it: the rename is atomic, needs
neither root (the container's `postgres` user owns the files) nor disk space, and leaves the backup
byte for byte. It re-verifies the dump first, so the directory never goes before a verified dump
exists, whatever happened to the journal.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

from calver_release.halfstack import pg_dump_check
from calver_release.halfstack.compose import ComposeRewrite, DumpDecision, HalfstackServices, dump_needed, read_compose
from calver_release.runtime.journal import Command, Journal, Step

OPERATION = "halfstack-upgrade"
TARGET_PATTERN = re.compile(r"\d{4}")

DUMP_SCRIPT = 'out=$1; shift; "$@" > "$out.partial" && mv -f "$out.partial" "$out"'
"""Runs `$2...` with stdout to `$1`; a failed dump leaves only `$1.partial`, never a file that looks complete."""

MOVE_ASIDE_SCRIPT = """
if [ ! -e "$1" ] && [ -d "$2" ]; then exit 0; fi
if [ -e "$2" ]; then echo "$2: already exists; move it away, then continue" >&2; exit 1; fi
mv -- "$1" "$2"
"""
"""Renames `$1` to `$2`; a step interrupted after the rename finds it done."""

WAIT_SCRIPT = r"""
attempts=$1; shift; i=0
until "$@"; do
  code=$?
  i=$((i+1))
  if [ "$i" -ge "$attempts" ]; then
    case $code in
      1) why="it rejects connections (still starting up?)" ;;
      2) why="no response (is the container running? see \`docker compose logs\`)" ;;
      3) why="pg_isready could not try (bad connection parameters)" ;;
      *) why="\`pg_isready\` exited with $code (is it installed in the container?)" ;;
    esac
    echo "PostgreSQL is not ready after $attempts attempts a second apart: $why" >&2
    exit 1
  fi
  sleep 1
done
"""
"""Retries `$2...` once a second, `$1` times, while the new PostgreSQL initialises; says why it gave up."""

READY_ATTEMPTS = 60
"""How many times step 7 asks `pg_isready`, a second apart: up to a minute."""

RESTORE_SCRIPT = 'in=$1; shift; exec "$@" < "$in"'
"""Runs `$2...` with stdin from `$1`."""


class HalfstackError(ValueError):
    """The upgrade cannot start: a setting, file or directory is not as the process needs it."""


@dataclass(frozen=True)
class HalfstackSettings:
    """Every name the process uses, relative paths taken from the build root (`[halfstack]`)."""

    project: str
    current_file: str
    target_file: str
    services: HalfstackServices
    db_user: str = "postgres"
    db_name: str = "backend"
    data_dir: str = "volumes/postgres-data"
    backup_file: str = "volumes/postgres-backup.sql"
    exec_prefix: Tuple[str, ...] = ()
    docker: str = "docker"
    python: Tuple[str, ...] = ("python3",)

    @property
    def data_backup(self) -> str:
        """Where step 4 moves the data directory."""
        return f"{self.data_dir.rstrip('/')}.backup"

    def compose(self, *args: str) -> Tuple[str, ...]:
        """`docker compose -p <project> -f <current file> args...`."""
        return (self.docker, "compose", "-p", self.project, "-f", self.current_file, *args)

    def db_exec(self) -> Tuple[str, ...]:
        """The prefix that runs a PostgreSQL client next to the database."""
        return self.exec_prefix or self.compose("exec", "-T", self.services.db)


@dataclass(frozen=True)
class ShownStep:
    """A step as printed: its title, and its commands as a developer would type them."""

    title: str
    shown: Tuple[str, ...]


@dataclass(frozen=True)
class PlannedStep(ShownStep):
    """A step as printed and as run."""

    commands: Tuple[Command, ...] = ()

    def journal_step(self) -> Step:
        return Step(name=self.title, description=self.title, commands=self.commands)


@dataclass(frozen=True)
class HalfstackReport:
    """What the journal keeps besides the steps, so `--continue` can print them and the final message."""

    target_file: str
    steps: Tuple[ShownStep, ...]
    backups: Tuple[str, ...]
    cleanup: str


@dataclass(frozen=True)
class HalfstackPlan:
    """The upgrade: its steps in order, the compose rewrite, and what is left behind to remove."""

    steps: Tuple[PlannedStep, ...]
    decision: DumpDecision
    rewrite: ComposeRewrite
    backups: Tuple[str, ...]
    cleanup: str

    def journal(self, build_root: str, target_file: str) -> Journal:
        shown = tuple(ShownStep(step.title, step.shown) for step in self.steps)
        report = HalfstackReport(target_file, shown, self.backups, self.cleanup)
        return Journal(OPERATION, build_root, tuple(step.journal_step() for step in self.steps), report)


def project_name(directory_name: str) -> str:
    """The compose project docker derives from a directory name: lowercase `[a-z0-9_-]`, no leading `_`/`-`."""
    return re.sub(r"[^a-z0-9_-]", "", directory_name.lower()).lstrip("_-")


def target_compose_file(target: str) -> str:
    """`docker-compose.halfstack-<YYMM>.yml`; HalfstackError for a target not in YYMM form."""
    if not TARGET_PATTERN.fullmatch(target):
        hint = re.sub(r"\D", "", target)
        raise HalfstackError(
            f"`--target`: not a release in `YYMM` form (got `{target}`); write e.g. `{hint if len(hint) == 4 else '2409'}`"
        )
    return f"docker-compose.halfstack-{target}.yml"


def parse_exec_prefix(value: str) -> Tuple[str, ...]:
    """`[halfstack].exec_prefix` split as a shell would; HalfstackError for unbalanced quotes."""
    try:
        return tuple(shlex.split(value))
    except ValueError as e:
        raise HalfstackError(
            f"`[halfstack].exec_prefix`: not a command line ({e}) (got `{value}`); balance its quotes"
        ) from None


def plan_upgrade(
    settings: HalfstackSettings,
    current_text: str,
    target_text: str,
    rewrite: ComposeRewrite,
    staging_dir: str,
) -> HalfstackPlan:
    """The steps that take the halfstack from the current compose file to `rewrite`.

    `staging_dir` holds the new compose file (`new.yml`) and a copy of the current one (`previous.yml`).
    """
    db = settings.services.db
    decision = dump_needed(
        read_compose(current_text, settings.current_file), read_compose(target_text, settings.target_file), db
    )
    dump, move_aside, restore = _database_steps(settings) if decision.needed else (None, None, None)
    steps = [
        PlannedStep(
            "Terminate all compute sessions and stop the Backend.AI services (done by you: `--yes`)", (), ()
        ),
        dump,
        _step("Stop and remove the halfstack containers", settings.compose("down")),
        move_aside,
        _step(
            f"Overwrite `{settings.current_file}` with `{settings.target_file}`, keeping your host ports",
            ("cp", f"{staging_dir}/new.yml", settings.current_file),
        ),
        _step("Start the new halfstack", settings.compose("up", "-d")),
        restore,
    ]
    previous = f"{staging_dir}/previous.yml"
    backups = (settings.backup_file, settings.data_backup, previous) if decision.needed else (previous,)
    cleanup = shlex.join(["rm", "-rf", *backups[:-1], staging_dir])
    return HalfstackPlan(tuple(s for s in steps if s is not None), decision, rewrite, backups, cleanup)


def _database_steps(settings: HalfstackSettings) -> Tuple[PlannedStep, PlannedStep, PlannedStep]:
    db_exec = settings.db_exec()
    user, name, backup = settings.db_user, settings.db_name, settings.backup_file
    verify = Command((*settings.python, "-m", pg_dump_check.__name__, backup))
    verify_shown = verify.render()
    pg_dump = (*db_exec, "pg_dump", "-U", user, "-d", name)
    dump = PlannedStep(
        f"Dump database `{name}` to `{backup}` and verify the dump",
        (f"{shlex.join(pg_dump)} > {shlex.quote(backup)}", verify_shown),
        (Command(("sh", "-c", DUMP_SCRIPT, "halfstack-dump", backup, *pg_dump)), verify),
    )
    move_aside = PlannedStep(
        f"Move the PostgreSQL data directory `{settings.data_dir}` aside to `{settings.data_backup}`",
        (verify_shown, shlex.join(["mv", settings.data_dir, settings.data_backup])),
        (verify, Command(("sh", "-c", MOVE_ASIDE_SCRIPT, "halfstack-move", settings.data_dir, settings.data_backup))),
    )
    ready = (*db_exec, "pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", name)
    psql = (*db_exec, "psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", name)
    restore = PlannedStep(
        f"Restore `{backup}` into database `{name}`",
        (f"{shlex.join(ready)}  # until ready, up to a minute", f"{shlex.join(psql)} < {shlex.quote(backup)}"),
        (
            Command(("sh", "-c", WAIT_SCRIPT, "halfstack-wait", str(READY_ATTEMPTS), *ready)),
            Command(("sh", "-c", RESTORE_SCRIPT, "halfstack-restore", backup, *psql)),
        ),
    )
    return dump, move_aside, restore


def _step(title: str, argv: Sequence[str]) -> PlannedStep:
    return PlannedStep(title, (shlex.join(argv),), (Command(tuple(argv)),))


def read_compose_files(settings: HalfstackSettings, build_root: Path) -> Tuple[str, str]:
    """The texts of the current and the target compose file; HalfstackError when one is missing.

    Read from disk, not through the engine: Backend.AI git-ignores the current file, and Pants
    ignores git-ignored files.
    """
    current = _read_text(
        build_root, settings.current_file, "current compose file", "set `[halfstack].current_file` to your copy"
    )
    target = _read_text(
        build_root, settings.target_file, "target compose file", "check `--target`, or pass `--compose-file=PATH`"
    )
    return current, target


def _read_text(build_root: Path, path: str, what: str, hint: str) -> str:
    try:
        return (build_root / path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HalfstackError(f"`{path}`: {what} not found (got no such file in `{build_root}`); {hint}") from None
    except IsADirectoryError:
        raise HalfstackError(f"`{path}`: {what} is a directory (got a directory in `{build_root}`); {hint}") from None
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise HalfstackError(f"`{path}`: {what} is unreadable (got {reason}); {hint}") from None


def check_workspace(settings: HalfstackSettings, build_root: Path, decision: DumpDecision, staging_dir: str) -> None:
    """HalfstackError when a directory the database steps need is missing, or a backup is in the way."""
    backups = [(staging_dir, "")]
    if decision.needed:
        backups[:0] = [
            (settings.backup_file, "set `[halfstack].backup_file`"),
            (settings.data_backup, "set `[halfstack].data_dir`"),
        ]
    for existing, option in backups:
        if (build_root / existing).exists():
            raise HalfstackError(
                f"`{existing}`: a backup from an earlier upgrade is in the way (got an existing path); "
                f"remove or move it{f', or {option}' if option else ''}"
            )
    if decision.needed and not (build_root / settings.data_dir).is_dir():
        raise HalfstackError(
            f"`{settings.data_dir}`: no PostgreSQL data directory there (got nothing); "
            "set `[halfstack].data_dir` to where the db service keeps its data"
        )


def render_plan(steps: Sequence[ShownStep], headline: str, notes: Sequence[str], first_number: int = 1) -> str:
    """The numbered steps, each with the commands it runs, after a headline and the rewrite's notes."""
    lines = [headline, *(f"note: {note}" for note in notes)]
    for number, step in enumerate(steps, start=first_number):
        lines.append(f"{number}. {step.title}")
        lines.extend(f"   $ {shown}" for shown in step.shown)
    return "\n".join(lines)


def headline(settings: HalfstackSettings, decision: DumpDecision) -> str:
    """What the upgrade does to the database, in one line."""
    majors = f"PostgreSQL {_major(decision.current_major)} -> {_major(decision.target_major)}"
    if decision.needed:
        return f"Upgrading the halfstack to `{settings.target_file}` ({majors}: dump and restore the database)"
    return (
        f"Upgrading the halfstack to `{settings.target_file}` (PostgreSQL {decision.current_major} in both: "
        "no dump, data-directory or restore steps)"
    )


def final_message(report: HalfstackReport) -> str:
    """What a finished upgrade leaves behind and how to remove it (the process's step 8, left to the developer)."""
    lines = ["Halfstack upgraded.", *(f"Backup kept: {path}" for path in report.backups)]
    lines.append(
        f"Once the upgraded halfstack works, remove the backups: {report.cleanup}"
        " (with `sudo` if the container's user owns the files)"
    )
    return "\n".join(lines)


def _major(major: Optional[int]) -> str:
    return "unknown" if major is None else str(major)
