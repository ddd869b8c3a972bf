"""The monorepo version file: one line holding the version every lockstep distribution is built with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from calver_release.release.calver import CalVer, VersionError


class VersionFileError(ValueError):
    """The version file is missing, empty, holds more than one line, or no valid version."""


@dataclass(frozen=True)
class VersionFileRequest:
    """Asks for the version file at `path`, relative to the build root (`[release-version].file`)."""

    path: str


@dataclass(frozen=True)
class VersionFile:
    """The raw text of the version file, or None when it does not exist (or is a directory)."""

    path: str
    text: Optional[str]
    is_directory: bool = False

    def parse(self) -> CalVer:
        """The version the file holds, in any valid spelling; `--check` reports non-canonical ones."""
        try:
            return CalVer.parse(self.line())
        except VersionError as e:
            raise VersionFileError(f"`{self.path}`: {e}") from None

    def line(self) -> str:
        """The file's single line, without its line ending."""
        if self.is_directory:
            raise VersionFileError(
                f"`{self.path}`: a directory, not the version file (got a directory); replace it with a file "
                "holding one line such as `24.09.0.dev0`"
            )
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
