"""Halfstack compose files that changed between two commits: service images, and the PostgreSQL major.

Two kinds of comparison: a compose file present at both commits whose content changed, and, when
the update crosses release series, the release's own file (`docker-compose.halfstack-2403.yml` at
`--from`) against the next one's (`docker-compose.halfstack-2409.yml` at `--to`).
"""

from __future__ import annotations

import re
from typing import Dict, Optional

from calver_release.halfstack.compose import ComposeFile, postgres_major, read_compose
from calver_release.release.calver import Series
from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.shell import shell_command
from calver_release.upgrade_notes.report import ComposeComparison, Halfstack, ImageChange

COMPOSE_GLOBS = ("docker-compose.halfstack*.yml", "docker-compose.halfstack*.yaml")
_RELEASE_FILE = re.compile(r"docker-compose\.halfstack-(\d{4})\.ya?ml")


def release_file(series: Series) -> str:
    """The compose file of a release series: `docker-compose.halfstack-2409.yml` for `24.09`."""
    return f"docker-compose.halfstack-{series.year:02d}{series.minor:02d}.yml"


def halfstack_changes(
    old: CommitFiles, new: CommitFiles, old_series: Series, new_series: Series, db_service: str, pants: str
) -> Halfstack:
    """Compose files added, removed and compared; ComposeError when one of the compared files does not parse."""
    old_blobs, new_blobs = old.glob(*COMPOSE_GLOBS), new.glob(*COMPOSE_GLOBS)
    pairs = [(path, path) for path in sorted(old_blobs.keys() & new_blobs.keys()) if old_blobs[path] != new_blobs[path]]
    old_release, new_release = release_file(old_series), release_file(new_series)
    if old_release != new_release and old_release in old_blobs and new_release in new_blobs:
        pairs.append((old_release, new_release))
    old_texts = old.read({path: old_blobs[path] for path, _ in pairs})
    new_texts = new.read({path: new_blobs[path] for _, path in pairs})
    comparisons = tuple(
        compare(read_compose(old_texts[a], a), read_compose(new_texts[b], b), db_service, pants) for a, b in pairs
    )
    return Halfstack(
        added=tuple(sorted(new_blobs.keys() - old_blobs.keys())),
        removed=tuple(sorted(old_blobs.keys() - new_blobs.keys())),
        comparisons=comparisons,
    )


def compare(old: ComposeFile, new: ComposeFile, db_service: str, pants: str) -> ComposeComparison:
    """Image changes per service (sorted), and `halfstack-upgrade` when the PostgreSQL major changes."""
    old_images, new_images = images(old), images(new)
    changes = tuple(
        ImageChange(service, old_images.get(service), new_images.get(service))
        for service in sorted(old_images.keys() | new_images.keys())
        if old_images.get(service) != new_images.get(service)
    )
    old_major, new_major = db_major(old, db_service), db_major(new, db_service)
    command = upgrade_command(new.path, pants) if old_major != new_major else None
    return ComposeComparison(old.path, new.path, changes, old_major, new_major, command)


def images(compose: ComposeFile) -> Dict[str, Optional[str]]:
    """`{service: image}`; a service without an image (built locally) maps to None."""
    return {str(name): _image(service) for name, service in compose.services.items()}


def _image(service: object) -> Optional[str]:
    image = service.get("image") if isinstance(service, dict) else None
    return str(image) if image is not None else None


def db_major(compose: ComposeFile, db_service: str) -> Optional[int]:
    """The db service's PostgreSQL major; None when the file has no such service or its tag does not say."""
    return postgres_major(compose, db_service) if db_service in compose.services else None


def upgrade_command(path: str, pants: str) -> str:
    """`pants halfstack-upgrade --target=YYMM` for a release's file, `--compose-file=PATH` for another."""
    match = _RELEASE_FILE.fullmatch(path)
    option = f"--target={match.group(1)}" if match else f"--compose-file={path}"
    return shell_command(pants, "halfstack-upgrade", option)

