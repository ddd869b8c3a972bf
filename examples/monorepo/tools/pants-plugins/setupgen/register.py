"""This repository's own setup kwargs, layered on calver_release's stamping.

Pants allows one `SetupKwargsRequest` per target and calver_release's applies to every
`python_distribution`, so repository-specific duties go through its extension point,
`CalverSetupKwargsRequest`: the distribution name must start with `backend.ai-`, a package
README becomes the `long_description`, and every distribution gets the project `url`.
"""

from __future__ import annotations

from pants.backend.python.util_rules.package_dists import SetupKwargs
from pants.engine.fs import DigestContents, GlobMatchErrorBehavior, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionRule

from calver_release.release.extension import CalverSetupKwargsRequest

PROJECT_URL = "https://github.com/lablup/backend.ai"


class InvalidDistributionName(ValueError):
    """A distribution name outside the `backend.ai-` namespace."""


class BackendAISetupKwargsRequest(CalverSetupKwargsRequest):
    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return True


@rule
async def backend_ai_setup_kwargs(request: BackendAISetupKwargsRequest) -> SetupKwargs:
    kwargs = request.stamped.kwargs
    if not kwargs["name"].startswith("backend.ai-"):
        raise InvalidDistributionName(
            f"{request.target.address.spec}: the distribution name must start with `backend.ai-` (got `{kwargs['name']}`)"
        )
    readme = await Get(
        DigestContents,
        PathGlobs(
            [f"{request.target.address.spec_path}/README.md"],
            glob_match_error_behavior=GlobMatchErrorBehavior.ignore,
        ),
    )
    if readme and "long_description" not in kwargs:
        kwargs["long_description"] = readme[0].content.decode()
        kwargs["long_description_content_type"] = "text/markdown"
    kwargs.setdefault("url", PROJECT_URL)
    return SetupKwargs(kwargs, address=request.target.address)


def rules():
    return [*collect_rules(), UnionRule(CalverSetupKwargsRequest, BackendAISetupKwargsRequest)]
