"""The `calver_release` backend: what `backend_packages = ["calver_release"]` activates."""

from __future__ import annotations

import sys

from pants.base.exceptions import BackendConfigurationError

MISSING_REQUIREMENTS = (
    "pants.toml: `[GLOBAL].plugins` lacks the calver_release backend's requirements (got `{error}`); "
    'add `plugins = ["tomli==2.0.1", "ruamel.yaml==0.18.6"]` to `[GLOBAL]`'
)
"""Loading the vendored backend (`[GLOBAL].pythonpath`) without its third-party requirements."""

try:
    import ruamel.yaml  # noqa: F401
    import tomli  # noqa: F401
except ImportError as e:
    # One line instead of Pants' traceback: pantsd prints a BackendConfigurationError as one
    # `[ERROR]` line but drops a SystemExit's message; without pantsd it is the other way round.
    message = MISSING_REQUIREMENTS.format(error=e)
    if "pants.bin.daemon_pants_runner" in sys.modules:
        raise BackendConfigurationError(message) from None
    raise SystemExit(message) from None

from calver_release.backport import goal as backport  # noqa: E402
from calver_release.halfstack import goal as halfstack_upgrade  # noqa: E402
from calver_release.release import goal as release_version  # noqa: E402
from calver_release.release import rules as release_rules  # noqa: E402
from calver_release.runtime.sigterm import cancel_on_sigterm  # noqa: E402
from calver_release.topic_switch import goal as topic_switch  # noqa: E402
from calver_release.upgrade_notes import goal as upgrade_notes  # noqa: E402


def rules():
    cancel_on_sigterm()
    return [
        *release_rules.rules(),
        *release_version.rules(),
        *backport.rules(),
        *topic_switch.rules(),
        *halfstack_upgrade.rules(),
        *upgrade_notes.rules(),
    ]
