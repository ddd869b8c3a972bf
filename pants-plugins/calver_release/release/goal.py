"""`pants release-version`: show, set, bump and check the monorepo version, cut release branches, tag releases."""

from __future__ import annotations

import dataclasses
import glob
import json
import os
from datetime import date
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

from pants.backend.python.target_types import PythonRequirementsField
from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.fs import PathGlobs
from pants.engine.goal import Goal
from pants.engine.internals.session import SessionValues
from pants.engine.rules import collect_rules, goal_rule
from pants.util.docutil import bin_name

from calver_release.release import tag_executor
from calver_release.release.cadence import check_cadence
from calver_release.release.calver import CalVer, VersionError, parse_canonical, release_branches_of
from calver_release.release.checks import (
    check_api_version,
    check_branch_names,
    check_canonical,
    check_package_version_files,
    check_requirement_pins,
)
from calver_release.release.cut import (
    ReleaseCut,
    ReleaseCutError,
    commit_next_version,
    create_release_branch,
    delete_release_branch,
    describe_release_cut,
    plan_release_cut,
)
from calver_release.release.maintained import (
    TODAY_VARIABLE,
    Registration,
    RegistryError,
    check_branches,
    describe_registry,
    load_registry,
    read_registry,
    register_line,
    registry_json,
    today_from,
)
from calver_release.release.rules import DistributionVersion, distribution_versions
from calver_release.release.subsystem import OutputFormat, ReleaseVersionSubsystem
from calver_release.release.tag import FileWrite, ReleaseTagError, plan_release_tag, release_report
from calver_release.release.version_file import VersionFile, VersionFileError, VersionFileRequest
from calver_release.runtime.compat import all_targets, read_files, typed_command, version_file
from calver_release.runtime.executor import run_module, write_file
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import StateStore
from calver_release.runtime.lock import LockHeldError, repository_lock
from calver_release.runtime.paths import PathError, repository_file, write_target
from calver_release.runtime.preflight import check_repository_state, check_state_directory
from calver_release.runtime.schema import to_json
from calver_release.runtime.shell import shell_command


class ReleaseVersionGoal(Goal):
    subsystem_cls = ReleaseVersionSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def render_json(
    version: CalVer, components: Sequence[DistributionVersion], problems: Optional[Sequence[str]] = None
) -> str:
    """The `--format=json` report of a version, as written, and of the distributions built with it.

    `--check` passes its `problems` (empty on success), which the report then lists too.
    """
    report = {
        "version": version.written(),
        "pep440": version.pep440(),
        "series": version.series.written(),
        "release_branch": version.series.written(),
        "tag": version.written(),
        "kind": version.kind.value,
        "is_prerelease": version.is_prerelease,
        "components": [dataclasses.asdict(component) for component in components],
        **({"problems": list(problems)} if problems is not None else {}),
    }
    return json.dumps(report, indent=2, sort_keys=True)


def render_version(version: CalVer, output_format: OutputFormat) -> str:
    """The version as the version file writes it, or its PEP 440 form."""
    if output_format is OutputFormat.PEP440:
        return version.pep440()
    return version.written()


def requested_version(subsystem: ReleaseVersionSubsystem, current: CalVer) -> Optional[CalVer]:
    """The version `--set` or `--bump` asks for, or None when neither is given."""
    if subsystem.set_version is not None:
        try:
            return parse_canonical(subsystem.set_version, subsystem.scheme)
        except VersionError as e:
            raise VersionError(f"`--set`: {e}") from None
    if subsystem.bump is not None:
        try:
            return current.bump(subsystem.bump, subsystem.scheme)
        except VersionError as e:
            raise VersionError(f"`--bump={subsystem.bump.value}`: {e}") from None
    return None


def set_warning(subsystem: ReleaseVersionSubsystem, new: Optional[CalVer]) -> Optional[str]:
    """The warning for a `--set` series the cadence would not produce; VersionError when it cannot be one."""
    if subsystem.set_version is None or new is None:
        return None
    try:
        return check_cadence(new, subsystem.scheme)
    except VersionError as e:
        raise VersionError(f"`--set`: {e}") from None


async def write_version(name: str, path: Path, text: str, env: Mapping[str, str]) -> None:
    """Replace the version file atomically; VersionFileError when it could not be."""
    exit_code = await write_file(path, text, env)
    if exit_code != 0:
        raise VersionFileError(f"`{name}`: could not be rewritten (exit code {exit_code}); it was left unchanged")


