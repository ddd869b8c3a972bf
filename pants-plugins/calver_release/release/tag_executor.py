"""Carrying out a release plan in one process: write, run the release commands, commit, tag.

`python -m calver_release.release.tag_executor PLAN_JSON` is what `--tag-release` starts (as one
`InteractiveProcess`, so Pants does not restart the goal when the files change). A failure at any
step puts everything back: the written files get their old text, the files the commands changed
or created are restored or removed, a release commit already made is undone. Ctrl-C or SIGTERM
is such a failure: the command in flight is stopped with its process group, everything is put
back and the exit code is 128 + the signal. Its one-line report is read back from the repository,
never taken from the plan.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Set, Tuple

from calver_release.release.tag import COMMANDS_OPTION, ReleasePlan
from calver_release.runtime.files import write_atomically
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.interrupts import Interrupted, interruptible, say, start_in_own_group, stop_group
from calver_release.runtime.schema import SchemaError, from_json

Reporter = Callable[[str], None]


class ReleaseStepError(RuntimeError):
    """A step of the release failed: the message names it (`<what>: <why>`)."""


def status(repo: GitRepo) -> List[Tuple[str, str]]:
    """`(XY status, path)` of every changed, deleted or untracked file.

    A rename or copy also gives its source, as staged only (`R `): there is nothing to add there.
    """
    fields = repo.run("status", "--porcelain=v1", "-z", "--untracked-files=all").stdout.split("\0")
    entries, index = [], 0
    while index < len(fields) and fields[index]:
        code, path = fields[index][:2], fields[index][3:]
        entries.append((code, path))
        if "R" in code or "C" in code:
            index += 1
            entries.append((code[0] + " ", fields[index]))
        index += 1
    return entries


def untracked(repo: GitRepo) -> Set[str]:
    return {path for code, path in status(repo) if code == "??"}


def run_command(argv: Sequence[str], plan: ReleasePlan) -> None:
    """Run one release command in the build root with the caller's environment; its output goes to stderr.

    It runs in a process group of its own, stopped as a whole when the executor is interrupted.
    """
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if plan.pythonpath is not None:
        env["PYTHONPATH"] = plan.pythonpath
    command = shlex.join(argv)
    try:
        proc = start_in_own_group(list(argv), cwd=plan.build_root, env=env, stdout=2)
    except OSError as e:
        raise ReleaseStepError(f"{COMMANDS_OPTION}: `{command}` could not start ({e.strerror})") from None
    try:
        code = proc.wait()
    except Interrupted:
        stop_group(proc)
        raise
    if code != 0:
        raise ReleaseStepError(f"{COMMANDS_OPTION}: `{command}` failed (exit code {code})")


def release(plan: ReleasePlan, repo: GitRepo, before: Set[str], report: Reporter) -> None:
    """Write the files, run the commands, commit what they changed or created (but the files
    untracked `before`) and tag the commit."""
    root = Path(plan.build_root)
    for write in plan.writes:
        report(f"Writing {write.path}: {write.text.strip()}")
        write_atomically(root / write.path, write.text)
    for argv in plan.commands:
        report(f"Running `{shlex.join(argv)}` ...")
        run_command(argv, plan)
    entries = [(code, path) for code, path in status(repo) if code != "??" or path not in before]
    report(f"Committing `{plan.commit_message}`: {', '.join(sorted({path for _, path in entries}))}")
    # What the commands staged themselves (`git rm`) is in the index already. The plan's own files
    # are added with `--force`: a registry under `.github/` may sit in a path git is told to ignore.
    written = sorted(write.path for write in plan.writes)
    unstaged = sorted({path for code, path in entries if code[1] != " "} - set(written))
    try:
        repo.run("add", "--force", "--", *written)
        if unstaged:
            repo.run("add", "-A", "--", *unstaged)
        repo.run("commit", "--quiet", "--no-verify", "-m", plan.commit_message)
        report(f"Tagging {plan.tag}")
        repo.run("tag", "-a", plan.tag, "-m", plan.tag_message)
    except GitError as e:
        raise ReleaseStepError(f"`--tag-release`: {e}") from None


def restore(plan: ReleasePlan, repo: GitRepo, before: Set[str]) -> None:
    """Put the branch, the index and the work tree back as they were before `release`."""
    # Only on the plan's branch: a release command that switched branches must not move another one.
    if repo.current_branch() == plan.branch and repo.rev_parse("HEAD") != plan.head:
        repo.run("reset", "--quiet", "--soft", plan.head)
    repo.run("reset", "--quiet")
    written = {write.path for write in plan.writes}
    for code, path in status(repo):
        if path in written or (code == "??" and path in before):
            continue
        if code == "??":
            (Path(plan.build_root) / path).unlink()
        else:
            repo.run("checkout", "--quiet", "--", path)
    for write in plan.writes:
        file = Path(plan.build_root) / write.path
        if write.original is None:
            file.unlink(missing_ok=True)
        else:
            write_atomically(file, write.original)


def read_back(plan: ReleasePlan, repo: GitRepo) -> str:
    """The state after a restore, as found: the version file's first line, the checkout and its tip, and the tag."""
    version_path = plan.writes[0].path
    try:
        text = (Path(plan.build_root) / version_path).read_text().strip() or "(empty)"
    except OSError:
        text = "(missing)"
    head = (repo.rev_parse("HEAD") or "(no commit)")[:12]
    branch = repo.current_branch()
    checkout = f"`{branch}` is at `{head}`" if branch else f"the checkout is at a detached HEAD (`{head}`)"
    tag = repo.rev_parse(f"refs/tags/{plan.tag}")
    tagged = f"; the tag `{plan.tag}` exists, at `{tag[:12]}`" if tag else ""
    return f"`{version_path}` holds `{text}` and {checkout}{tagged}"


