"""Every engine call the plugin makes, one small helper each, so the rules stay version-neutral.

Pants 2.17 awaits `Get`/`Effect`; Pants 2.22+ offers `pants.engine.intrinsics` and 2.32 drops
`Get`. The rule visitor follows calls into these helpers, so porting the plugin to a newer Pants
means rewriting this module only (the last two helpers become by-name calls of the rules).
"""

from __future__ import annotations

from pants.backend.python.util_rules.package_dists import SetupKwargs
from pants.engine.fs import DigestContents, PathGlobs, Snapshot
from pants.engine.internals.session import SessionValues
from pants.engine.process import InteractiveProcess, InteractiveProcessResult
from pants.engine.rules import Effect, Get
from pants.engine.target import AllTargets, TransitiveTargets, TransitiveTargetsRequest
from pants.option.options_bootstrapper import OptionsBootstrapper
from pants.util.docutil import bin_name

from calver_release.release.extension import CalverSetupKwargsRequest
from calver_release.release.version_file import VersionFile, VersionFileRequest
from calver_release.runtime.shell import shell_command


async def read_files(globs: PathGlobs) -> DigestContents:
    """The contents of the files matching `globs`, read through the engine (pantsd tracks them)."""
    return await Get(DigestContents, PathGlobs, globs)


async def snapshot(globs: PathGlobs) -> Snapshot:
    """The files and directories matching `globs`, through the engine."""
    return await Get(Snapshot, PathGlobs, globs)


async def run_interactive(process: InteractiveProcess) -> InteractiveProcessResult:
    """Run a process in the foreground as a side effect the engine knows about (never re-run)."""
    return await Effect(InteractiveProcessResult, InteractiveProcess, process)


async def all_targets() -> AllTargets:
    """Every target of the repository, generated ones included."""
    return await Get(AllTargets)


async def transitive_targets(request: TransitiveTargetsRequest) -> TransitiveTargets:
    """The targets `request` names and everything they depend on."""
    return await Get(TransitiveTargets, TransitiveTargetsRequest, request)


async def version_file(request: VersionFileRequest) -> VersionFile:
    """The version file, through the `read_version_file` rule."""
    return await Get(VersionFile, VersionFileRequest, request)


async def extended_setup_kwargs(request: CalverSetupKwargsRequest) -> SetupKwargs:
    """Run one member of the stamping extension point."""
    return await Get(SetupKwargs, CalverSetupKwargsRequest, request)


def typed_command(session: SessionValues) -> str:
    """The command line as the user typed it (`pants topic-switch --to=topic-a`), safe to paste."""
    return shell_command(bin_name(), *session[OptionsBootstrapper].args[1:])