async def find_problems(
    subsystem: ReleaseVersionSubsystem, repo: GitRepo, version_file: VersionFile, current: CalVer
) -> Tuple[List[str], Sequence[DistributionVersion]]:
    """Every `--check` problem, one line each, in a stable order, and the distributions checked."""
    root = repo.root
    targets = await all_targets()
    distributions, conflicts = distribution_versions(targets, subsystem.independent_distributions, current)
    problems = check_canonical(subsystem.file, current, version_file.line())
    # glob.glob, unlike Path.glob, lists broken symlinks too.
    package_files = {
        os.path.relpath(path, root) for pattern in subsystem.package_version_files for path in glob.glob(str(root / pattern))
    }
    problems += check_package_version_files(root, version_file.line(), package_files, root_file=subsystem.file)
    if subsystem.api_version_file:
        contents = await read_files(PathGlobs([subsystem.api_version_file]))
        text = contents[0].content.decode() if contents else None
        problems += check_api_version(subsystem.api_version_file, text, subsystem.api_version_pattern)
    problems += conflicts
    requirements = [
        (target.address.spec, str(requirement))
        for target in targets
        if target.has_field(PythonRequirementsField)
        for requirement in target[PythonRequirementsField].value
    ]
    problems += check_requirement_pins(requirements, [d.name for d in distributions])
    if repo.run("rev-parse", "--git-dir", check=False).returncode == 0:
        problems += check_branch_names(repo, subsystem.file)
        problems += registry_problems(subsystem, repo)
    return problems, distributions


def registry_problems(subsystem: ReleaseVersionSubsystem, repo: GitRepo) -> List[str]:
    """`--check` of the registry of maintained lines, when there is one: well formed, every line with its branch."""
    try:
        registry = read_registry(repo.root, subsystem.maintained_versions_file, subsystem.scheme)
    except RegistryError as e:
        return [str(e)]
    return check_branches(registry, repo.local_branches()) if registry.text is not None else []


def plan_registration(subsystem: ReleaseVersionSubsystem, repo: GitRepo, cut: ReleaseCut, today: date) -> Registration:
    """The registry with the line `cut` creates registered; RegistryError when it is malformed."""
    registry = read_registry(repo.root, subsystem.maintained_versions_file, subsystem.scheme)
    problems = check_branches(registry, repo.local_branches())
    if problems:
        raise RegistryError(problems[0])
    return register_line(registry, cut.version.series, subsystem.lts, today)


def plan_tag_registration(
    subsystem: ReleaseVersionSubsystem, repo: GitRepo, version: CalVer, on_branch: str, today: date
) -> Optional[Registration]:
    """Tagging `X.Y.0rc1` on the release branch `X.Y` it cut (either spelling) registers the line, as a cut does.

    None for any other version or branch: an rc on the main branch is registered by the cut.
    """
    if (version.patch, version.pre) != (0, ("rc", 1)) or not release_branches_of(version.series, [on_branch]):
        return None
    registry = read_registry(repo.root, subsystem.maintained_versions_file, subsystem.scheme)
    problems = check_branches(registry, repo.local_branches())
    if problems:
        raise RegistryError(problems[0])
    return register_line(registry, version.series, subsystem.lts, today)


async def restore_registry(repo: GitRepo, path: str, text: Optional[str], env: Mapping[str, str]) -> None:
    """Undo writing and staging the registry after a failed cut."""
    repo.run("reset", "--quiet", "--", path, check=False)
    if text is not None:
        await write_file(repo.root / path, text, env)
    elif (repo.root / path).exists():
        (repo.root / path).unlink()


async def cut_release(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    repo: GitRepo,
    version_file: VersionFile,
    current: CalVer,
    today: date,
) -> int:
    """Create the release branch, then commit the next version and the registered line on the main branch; 0 on success."""
    scheme = subsystem.scheme
    path = repo.root / version_file.path
    try:
        check_repository_state(repo)
        registry_path = registry_write_path(subsystem, repo)
        cut = plan_release_cut(repo, current, scheme, subsystem.main_branch)
        registration = plan_registration(subsystem, repo, cut, today)
        if subsystem.dry_run:
            for line in describe_release_cut(cut, version_file.path, subsystem.main_branch, scheme, registration.report()):
                console.print_stdout(line)
            return 0
        create_release_branch(repo, cut)
    except (ReleaseCutError, GitError, RegistryError, PathError) as e:
        console.print_stderr(str(e))
        return 1
    env = repo.process_env()
    try:
        await write_version(version_file.path, path, cut.next_version.canonical(scheme) + "\n", env)
        if registration.changed:
            if await write_file(repo.root / registry_path, registration.registry.text or "", env) != 0:
                raise VersionFileError(f"`{registry_path}`: could not be rewritten")
            repo.run("add", "--force", "--", registry_path)
        commit = commit_next_version(
            repo, cut, version_file.path, scheme, registry_path if registration.changed else "", registration.report()
        )
    except (GitError, VersionFileError) as e:
        await write_file(path, version_file.text or "", env)
        if registration.changed:
            await restore_registry(repo, registry_path, registration.previous_text, env)
        delete_release_branch(repo, cut)
        console.print_stderr(f"`--cut-release`: {e}; nothing was changed")
        return 1
    console.print_stdout(f"Created release branch {cut.branch} at {cut.head[:12]} ({current.written()})")
    console.print_stdout(
        f"{subsystem.main_branch}: {current.written()} -> {cut.next_version.canonical(scheme)} (commit {commit[:12]})"
    )
    for line in registration.report():
        console.print_stdout(line)
    console.print_stderr(
        f"Push with `{shell_command('git', 'push', 'origin', cut.branch, subsystem.main_branch)}`; "
        f"later `{bin_name()} release-version --bump=...` on {cut.branch} sets its releases."
    )
    return 0


