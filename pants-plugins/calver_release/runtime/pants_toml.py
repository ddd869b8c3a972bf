"""`pants.toml` at a commit, read from git objects: what steps need to know of another commit's Pants setup."""

from __future__ import annotations

from typing import Dict

import tomli

from calver_release.runtime.commit_files import CommitFiles

PANTS_TOML = "pants.toml"


class PantsTomlError(ValueError):
    """`pants.toml` at a commit is not valid TOML; the message is the one line users see."""


def python_resolves(files: CommitFiles) -> Dict[str, str]:
    """`{resolve: lockfile}` from `[python.resolves]` of `pants.toml` at the commit (none without the file)."""
    text = files.text(PANTS_TOML)
    if text is None:
        return {}
    try:
        config = tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        raise PantsTomlError(f"pants.toml: not valid TOML at `{files.commit[:12]}` (got {e}); fix it on that branch")
    resolves = config.get("python", {}).get("resolves", {})
    return {name: path for name, path in resolves.items() if isinstance(path, str)}
