"""The monorepo `VERSION` file: read through the engine, parsed, replaced atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.fs import GlobMatchErrorBehavior, PathGlobs
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from calver_release.calver import CalVer, VersionError
from calver_release.compat import read_files, run_interactive


class VersionFileError(ValueError):
    """The version file is missing, empty, holds more than one line, or no valid version."""


@dataclass(frozen=True)
class VersionFileRequest:
    """Asks for the version file at `path`, relative to the build root (`[release-version].file`)."""

    path: str


@dataclass(frozen=True)
class VersionFile:
    """The raw text of the version file, or None when it does not exist."""

    path: str
    text: Optional[str]

    def parse(self) -> CalVer:
        """The version the file holds, in any valid spelling; `--check` reports non-canonical ones."""
        try:
            return CalVer.parse(self.line())
        except VersionError as e:
            raise VersionFileError(f"`{self.path}`: {e}") from None

    def line(self) -> str:
        """The file's single line, without its line ending."""
        if self.text is None:
            raise VersionFileError(
                f"`{self.path}`: the version file does not exist; create it with one line such as `24.09.0.dev0`"
            )
        lines = self.text.splitlines()
        if not lines or not lines[0].strip():
            raise VersionFileError(f"`{self.path}`: the version file is empty; write one line such as `24.09.0.dev0`")
        if len(lines) > 1:
            raise VersionFileError(
                f"`{self.path}`: the version file holds {len(lines)} lines; it must hold exactly one version"
            )
        return lines[0]


WRITE_ATOMICALLY = """
set -eu
tmp="$(dirname "$2")/.$(basename "$2").calver-new"
trap 'rm -f "$tmp"' EXIT
printf '%s' "$1" > "$tmp"
mv -f "$tmp" "$2"
"""
"""Writes $1 to a dot-file beside $2 (ignored by Pants' watcher), then renames it over $2."""


async def write_file_atomically(bash: BashBinary, build_root: str, path: str, text: str) -> None:
    """Replace `path` with `text` so that an interruption leaves the old content intact.

    The write runs as an engine-visible side effect: a plain write under the build root would
    make Pants restart the running goal, which would then apply the change twice.
    """
    result = await run_interactive(
        InteractiveProcess(
            argv=(bash.path, "-c", WRITE_ATOMICALLY, "calver-write", text, str(Path(build_root, path))),
            run_in_workspace=True,
        )
    )
    if result.exit_code != 0:
        raise VersionFileError(f"`{path}`: could not be rewritten (exit code {result.exit_code}); it was left unchanged")


@rule(desc="Read the monorepo version file", level=LogLevel.DEBUG)
async def read_version_file(request: VersionFileRequest) -> VersionFile:
    contents = await read_files(
        PathGlobs(
            [request.path],
            glob_match_error_behavior=GlobMatchErrorBehavior.ignore,
        )
    )
    text = contents[0].content.decode() if contents else None
    return VersionFile(request.path, text)


async def get_version_file(request: VersionFileRequest) -> VersionFile:
    """The version file, through `read_version_file` (on Pants 2.32+ a by-name call of that rule)."""
    return await Get(VersionFile, VersionFileRequest, request)


def rules():
    return collect_rules()