async def tag_release(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    repo: GitRepo,
    file: VersionFile,
    current: CalVer,
    new: Optional[CalVer],
    env: Mapping[str, str],
    today: date,
) -> int:
    """Commit the release of `new` (or `current`) and tag it, or print what would be done; 0 on success."""
    version = new or current
    try:
        check_repository_state(repo)
        registry_path = registry_write_path(subsystem, repo)
        plan = plan_release_tag(
            repo, version, subsystem.scheme, subsystem.main_branch, file, subsystem.release_commands, env
        )
        registration = plan_tag_registration(subsystem, repo, version, plan.branch, today)
    except (ReleaseTagError, GitError, RegistryError, PathError) as e:
        console.print_stderr(str(e))
        return 1
    if subsystem.lts and registration is None:
        console.print_stderr(
            f"`--lts`: only the tag of `x.y.0rc1` on its branch `x.y` registers a line (got `{plan.version}` on "
            f"`{plan.branch}`); drop `--lts`, or give it to `--cut-release`"
        )
        return 1
    notes = registration.report() if registration is not None else []
    if registration is not None and registration.changed:
        write = FileWrite(registry_path, registration.registry.text or "", registration.previous_text)
        plan = dataclasses.replace(plan, writes=(*plan.writes, write))
    problems, _ = await find_problems(subsystem, repo, VersionFile(file.path, plan.writes[0].text), version)
    for problem in problems:
        console.print_stderr(problem)
    if problems:
        console.print_stderr(f"`--tag-release`: `--check` found {len(problems)} problem(s), listed above; fix them first")
        return 1
    if subsystem.dry_run:
        for line in [*plan.dry_run(), *(f"Would record in the registry: {note}" for note in notes)]:
            console.print_stdout(line)
        return 0
    # Imported, not only named, so the plugin's wheel ships the module.
    if await run_module(tag_executor.__name__, json.dumps(to_json(plan)), env=env) != 0:
        return 1
    if new is not None:
        console.print_stdout(f"{current.written()} -> {new.canonical(subsystem.scheme)}")
    lines, advice = release_report(repo, plan)
    for line in [*lines, *notes]:
        console.print_stdout(line)
    console.print_stderr(advice)
    return 0


def refused_combination(subsystem: ReleaseVersionSubsystem) -> Optional[str]:
    """The one-line error for options that do not go together, or None."""
    if subsystem.tag_release and (subsystem.cut_release or subsystem.check):
        other = "--cut-release" if subsystem.cut_release else "--check"
        return f"`--tag-release`: does not combine with `{other}` (got both); run them one after the other"
    if subsystem.dry_run and not (subsystem.tag_release or subsystem.cut_release):
        return "`--dry-run`: only `--tag-release` and `--cut-release` have a dry run (got neither); add one, or drop `--dry-run`"
    output_format = subsystem.output_format
    actions = {
        "--set": subsystem.set_version is not None,
        "--bump": subsystem.bump is not None,
        "--cut-release": subsystem.cut_release,
        "--tag-release": subsystem.tag_release,
    }
    action = next((flag for flag, given in actions.items() if given), None)
    if output_format is not OutputFormat.TEXT and action is not None:
        return (
            f"`--format`: not used with `{action}`, which reports in text (got `{output_format.value}`); drop it: "
            "it formats the version printed alone and `--maintained`"
        )
    if output_format is OutputFormat.PEP440 and subsystem.maintained:
        return "`--format`: `--maintained` prints `text` or `json` (got `pep440`); pass one of those"
    return None


def registry_write_path(subsystem: ReleaseVersionSubsystem, repo: GitRepo) -> str:
    """The file a change to the registry of maintained lines writes (where a symlink leads); PathError otherwise."""
    option = "`[release-version].maintained_versions_file`"
    return write_target(repo.root, repository_file(subsystem.maintained_versions_file, option), option)


def version_file_path(subsystem: ReleaseVersionSubsystem, root: Path) -> str:
    """The version file to read and write, relative to the build root (where a symlink leads); PathError otherwise.

    Pants reads files only inside the build root and not through absolute symlinks, so the path is
    checked and resolved here, before the engine is asked.
    """
    option = "`[release-version].file`"
    return write_target(root, repository_file(subsystem.file, option), option)


