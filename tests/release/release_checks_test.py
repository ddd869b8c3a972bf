"""Each rule of `release-version --check`, on real files and real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, init_repo

from calver_release.runtime.git import GitRepo
from calver_release.release.calver import CalVer
from calver_release.release.checks import (
    check_api_version,
    check_branch_names,
    check_canonical,
    check_package_version_files,
    check_requirement_pins,
)

@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("24.09.0rc1\n", [], id="padded"),
        pytest.param("26.8.0rc1\n", [], id="unpadded"),
        pytest.param(
            "24.03.0dev0\n", ["`VERSION`: not in canonical form (got `24.03.0dev0`); write `24.03.0.dev0`"], id="no-dot-dev"
        ),
        pytest.param(
            "26.4.0dev0\n", ["`VERSION`: not in canonical form (got `26.4.0dev0`); write `26.4.0.dev0`"], id="no-dot-dev-unpadded"
        ),
        pytest.param("23.09.8.rc1\n", ["`VERSION`: not in canonical form (got `23.09.8.rc1`); write `23.09.8rc1`"], id="dotted-rc"),
    ],
)
def test_canonical_keeps_the_minor_as_written(text: str, expected: list) -> None:
    """Either spelling of the minor passes; everything else must be canonical, in the version's own spelling."""
    assert check_canonical("VERSION", CalVer.parse(text.strip()), text) == expected


def test_package_version_files(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("24.09.0\n")
    for pkg in ("good", "copy", "stale", "broken"):
        (tmp_path / pkg).mkdir()
    os.symlink("../VERSION", tmp_path / "good/VERSION")
    (tmp_path / "copy/VERSION").write_text("24.09.0\n")
    (tmp_path / "stale/VERSION").write_text("24.03.2\n")
    os.symlink("../MISSING", tmp_path / "broken/VERSION")
    paths = ["good/VERSION", "copy/VERSION", "stale/VERSION", "broken/VERSION"]
    assert check_package_version_files(tmp_path, "24.09.0\n", paths) == [
        "`broken/VERSION`: broken symlink (got target `../MISSING`); point it at the root version file",
        "`stale/VERSION`: differs from the root version file (got `24.03.2`); make it a symlink to the root version file",
    ]


@pytest.mark.parametrize(
    "text, pattern, expected",
    [
        pytest.param("v8.20240915\n", None, [], id="whole-file"),
        pytest.param('LATEST_API_VERSION = "v8.20240915"\n', 'LATEST_API_VERSION = "([^"]+)"', [], id="pattern"),
        pytest.param(
            'LATEST_API_VERSION = "v8.20240231"\n',
            'LATEST_API_VERSION = "([^"]+)"',
            ["`api.py`: invalid API version: "],
            id="impossible-date",
        ),
        pytest.param("8.20240915\n", None, ["`api.py`: invalid API version: "], id="no-v"),
        pytest.param(
            "nothing here\n",
            'LATEST_API_VERSION = "([^"]+)"',
            ['`api.py`: no API version matches `LATEST_API_VERSION = "([^"]+)"`; fix `[release-version].api_version_pattern`'],
            id="pattern-misses",
        ),
        pytest.param(
            None,
            None,
            ["`api.py`: the API version file does not exist; create it or fix `[release-version].api_version_file`"],
            id="missing",
        ),
    ],
)
def test_api_version(text, pattern, expected: list) -> None:
    problems = check_api_version("api.py", text, pattern)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start) and "\n" not in problem


def test_requirement_pins() -> None:
    requirements = [
        ("3rdparty:reqs#backend.ai-client", "backend.ai-client==24.09.1"),
        ("3rdparty:reqs#other-calver", "other-calver>=20.09.0,<21"),
        ("3rdparty:reqs#backend.ai-common", "backend.ai-common==24.9.0rc1"),
        ("3rdparty:reqs#attrs", "attrs==21.04.0"),
        ("3rdparty:reqs#aiohttp", "aiohttp~=3.8.1"),
    ]
    assert check_requirement_pins(requirements, ["backend.ai-client", "backend.ai-common"]) == [
        "3rdparty:reqs#backend.ai-client: `backend.ai-client==24.09.1` pins a zero-padded version; "
        "write `backend.ai-client==24.9.1` (setuptools normalizes versions)",
        "3rdparty:reqs#other-calver: `other-calver>=20.09.0,<21` pins a zero-padded version; "
        "write `other-calver>=20.9.0,<21` (setuptools normalizes versions)",
        "3rdparty:reqs#attrs: `attrs==21.04.0` pins a zero-padded version; "
        "write `attrs==21.4.0` (setuptools normalizes versions)",
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "VERSION").write_text("24.09.0rc1\n")
    return init_repo(tmp_path)


def test_branch_names_pass_on_a_clean_history(repo: Path) -> None:
    git(repo, "branch", "24.09")
    git(repo, "branch", "topic/fix-scheduler")
    git(repo, "tag", "24.09.0rc1")
    assert check_branch_names(GitRepo(repo), "VERSION") == []


def test_branch_names(repo: Path) -> None:
    git(repo, "tag", "24.03.0")
    git(repo, "branch", "24.03.0")  # same name as a tag
    git(repo, "branch", "24.09.1")  # shaped like a tag
    git(repo, "branch", "24.09.0rc2")  # shaped like a pre-release tag
    git(repo, "branch", "25.03")  # a release branch name whose VERSION is 24.09.0rc1
    assert check_branch_names(GitRepo(repo), "VERSION") == [
        "branch `24.03.0`: a tag has the same name; rename the branch",
        "branch `24.09.0rc2`: named like a release tag; rename the branch",
        "branch `24.09.1`: named like a release tag; rename the branch",
        "branch `25.03`: named like a release branch but its `VERSION` is `24.09.0rc1` (series `24.09`); "
        "rename the branch or fix its version",
    ]


def test_release_branches_of_both_eras_are_checked(repo: Path) -> None:
    """A repository that crossed the change of scheme: `24.09` of the padded era next to `26.4` and `26.8`."""
    git(repo, "branch", "24.09")
    (repo / "VERSION").write_text("26.4.0.dev0\n")
    git(repo, "commit", "-qam", "Start 26.4")
    git(repo, "branch", "26.4")
    git(repo, "branch", "26.8")
    git(repo, "tag", "24.09.9", "24.09")
    assert check_branch_names(GitRepo(repo), "VERSION") == [
        "branch `26.8`: named like a release branch but its `VERSION` is `26.4.0.dev0` (series `26.4`); "
        "rename the branch or fix its version",
    ]


def test_a_series_with_branches_in_both_spellings(repo: Path) -> None:
    git(repo, "branch", "24.09")
    git(repo, "branch", "24.9")
    assert check_branch_names(GitRepo(repo), "VERSION") == [
        "branches `24.09` and `24.9`: two release branches of one series (got both); keep one and rename or "
        "delete the other, since the registry and backports name one branch per line",
    ]


def test_branch_rules_look_at_local_branches_with_a_detached_head(repo: Path) -> None:
    git(repo, "branch", "24.09.1")
    git(repo, "switch", "--quiet", "--detach", "HEAD")
    assert check_branch_names(GitRepo(repo), "VERSION") == [
        "branch `24.09.1`: named like a release tag; rename the branch",
    ]
