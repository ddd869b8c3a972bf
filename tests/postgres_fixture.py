"""A throwaway PostgreSQL cluster for tests: `from postgres_fixture import postgres_server`.

The server runs from the newest `/usr/lib/postgresql/*/bin` (or `pg_config --bindir`), listens on
127.0.0.1 and a Unix socket in its own directory, and trusts every local connection. PostgreSQL refuses
to run as root, so under root the server runs as the `postgres` system user. A missing installation
fails the test: CI installs PostgreSQL, so a skip would only hide a broken setup.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

SERVER_USER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster: where its client tools are and how to connect as the `postgres` superuser."""

    bindir: Path
    socket_dir: Path
    port: int
    user: str = SERVER_USER

    def tool(self, name: str) -> str:
        """The path of a PostgreSQL binary, e.g. `pg_dump`."""
        return str(self.bindir / name)

    def connection_args(self, dbname: str) -> List[str]:
        """Arguments connecting `pg_dump`/`psql`/`createdb` to `dbname`."""
        return ["-h", str(self.socket_dir), "-p", str(self.port), "-U", self.user, "-d", dbname]

    def run(self, name: str, *args: str) -> str:
        """Run a client tool and return its stdout; fail the test with its stderr on error."""
        result = subprocess.run([self.tool(name), *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"`{name} {' '.join(args)}` failed: {result.stderr.strip()}")
        return result.stdout

    def createdb(self, dbname: str) -> None:
        """Create an empty database."""
        self.run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.user, dbname)

    def psql(self, dbname: str, sql: str) -> str:
        """Run SQL with `psql`, stopping at the first error; unaligned, tuples-only output."""
        return self.run("psql", *self.connection_args(dbname), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)


def find_postgres_bindir() -> Optional[Path]:
    """The newest Debian bindir holding `initdb`, else `pg_config --bindir`; None when PostgreSQL is not installed."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=60).stdout.strip())
    debian_versions = [Path(path).parent.name for path in glob.glob("/usr/lib/postgresql/*/bin")]
    numbered = sorted((int(version) for version in debian_versions if version.isdigit()))
    candidates += [f"/usr/lib/postgresql/{version}/bin" for version in numbered]
    usable = [Path(path) for path in candidates if path and (Path(path) / "initdb").is_file()]
    return usable[-1] if usable else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(argv: List[str]) -> List[str]:
    return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv


def _run_server_command(argv: List[str]) -> None:
    result = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(argv)}` failed: {result.stderr.strip() or result.stdout.strip()}")


def _cluster_dir() -> Path:
    """A directory under /tmp the server user owns and every user can traverse."""
    base = Path(tempfile.mkdtemp(prefix="calver-release-pg-", dir="/tmp"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, user=SERVER_USER)
    return base


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a fresh cluster for the module's tests and stop it afterwards."""
    bindir = find_postgres_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (no `/usr/lib/postgresql/*/bin/initdb`); install the server package")
    base = _cluster_dir()
    data_dir = base / "data"
    server = PostgresServer(bindir, base, _free_port())
    _run_server_command(
        [str(bindir / "initdb"), "-D", str(data_dir), "-U", SERVER_USER, "--auth=trust", "-E", "UTF8", "--no-sync"]
    )
    options = f"-k {base} -p {server.port} -c listen_addresses=127.0.0.1"
    pg_ctl = str(bindir / "pg_ctl")
    _run_server_command([pg_ctl, "-D", str(data_dir), "-l", str(base / "server.log"), "-w", "-o", options, "start"])
    try:
        yield server
    finally:
        _run_server_command([pg_ctl, "-D", str(data_dir), "-m", "fast", "-w", "stop"])
        shutil.rmtree(base)