def maintained_lines(subsystem: ReleaseVersionSubsystem, repo: GitRepo, today: date) -> List[str]:
    """The `--maintained` report (text or JSON); RegistryError when the registry is missing or malformed."""
    registry = load_registry(repo.root, subsystem.maintained_versions_file, subsystem.scheme, repo.local_branches())
    if subsystem.output_format is OutputFormat.JSON:
        return [json.dumps(registry_json(registry, today), indent=2, sort_keys=True)]
    return describe_registry(registry, today)


def changes_repository(subsystem: ReleaseVersionSubsystem) -> bool:
    """Whether the run writes (and so holds the repository's lock): `--set`, `--bump`, `--cut-release`, `--tag-release`."""
    if subsystem.tag_release or subsystem.cut_release:
        return not subsystem.dry_run
    return not subsystem.check and (subsystem.set_version is not None or subsystem.bump is not None)


async def version_action(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    repo: GitRepo,
    env: CompleteEnvironmentVars,
    today: Optional[date],
) -> int:
    """Print, check, set, bump, cut or tag (under the repository's lock when it writes); the exit code."""
    scheme = subsystem.scheme
    try:
        path = version_file_path(subsystem, repo.root)
    except PathError as e:
        console.print_stderr(str(e))
        return 1
    file = await version_file(VersionFileRequest(path))
    try:
        current = file.parse()
        new = requested_version(subsystem, current)
        warning = set_warning(subsystem, new)
    except (VersionFileError, VersionError) as e:
        console.print_stderr(str(e))
        return 1
    if warning:
        console.print_stderr(warning)

    if subsystem.tag_release and today is not None:
        return await tag_release(console, subsystem, repo, file, current, new, dict(env), today)
    if subsystem.cut_release and today is not None:
        return await cut_release(console, subsystem, repo, file, current, today)
    if subsystem.check:
        problems, components = await find_problems(subsystem, repo, file, current)
        for problem in problems:
            console.print_stderr(problem)
        if subsystem.output_format is OutputFormat.JSON:
            console.print_stdout(render_json(current, components, problems))
        return 1 if problems else 0
    if new is None and subsystem.output_format is OutputFormat.JSON:
        components, conflicts = distribution_versions(
            await all_targets(), subsystem.independent_distributions, current
        )
        for conflict in conflicts:
            console.print_stderr(conflict)
        if not conflicts:
            console.print_stdout(render_json(current, components))
        return 1 if conflicts else 0
    if new is None:
        console.print_stdout(render_version(current, subsystem.output_format))
        return 0

    try:
        await write_version(file.path, repo.root / file.path, new.canonical(scheme) + "\n", repo.process_env())
    except VersionFileError as e:
        console.print_stderr(str(e))
        return 1
    console.print_stdout(f"{current.written()} -> {new.canonical(scheme)}")
    return 0


@goal_rule
async def release_version(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
    session: SessionValues,
) -> ReleaseVersionGoal:
    repo = GitRepo(Path(build_root.path), dict(env))
    if subsystem.lts and not (subsystem.cut_release or subsystem.tag_release):
        console.print_stderr(
            "`--lts`: only used with `--cut-release` or `--tag-release` (got `--lts` alone); add one or drop it"
        )
        return ReleaseVersionGoal(exit_code=1)
    refusal = refused_combination(subsystem)
    if refusal is not None:
        console.print_stderr(refusal)
        return ReleaseVersionGoal(exit_code=1)
    try:
        registers = subsystem.maintained or subsystem.cut_release or subsystem.tag_release
        today = today_from(env.get(TODAY_VARIABLE), date.today()) if registers else None
        if subsystem.maintained:
            for line in maintained_lines(subsystem, repo, today):
                console.print_stdout(line)
            return ReleaseVersionGoal(exit_code=0)
    except (RegistryError, GitError) as e:
        console.print_stderr(str(e))
        return ReleaseVersionGoal(exit_code=1)
    if not changes_repository(subsystem):
        return ReleaseVersionGoal(exit_code=await version_action(console, subsystem, repo, env, today))
    try:
        root = StateStore(repo.git_dir()).root
    except GitError:
        # Outside a git repository there is no store to keep a lock in, nor a repository to share.
        return ReleaseVersionGoal(exit_code=await version_action(console, subsystem, repo, env, today))
    try:
        check_state_directory(root)
        with repository_lock(root, typed_command(session)) as note:
            if note:
                console.print_stderr(note)
            return ReleaseVersionGoal(exit_code=await version_action(console, subsystem, repo, env, today))
    except (LockHeldError, GitError) as e:
        console.print_stderr(str(e))
        return ReleaseVersionGoal(exit_code=1)


def rules():
    return collect_rules()
