"""A recording stand-in for `docker`: these machines run no Docker engine.

It appends each command line to `docker.log` beside it, prints `dump.sql` for `exec ... pg_dump`
(or fails while `dump-fails` exists), keeps what `exec ... psql` reads in `restored.sql`, and fails
`down` while `down-fails` exists; `down` touches `down-started`, then waits while `down-slow` exists.
"""

from __future__ import annotations

from pathlib import Path

DUMP = "CREATE TABLE kernels (id int);\n--\n-- PostgreSQL database dump complete\n--\n\n"
"""A complete plain-format dump, as `pg_dump` ends one."""

FAKE_DOCKER = """\
#!/bin/sh
here=$(dirname "$0")
echo "docker $*" >> "$here/docker.log"
case " $* " in
  *" pg_dump "*) [ ! -e "$here/dump-fails" ] || { echo "pg_dump: error: connection to server failed" >&2; exit 1; }
                 cat "$here/dump.sql" ;;
  *" psql "*) cat > "$here/restored.sql" ;;
  *" down "*) [ ! -e "$here/down-fails" ] || { echo "cannot stop container" >&2; exit 1; }
             touch "$here/down-started"; while [ -e "$here/down-slow" ]; do sleep 0.05; done ;;
esac
"""


def install_fake_docker(directory: Path) -> Path:
    """Write the stand-in `docker` and a complete `dump.sql` into `directory`; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    docker = directory / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(0o755)
    (directory / "dump.sql").write_text(DUMP)
    return directory
