"""This repository's own setup kwargs, layered on calver_release's stamping.

Everything Backend.AI's `setupgen` plugin did (name and description checks, README, `url`,
classifiers, ...) is in `[distribution-metadata]` in pants.toml. What remains here is what static
settings cannot say: a link to the changelog at the release tag of the version being stamped
(`24.9.0rc1` is tagged `24.09.0rc1`). It goes through calver_release's extension point,
`CalverSetupKwargsRequest`, since Pants allows one `SetupKwargsRequest` per target.
"""

from __future__ import annotations

from pants.backend.python.util_rules.package_dists import SetupKwargs
from pants.engine.rules import collect_rules, rule
from pants.engine.unions import UnionRule

from calver_release.release.calver import CalVer, VersionError
from calver_release.release.extension import CalverSetupKwargsRequest
from calver_release.release.subsystem import ReleaseVersionSubsystem

CHANGELOG = "https://github.com/lablup/backend.ai/blob/{tag}/CHANGELOG.md"


class ChangelogSetupKwargsRequest(CalverSetupKwargsRequest):
    """Adds `project_urls["Changelog"]` to every distribution built with a calendar version."""


@rule
async def changelog_url(request: ChangelogSetupKwargsRequest, release: ReleaseVersionSubsystem) -> SetupKwargs:
    kwargs = request.stamped.kwargs
    try:
        tag = CalVer.parse(kwargs["version"]).tag(release.scheme)
    except VersionError:
        return request.stamped  # released on its own schedule, such as the plugin SDK's `1.4.0`
    kwargs["project_urls"] = {**kwargs.get("project_urls", {}), "Changelog": CHANGELOG.format(tag=tag)}
    return SetupKwargs(kwargs, address=request.target.address)


def rules():
    return [*collect_rules(), UnionRule(CalverSetupKwargsRequest, ChangelogSetupKwargsRequest)]
