"""The `[topic-switch]` settings: the goal's options, and the alembic and config settings other goals read."""

from __future__ import annotations

from enum import Enum

from pants.engine.goal import GoalSubsystem
from pants.option.option_types import BoolOption, DictOption, EnumOption, StrListOption, StrOption
from pants.util.strutil import help_text, softwrap

from calver_release.topic_switch.plan import DEFAULT_RESOLVES, ExportMode


class OutputFormat(Enum):
    TEXT = "text"
    JSON = "json"


class TopicSwitchSubsystem(GoalSubsystem):
    name = "topic-switch"
    help = help_text(
        """
        Switch topic branches with the database, virtualenvs and configs following the code.

        `--to=BRANCH` downgrades the alembic revisions the target branch lacks (explicit targets,
        per environment), runs `git switch`, exports the resolves whose lockfiles changed, runs
        `alembic upgrade heads`, and reports sample-config keys that changed. The steps run in one
        executor process and are journaled in the git directory: after a failure, `--continue`
        resumes and `--abort` goes back.
        """
    )

    to = StrOption(
        default=None,
        mutually_exclusive_group="action",
        help="The local branch to switch to. Mutually exclusive with `--continue` and `--abort`.",
    )
    continue_ = BoolOption(
        "--continue",
        default=False,
        mutually_exclusive_group="action",
        help="Resume the interrupted switch from its failed step. Mutually exclusive with `--to` and `--abort`.",
    )
    abort = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Undo the interrupted switch, newest step first: downgrade what the target branch
            applied, switch back, upgrade the database to its original revisions. Mutually
            exclusive with `--to` and `--continue`.
            """
        ),
    )
    dry_run = BoolOption(default=False, help="Print the plan (commands, revisions, resolves, config report); change nothing.")
    output_format = EnumOption("--format", default=OutputFormat.TEXT, help="How `--dry-run` prints the plan: `text` or `json`.")
    export = EnumOption(
        default=ExportMode.CHANGED,
        help="Which resolves to export after the switch: `changed` (lockfile differs), `all` or `none`.",
    )
    autostash = BoolOption(
        default=False,
        help="Stash uncommitted changes (`git stash push`) before switching instead of refusing; `--abort` pops them.",
    )
    backup_db = StrOption(
        default=None,
        help="Dump the database to this file before the first downgrade: `pg_dump` for PostgreSQL, a copy for SQLite.",
    )
    yes = BoolOption(default=False, help="Switch to or from a release branch (`x.y`) anyway.")
    alembic_inis = StrListOption(
        default=[],
        advanced=True,
        help="The alembic ini files, one per environment, relative to the build root; default `alembic.ini` when it exists.",
    )
    alembic_command = StrListOption(
        default=[],
        advanced=True,
        help=softwrap(
            """
            How to run alembic (argv before `-c INI`). Default: `python -m alembic` with the
            exported `python-default` virtualenv's interpreter, like Backend.AI's `./py -m alembic`.
            """
        ),
    )
    db_urls = DictOption[str](
        default={},
        advanced=True,
        help=softwrap(
            """
            `{ini: URL}`: pass `-x db=URL` to alembic for that environment (its env.py must read
            it); otherwise the ini's `sqlalchemy.url` applies.
            """
        ),
    )
    import_root = StrOption(
        default="src",
        advanced=True,
        help="Put on `PYTHONPATH` for alembic and used to resolve `package:dir` script locations.",
    )
    resolves = StrListOption(
        default=list(DEFAULT_RESOLVES),
        advanced=True,
        help="Resolves to keep exported; those `pants.toml` does not define on the target branch are ignored.",
    )
    config_globs = StrListOption(
        default=["configs/**"],
        advanced=True,
        help="Sample configs (TOML, JSON/etcd, YAML) whose keys the configuration report compares.",
    )
    pants_command = StrListOption(
        default=[],
        advanced=True,
        help="How to start the nested Pants that exports (run without pantsd); default: the running Pants.",
    )