def unchanged(plan: ReleasePlan, repo: GitRepo) -> bool:
    """Whether the branch, the checkout and the tags are as the plan found them (a command may have moved them)."""
    return (
        repo.current_branch() == plan.branch
        and repo.rev_parse("HEAD") == plan.head
        and repo.rev_parse(f"refs/tags/{plan.tag}") is None
    )


def execute(plan: ReleasePlan, report: Reporter) -> int:
    """Carry out `plan`; 0 on success, 1 after a failure that was undone (reported in one line), 128 + the
    signal after an interruption that was undone."""
    repo = GitRepo(Path(plan.build_root))
    before: Optional[Set[str]] = None
    code = 1
    try:
        with interruptible():
            before = untracked(repo)
            release(plan, repo, before, report)
            return 0
    except (ReleaseStepError, OSError) as e:
        failure = str(e) if isinstance(e, ReleaseStepError) else f"`--tag-release`: {e}"
    except Interrupted as e:
        failure, code = f"`--tag-release`: interrupted by {e.signal_name}", e.exit_code
    if before is None:
        report(f"{failure} before it changed anything; run again when ready")
        return code
    try:
        restore(plan, repo, before)
    except (GitError, OSError) as e:
        report(f"{failure}; restoring failed too ({e}): {read_back(plan, repo)}; check `git status` and the tag")
        return code
    if unchanged(plan, repo):
        cause = "run again when ready" if code != 1 else "fix the cause and run again"
        report(f"{failure}; nothing was committed or tagged: {read_back(plan, repo)} again; {cause}")
    else:
        report(
            f"{failure}; the files were restored, but the refs are not where the run started (`{plan.branch}` at "
            f"`{plan.head[:12]}`, no tag `{plan.tag}`): {read_back(plan, repo)}; check `git log` and `git tag`, "
            "then run again"
        )
    return code


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m calver_release.release.tag_executor PLAN_JSON", file=sys.stderr)
        return 2
    try:
        plan = from_json(ReleasePlan, json.loads(args[0]))
    except (ValueError, SchemaError) as e:
        print(f"PLAN_JSON: not a release plan ({e}); run `pants release-version --tag-release` instead", file=sys.stderr)
        return 2
    return execute(plan, say)


if __name__ == "__main__":
    sys.exit(main())
