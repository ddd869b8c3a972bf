"""The `calver_release` backend: what `backend_packages = ["calver_release"]` activates."""

from __future__ import annotations

from calver_release.backport import goal as backport
from calver_release.halfstack import goal as halfstack_upgrade
from calver_release.release import goal as release_version
from calver_release.release import rules as release_rules
from calver_release.topic_switch import goal as topic_switch
from calver_release.upgrade_notes import goal as upgrade_notes


def rules():
    return [
        *release_rules.rules(),
        *release_version.rules(),
        *backport.rules(),
        *topic_switch.rules(),
        *halfstack_upgrade.rules(),
        *upgrade_notes.rules(),
    ]
