"""The `[halfstack]` settings: the names the halfstack upgrade process uses."""

from __future__ import annotations

from pants.option.option_types import StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap

from calver_release.halfstack.compose import DEFAULT_DB_SERVICE, DEFAULT_ETCD_SERVICE, DEFAULT_REDIS_SERVICE


class HalfstackSubsystem(Subsystem):
    options_scope = "halfstack"
    help = "The names the halfstack upgrade process uses: compose project and files, services, database, paths."

    project = StrOption(
        default=None,
        help="The compose project (`docker compose -p`); default: the build root's directory name, as compose derives it.",
    )
    current_file = StrOption(
        default="docker-compose.halfstack.current.yml",
        help="Your copy of the halfstack compose file, relative to the build root; the upgrade overwrites it.",
    )
    db_service = StrOption(default=DEFAULT_DB_SERVICE, help="The PostgreSQL service; both compose files must have it.")
    redis_service = StrOption(default=DEFAULT_REDIS_SERVICE, help="The Redis service, whose host ports are kept.")
    etcd_service = StrOption(default=DEFAULT_ETCD_SERVICE, help="The etcd service, whose host ports are kept.")
    db_user = StrOption(default="postgres", help="The database user `pg_dump`, `pg_isready` and `psql` connect as.")
    db_name = StrOption(default="backend", help="The database that is dumped and restored.")
    data_dir = StrOption(
        default="volumes/postgres-data",
        help=softwrap(
            """
            The db service's PostgreSQL data directory, relative to the build root. The upgrade
            moves it aside to `<data_dir>.backup` once the dump is verified.
            """
        ),
    )
    backup_file = StrOption(
        default="volumes/postgres-backup.sql",
        help="Where the plain-format dump is written, relative to the build root.",
    )
    exec_prefix = StrOption(
        default="",
        advanced=True,
        help=softwrap(
            """
            The command line that runs `pg_dump`, `pg_isready` and `psql` next to the database,
            split like a shell would. Empty: `docker compose -p <project> -f <current_file> exec -T
            <db_service>`. E.g. `env PGHOST=127.0.0.1 PGPORT=8100` for a PostgreSQL outside Docker.
            """
        ),
    )
