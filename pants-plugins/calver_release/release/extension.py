"""The extension point for repositories that have a setup-kwargs plugin of their own."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass

from pants.backend.python.util_rules.package_dists import SetupKwargs
from pants.engine.target import Target
from pants.engine.unions import union


@union
@dataclass(frozen=True)
class CalverSetupKwargsRequest(ABC):
    """Extends the kwargs of every distribution after calver_release stamped them.

    Pants allows one applicable `SetupKwargsRequest` per target, and calver_release's applies to
    every `python_distribution`. A repository with its own setup-kwargs plugin (checks, README
    as `long_description`, `url`, ...) subclasses this instead, registers
    `UnionRule(CalverSetupKwargsRequest, MyRequest)` and a rule `MyRequest -> SetupKwargs` that
    starts from `request.stamped.kwargs`. Applicable members run in class-name order; none may
    change the version.
    """

    target: Target
    stamped: SetupKwargs

    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return True
