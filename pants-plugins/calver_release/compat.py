"""Every engine call the plugin makes, one small helper each, so the rules stay version-neutral.

Pants 2.17 awaits `Get`/`MultiGet`/`Effect`; Pants 2.22+ offers `pants.engine.intrinsics` and
2.32 drops `Get`. The rule visitor follows calls into these helpers, so porting the plugin to a
newer Pants means rewriting this module, plus the one typed `get_*` helper each plugin rule
module keeps beside its rule (those become by-name calls of the rule).
"""

from __future__ import annotations

from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.process import InteractiveProcess, InteractiveProcessResult
from pants.engine.rules import Effect, Get
from pants.engine.target import AllTargets


async def read_files(globs: PathGlobs) -> DigestContents:
    """The contents of the files matching `globs`, read through the engine (pantsd tracks them)."""
    return await Get(DigestContents, PathGlobs, globs)


async def run_interactive(process: InteractiveProcess) -> InteractiveProcessResult:
    """Run a process in the foreground as a side effect the engine knows about (never re-run)."""
    return await Effect(InteractiveProcessResult, InteractiveProcess, process)


async def find_binaries(request: BinaryPathRequest) -> BinaryPaths:
    """Search the configured paths for a binary."""
    return await Get(BinaryPaths, BinaryPathRequest, request)


async def all_targets() -> AllTargets:
    """Every target of the repository, generated ones included."""
    return await Get(AllTargets)


async def environment_vars(request: EnvironmentVarsRequest) -> EnvironmentVars:
    """The user's environment variables named in `request` (under pantsd `os.environ` is the daemon's)."""
    return await Get(EnvironmentVars, EnvironmentVarsRequest, request)
