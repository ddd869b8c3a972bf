"""The plugin installed as Pants plugins are: its own wheel named in `[GLOBAL].plugins` of a fresh repository.

The wheel is built once per module with the real launcher (`./pants package //:dist` in a copy of
this repository); each fresh repository resolves it, and its requirements from the package index,
through Pants' own plugin resolver, and names the backend in `backend_packages`: nothing else.
One of them runs what a release needs: `release-version`, `--check`, `pants package ::`, and
`--bump=final --tag-release` on its release branch.
"""

from __future__ import annotations

import shutil
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import git
from example_repo import source_checkout, stop_pantsd
from install_repo import fresh_repo, launch

from calver_release.release.calver import CalVer

SOURCES = ["pants", "pants.toml", "BUILD", "VERSION", "README.md", "3rdparty", "build-support", "pants-plugins"]
"""What `./pants package //:dist` reads from this repository."""

MONOREPO = {
    "VERSION": "24.09.0rc1\n",
    "src/acme/app/__init__.py": "",
    "src/acme/app/README.md": "# Acme client\n",
    "src/acme/app/BUILD": dedent(
        """\
        python_sources(name="src")

        python_distribution(
            name="dist",
            dependencies=[":src"],
            provides=python_artifact(name="acme-client", description="declares no version"),
        )
        """
    ),
}
"""A one-distribution monorepo; its distribution's name matches the default independent patterns.
Without `[distribution-metadata]`, its README stays unread."""


def metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin's wheel, built by the real launcher in a copy of this repository."""
    source, copy = source_checkout(), tmp_path_factory.mktemp("calver-release")
    for name in SOURCES:
        if (source / name).is_dir():
            shutil.copytree(source / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source / name, copy / name)
    launch(copy, "package", "//:dist").assert_success()
    version = CalVer.parse((source / "VERSION").read_text().strip()).pep440()
    built = copy / "dist" / f"calver_release_pants_plugin-{version}-py3-none-any.whl"
    assert built.is_file(), sorted(p.name for p in (copy / "dist").iterdir())
    return built


def test_the_wheel_holds_every_module_and_requires_what_they_import(wheel: Path) -> None:
    plugin = source_checkout() / "pants-plugins"
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(name for name in archive.namelist() if name.endswith(".py"))
    # Modules run as `python -m` (executors) must ship too, not only the imported ones.
    assert shipped == sorted(str(path.relative_to(plugin)) for path in plugin.glob("calver_release/**/*.py"))
    meta = metadata(wheel)
    assert meta["Name"] == "calver-release-pants-plugin"
    assert meta["Requires-Python"] == "==3.9.*"
    assert {"ruamel.yaml (==0.18.6)", "tomli (==2.0.1)"} <= set(meta.get_all("Requires-Dist"))
    # Pants 2.17 loads entry points through pkg_resources, which fails on ruamel.yaml.clib's metadata.
    with zipfile.ZipFile(wheel) as archive:
        assert not [name for name in archive.namelist() if name.endswith("entry_points.txt")]


def test_a_fresh_repository_with_the_wheel_url(tmp_path: Path, wheel: Path) -> None:
    repo = fresh_repo(
        tmp_path / "acme",
        dedent(
            f"""\
            backend_packages = ["pants.backend.python", "calver_release"]
            plugins = ["calver-release-pants-plugin @ {wheel.as_uri()}"]
            """
        ),
        MONOREPO,
    )
    # One pantsd serves the four runs: a cold Pants costs about 15 s here.
    try:
        shown = launch(repo, "release-version", pantsd=True).assert_success()
        assert (shown.stdout, shown.stderr) == ("24.09.0rc1\n", "")
        check = launch(repo, "release-version", "--check", pantsd=True).assert_success()
        assert (check.stdout, check.stderr) == ("", "")

        launch(repo, "package", "::", pantsd=True).assert_success()
        (built,) = (repo / "dist").glob("*.whl")
        assert built.name == "acme_client-24.9.0rc1-py3-none-any.whl"
        meta = metadata(built)
        assert (meta["Name"], meta["Version"], meta.get_all("Classifier")) == (
            "acme-client",
            "24.9.0rc1",
            ["Development Status :: 4 - Beta"],
        )
        # No `[distribution-metadata]`: nothing else is added, and Pants writes its own `python_requires`.
        assert sorted(set(meta.keys())) == ["Classifier", "Metadata-Version", "Name", "Requires-Python", "Summary", "Version"]
        assert (meta["Requires-Python"], meta.get_payload()) == ("==3.9.*", "")

        # The release commit and tag, by the executor the wheel ships.
        git(repo, "switch", "--quiet", "-c", "24.09")
        release = launch(repo, "release-version", "--bump=final", "--tag-release", pantsd=True).assert_success()
        head = git(repo, "rev-parse", "HEAD")
        assert release.stdout == dedent(
            f"""\
            24.09.0rc1 -> 24.09.0
            Committed {head[:12]} on 24.09: release: 24.09.0 (VERSION)
            Tagged 24.09.0 (annotated) at {head[:12]}: Release v24.09.0
            """
        )
        assert git(repo, "status", "--porcelain") == ""
    finally:
        stop_pantsd(repo)


def test_a_fresh_repository_with_the_name_and_find_links(tmp_path: Path, wheel: Path) -> None:
    version = metadata(wheel)["Version"]
    repo = fresh_repo(
        tmp_path / "acme",
        dedent(
            f"""\
            backend_packages = ["pants.backend.python", "calver_release"]
            plugins = ["calver-release-pants-plugin=={version}"]

            [python-repos]
            find_links = ["{wheel.parent.as_uri()}"]
            """
        ),
        MONOREPO,
    )
    shown = launch(repo, "release-version", "--format=pep440").assert_success()
    assert (shown.stdout, shown.stderr) == ("24.9.0rc1\n", "")
