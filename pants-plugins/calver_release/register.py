"""The `calver_release` backend: what `backend_packages = ["calver_release"]` activates."""

from __future__ import annotations

from calver_release import distributions, setup_kwargs, version_file
from calver_release.goals import backport, halfstack_upgrade, release_version, topic_switch


def rules():
    return [
        *version_file.rules(),
        *distributions.rules(),
        *setup_kwargs.rules(),
        *release_version.rules(),
        *backport.rules(),
        *topic_switch.rules(),
        *halfstack_upgrade.rules(),
    ]
