"""`pants release-version` refuses what would make it do something else than asked, and says what is true.

Each refusal is one line on stderr and exit code 1, with files, refs, stash and the git directory's
state as they were; the repository states are made for real with git (a merge in progress, a stale
`CHERRY_PICK_HEAD`, an index lock).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from textwrap import dedent
from typing import Callable, Tuple

import pytest
from conftest import CALLER_ENV, git, init_repo, run_goal
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner, mock_console
from repository_state import repository_state

from calver_release.release.goal import ReleaseVersionGoal

Prepare = Callable[[Path], None]
REGISTRY = ".github/maintained-versions.yml"


@pytest.fixture
def repo(rule_runner: RuleRunner, tmp_path: Path) -> Path:
    """`main` at `24.09.0.dev0`; `24.09` at `24.09.0`, tagged; `topic` one empty commit ahead of `main`."""
    rule_runner.write_files({"VERSION": "24.09.0.dev0\n", "CHANGELOG.md": "## 24.03.0\n"})
    root = init_repo(Path(rule_runner.build_root))
    git(root, "switch", "-q", "-c", "24.09")
    (root / "VERSION").write_text("24.09.0\n")
    git(root, "commit", "-qam", "release: 24.09.0")
    git(root, "tag", "-a", "24.09.0", "-m", "Release v24.09.0")
    git(root, "switch", "-q", "-c", "topic", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "topic")
    git(root, "switch", "-q", "main")
    (tmp_path / "outside.txt").write_text("a file outside the repository\n")
    return root


def merging(root: Path) -> None:
    """A merge stopped before its commit: `git commit` would make the release commit a merge of `topic`."""
    git(root, "merge", "-q", "--no-ff", "--no-commit", "topic")


def stale_cherry_pick(root: Path) -> None:
    """A cherry-pick that came out empty: git stops with `CHERRY_PICK_HEAD` and a clean tree."""
    git(root, "switch", "-q", "-c", "fix", "main")
    (root / "fix.txt").write_text("fix\n")
    git(root, "add", "fix.txt")
    git(root, "commit", "-qm", "fix", "--author=Someone Else <else@example.com>")
    git(root, "switch", "-q", "main")
    git(root, "checkout", "fix", "--", "fix.txt")
    git(root, "commit", "-qm", "fix, by hand")
    picked = subprocess.run(["git", "-C", str(root), "cherry-pick", "fix"], capture_output=True)
    assert picked.returncode != 0 and (root / ".git/CHERRY_PICK_HEAD").exists()


def on(branch: str) -> Prepare:
    return lambda root: git(root, "switch", "-q", branch)


def write(path: str, text: str) -> Prepare:
    def prepare(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)

    return prepare


def symlink(path: str, target: str) -> Prepare:
    def prepare(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).symlink_to(target.format(root=root, outside=root.parent / "outside.txt"))

    return prepare


def both(*steps: Prepare) -> Prepare:
    def prepare(root: Path) -> None:
        for step in steps:
            step(root)

    return prepare


LOCK = (
    "a lock file of another git process is in the way (got an existing file); if no git process is running, "
    "delete the file and run again"
)

CASES = [
    pytest.param(
        merging,
        ["--tag-release", "--bump=rc"],
        "`{root}/.git/MERGE_HEAD`: a merge is in progress in this worktree (got `MERGE_HEAD`); finish it with "
        "`git merge --continue` or `git merge --abort`, then run again",
        id="tag-release-during-a-merge",
    ),
    pytest.param(
        merging,
        ["--cut-release"],
        "`{root}/.git/MERGE_HEAD`: a merge is in progress in this worktree (got `MERGE_HEAD`); finish it with "
        "`git merge --continue` or `git merge --abort`, then run again",
        id="cut-release-during-a-merge",
    ),
    pytest.param(
        stale_cherry_pick,
        ["--tag-release", "--bump=rc", "--dry-run"],
        "`{root}/.git/CHERRY_PICK_HEAD`: a cherry-pick is in progress in this worktree (got `CHERRY_PICK_HEAD`); "
        "finish it with `git cherry-pick --continue` or `git cherry-pick --abort`, then run again",
        id="tag-release-with-a-stale-cherry-pick-head",
    ),
    pytest.param(
        write(".git/index.lock", ""),
        ["--tag-release", "--bump=rc"],
        f"`{{root}}/.git/index.lock`: {LOCK}",
        id="tag-release-with-an-index-lock",
    ),
    pytest.param(
        None,
        ["--set=24.09." + "1" * 5000],
        f"`--set`: too long for a version, 5006 characters (got `24.09.{'1' * 18}...`); write `YY.MM.PATCH`, as in "
        "`24.09.0`",
        id="set-5000-digits",
    ),
    pytest.param(
        None,
        ["--release-version-file=../x"],
        "`[release-version].file`: a path outside the build root (got `../x`); name a file inside it",
        id="file-outside-the-build-root",
    ),
    pytest.param(
        None,
        ["--release-version-file=/etc/hostname", "--set=24.09.1"],
        "`[release-version].file`: an absolute path (got `/etc/hostname`); name a file relative to the build root",
        id="file-absolute",
    ),
    pytest.param(
        None,
        ["--release-version-file=.git/HEAD"],
        "`[release-version].file`: a path inside the git directory (got `.git/HEAD`); name a file of the work tree",
        id="file-in-the-git-directory",
    ),
    pytest.param(
        symlink("V2", "{outside}"),
        ["--release-version-file=V2", "--set=24.09.1"],
        "`[release-version].file`: `V2` is a symlink to a file outside the repository (got `{outside}`), which the "
        "plugin never writes; replace the symlink with the file, or point it inside the work tree",
        id="file-an-absolute-symlink-outside",
    ),
    pytest.param(
        both(on("24.09"), symlink(REGISTRY, "{outside}")),
        ["--tag-release", "--bump=patch"],
        "`[release-version].maintained_versions_file`: `.github/maintained-versions.yml` is a symlink to a file "
        "outside the repository (got `{outside}`), which the plugin never writes; replace the symlink with the "
        "file, or point it inside the work tree",
        id="registry-a-symlink-outside",
    ),
    pytest.param(
        write(REGISTRY, 'versions:\n  - version: "24.09"\n    lts: true\n    retire_after: 2024-02-30\n'),
        ["--maintained"],
        "`.github/maintained-versions.yml`: a value YAML cannot read (got `day is out of range for month`); write "
        'dates quoted and real, as in `retire_after: "2024-02-29"`',
        id="registry-unquoted-impossible-date",
    ),
    pytest.param(
        None,
        ["--format=json", "--set=24.09.1"],
        "`--format`: not used with `--set`, which reports in text (got `json`); drop it: it formats the version "
        "printed alone and `--maintained`",
        id="json-with-set",
    ),
    pytest.param(
        None,
        ["--format=pep440", "--bump=patch"],
        "`--format`: not used with `--bump`, which reports in text (got `pep440`); drop it: it formats the version "
        "printed alone and `--maintained`",
        id="pep440-with-bump",
    ),
    pytest.param(
        None,
        ["--format=pep440", "--maintained"],
        "`--format`: `--maintained` prints `text` or `json` (got `pep440`); pass one of those",
        id="pep440-with-maintained",
    ),
    pytest.param(
        on("24.09"),
        ["--tag-release", "--bump=patch", "--lts"],
        "`--lts`: only the tag of `x.y.0rc1` on its branch `x.y` registers a line (got `24.09.1` on `24.09`); drop "
        "`--lts`, or give it to `--cut-release`",
        id="lts-with-a-final-tag-release",
    ),
]


@pytest.mark.parametrize("prepare, args, error", CASES)
def test_refused_with_one_line_and_nothing_changed(
    rule_runner: RuleRunner, repo: Path, prepare: Prepare, args: list, error: str
) -> None:
    if prepare:
        prepare(repo)
    before = repository_state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    expected = error.format(root=repo, outside=repo.parent / "outside.txt")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected + "\n")
    assert repository_state(repo) == before


def run_release(rule_runner: RuleRunner, *args: str) -> Tuple[GoalRuleResult, str]:
    """Run the goal; also return what its processes (the release executor) wrote to stderr."""
    with mock_console(rule_runner.options_bootstrapper) as (_, stdio):
        result = rule_runner.run_goal_rule(ReleaseVersionGoal, args=list(args), env_inherit=set(CALLER_ENV))
        return result, stdio.get_stderr()


def link_version_file(repo: Path, link: str) -> None:
    """Move `VERSION` to `src/VERSION` and commit a symlink to it at `VERSION`."""
    (repo / "src").mkdir()
    git(repo, "mv", "VERSION", "src/VERSION")
    (repo / "VERSION").symlink_to(link)
    git(repo, "add", "VERSION")
    git(repo, "commit", "-qm", "link VERSION")


def test_a_symlinked_version_file_is_released_through_its_link(rule_runner: RuleRunner, repo: Path) -> None:
    """Backend.AI links its version files: the release writes and commits the file, the link stays a link."""
    link_version_file(repo, "src/VERSION")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--tag-release", "--bump=rc")
    assert result.exit_code == 0, result.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout.splitlines()[:2] == [
        "24.09.0.dev0 -> 24.09.0rc1",
        f"Committed {head[:12]} on main: release: 24.09.0rc1 (src/VERSION)",
    ]
    assert os.readlink(repo / "VERSION") == "src/VERSION"
    assert git(repo, "show", "HEAD:src/VERSION") == "24.09.0rc1"
    assert git(repo, "status", "--porcelain") == ""


def test_an_absolute_symlink_to_the_version_file_is_set_through_its_link(rule_runner: RuleRunner, repo: Path) -> None:
    """Pants reads no absolute symlink: the goal reads the file the link leads to, and writes it."""
    link_version_file(repo, str(repo / "src/VERSION"))
    result = run_goal(rule_runner, ReleaseVersionGoal, "--set=24.09.0rc1")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "24.09.0.dev0 -> 24.09.0rc1\n", "")
    assert os.readlink(repo / "VERSION") == str(repo / "src/VERSION")
    assert (repo / "src/VERSION").read_text() == "24.09.0rc1\n"


def test_a_symlinked_registry_is_registered_through_its_link(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "branch", "-D", "24.09")
    git(repo, "tag", "-d", "24.09.0")
    (repo / "registry").mkdir()
    (repo / "registry/maintained.yml").write_text("versions:\n")
    (repo / ".github").mkdir()
    (repo / REGISTRY).symlink_to("../registry/maintained.yml")
    git(repo, "add", "--force", "registry", REGISTRY)
    git(repo, "commit", "-qm", "link the registry")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release")
    assert result.exit_code == 0, result.stderr
    assert (repo / REGISTRY).is_symlink()
    assert git(repo, "show", "HEAD:registry/maintained.yml") == 'versions:\n  - version: "24.09"'
    assert git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").splitlines() == [
        "VERSION",
        "registry/maintained.yml",
    ]
    assert git(repo, "status", "--porcelain") == ""


def test_a_tag_named_like_the_branch_changes_no_name(rule_runner: RuleRunner, repo: Path) -> None:
    """`git symbolic-ref --short` would say `heads/main` once a tag `main` exists, and the cut would refuse."""
    git(repo, "branch", "-D", "24.09")
    git(repo, "tag", "-d", "24.09.0")
    git(repo, "tag", "main", "topic")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release")
    assert result.exit_code == 0, result.stderr
    head = git(repo, "rev-parse", "refs/heads/main")
    assert result.stdout.splitlines()[:2] == [
        f"Created release branch 24.09 at {git(repo, 'rev-parse', 'refs/heads/24.09')[:12]} (24.09.0.dev0)",
        f"main: 24.09.0.dev0 -> 25.03.0.dev0 (commit {head[:12]})",
    ]


def test_a_release_command_that_switches_branches_is_reported_where_the_commit_is(
    rule_runner: RuleRunner, repo: Path
) -> None:
    git(repo, "switch", "-q", "24.09")
    result, _ = run_release(rule_runner, "--tag-release", "--bump=patch", "--release-commands=['git switch -q -c elsewhere']")
    assert result.exit_code == 0
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout == dedent(
        f"""\
        24.09.0 -> 24.09.1
        Committed {head[:12]} on elsewhere: release: 24.09.1 (VERSION)
        Tagged 24.09.1 (annotated) at {head[:12]}: Release v24.09.1
        """
    )
    assert result.stderr == (
        f"warning: the release commit `{head[:12]}` is on elsewhere, not on `24.09`; a release command moved them: "
        "check `git log` and `git tag` before pushing\n"
    )
    assert git(repo, "rev-parse", "24.09") == git(repo, "rev-parse", "24.09.0^{commit}")


def test_a_release_command_that_creates_the_tag_is_reported_with_the_tag(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "-q", "24.09")
    head = git(repo, "rev-parse", "HEAD")
    result, processes = run_release(rule_runner, "--tag-release", "--bump=patch", "--release-commands=['git tag 24.09.1']")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    assert processes.splitlines()[-1] == (
        "`--tag-release`: `git tag -a 24.09.1 -m 'Release v24.09.1'` failed: fatal: tag '24.09.1' already exists; "
        f"the files were restored, but the refs are not where the run started (`24.09` at `{head[:12]}`, no tag "
        f"`24.09.1`): `VERSION` holds `24.09.0` and `24.09` is at `{head[:12]}`; the tag `24.09.1` exists, at "
        f"`{head[:12]}`; check `git log` and `git tag`, then run again"
    )
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")) == (head, "")
