"""A Backend.AI-style monorepo replaces its own setup plugin with `[distribution-metadata]`: same wheels.

The repository first builds its wheels with `SETUPGEN`, a plugin that does what Backend.AI's
`tools/pants-plugins/setupgen/register.py` does at its tag 23.09.5 (github.com/lablup/backend.ai),
the repository's last release on Pants 2.17. Then the plugin is removed, calver_release is
vendored, `METADATA_SETTINGS` take the plugin's place line by line, and the wheels are built
again. Every METADATA field of every wheel must be the same, except the order of classifiers
and the first-party pins, which calver_release writes zero-stripped (`==23.9.5`, where the old
plugin's raw `VERSION` gave `==23.09.5`). Backend.AI constrains CPython to `==3.11.*`; here it
is `==3.9.*`, the one interpreter every machine running these tests has (Pants needs it), which
has the same shape. Two cold Pants starts, in one test.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path
from textwrap import dedent
from typing import Dict, List, Tuple

from conftest import git
from example_repo import source_checkout
from install_repo import fresh_repo, launch, write_pants_toml
from packaging.version import Version

SETUPGEN = '''\
"""Backend.AI's setup kwargs at 23.09.5, rewritten for this test with the same behaviour."""

from __future__ import annotations

import re

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.package_dists import SetupKwargs, SetupKwargsRequest
from pants.engine.fs import DigestContents, GlobMatchErrorBehavior, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionRule

LICENSES = {
    "LGPLv3": "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
    "Apache 2.0": "License :: OSI Approved :: Apache Software License",
    "BSD": "License :: OSI Approved :: BSD License",
    "MIT": "License :: OSI Approved :: MIT License",
}
STANDARD = [
    "Intended Audience :: Developers",
    "Operating System :: MacOS :: MacOS X",
    "Operating System :: POSIX :: Linux",
    "Programming Language :: Python",
    "Programming Language :: Python :: 3",
    "Environment :: No Input/Output (Daemon)",
    "Topic :: Scientific/Engineering",
    "Topic :: Software Development",
]
STATUS = [
    (r"\\.?dev\\d*$", "Development Status :: 2 - Pre-Alpha"),
    (r"\\.?a(lpha)?\\d*$", "Development Status :: 3 - Alpha"),
    (r"\\.?b(eta)?\\d*$", "Development Status :: 4 - Beta"),
    (r"\\.?rc?\\d*$", "Development Status :: 4 - Beta"),
]
READMES = [("README.md", "text/markdown"), ("README.rst", "text/x-rst"), ("README", "text/plain")]


class BackendAISetupKwargsRequest(SetupKwargsRequest):
    @classmethod
    def is_applicable(cls, _: Target) -> bool:
        return True


async def read(path: str) -> str:
    contents = await Get(
        DigestContents,
        PathGlobs([path], description_of_origin="setupgen", glob_match_error_behavior=GlobMatchErrorBehavior.error),
    )
    return contents[0].content.decode()


@rule
async def backend_ai_setup_kwargs(request: BackendAISetupKwargsRequest, python_setup: PythonSetup) -> SetupKwargs:
    kwargs = request.explicit_kwargs.copy()
    address = request.target.address
    version = await read("VERSION")  # raw, trailing newline included
    if not kwargs["name"].startswith("backend.ai-"):
        raise ValueError(f"Invalid `name` kwarg in the `provides` field for {address}.")
    if "description" not in kwargs:
        raise ValueError(f"Missing a `description` kwarg in the `provides` field for {address}.")

    constraint = next(str(ic.specifier) for ic in InterpreterConstraints(python_setup.interpreter_constraints))
    m = re.search(r"==(?P<major>\\d+)\\.(?P<minor>\\d+)", constraint)
    major, minor = int(m.group("major")), int(m.group("minor"))
    kwargs["python_requires"] = f">={major}.{minor},<{major}.{minor + 1}"

    classifiers = list(STANDARD)
    classifiers.append(next((c for pattern, c in STATUS if re.search(pattern, version)), "Development Status :: 5 - Production/Stable"))
    classifiers.append(f"Programming Language :: Python :: {major}.{minor}")
    if kwargs["license"] in LICENSES:
        classifiers.append(LICENSES[kwargs["license"]])
    kwargs["classifiers"] = [*classifiers, *kwargs.get("classifiers", [])]

    found = await Get(
        DigestContents,
        PathGlobs(
            [f"{address.spec_path}/{name}" for name, _ in READMES],
            glob_match_error_behavior=GlobMatchErrorBehavior.ignore,
        ),
    )
    paths = {c.path: c.content.decode() for c in found}
    readme, content_type = next((f"{address.spec_path}/{n}", t) for n, t in READMES if f"{address.spec_path}/{n}" in paths)

    hardcoded = dict(
        version=version,
        long_description=paths[readme],
        long_description_content_type=content_type,
        url="https://github.com/lablup/backend.ai",
        project_urls={"Documentation": "https://docs.backend.ai/", "Source": "https://github.com/lablup/backend.ai"},
        author="Lablup Inc. and contributors",
        zip_safe=False,
    )
    conflicting = set(kwargs) & set(hardcoded)
    if conflicting:
        raise ValueError(f"These kwargs should not be set in the `provides` field for {address}: {sorted(conflicting)}")
    kwargs.update(hardcoded)
    return SetupKwargs(kwargs, address=address)


def rules():
    return [*collect_rules(), UnionRule(SetupKwargsRequest, BackendAISetupKwargsRequest)]
'''
"""What Backend.AI's `setupgen` does at 23.09.5 (the README probe goes through the engine here)."""

METADATA_SETTINGS = dedent(
    """\
    [distribution-metadata]
    author = "Lablup Inc. and contributors"
    url = "https://github.com/lablup/backend.ai"
    project_urls = { Documentation = "https://docs.backend.ai/", Source = "https://github.com/lablup/backend.ai" }
    classifiers = [
      "Intended Audience :: Developers",
      "Operating System :: MacOS :: MacOS X",
      "Operating System :: POSIX :: Linux",
      "Programming Language :: Python",
      "Programming Language :: Python :: 3",
      "Environment :: No Input/Output (Daemon)",
      "Topic :: Scientific/Engineering",
      "Topic :: Software Development",
    ]
    zip_safe = false
    long_description = "readme"
    python_requires = "from-constraints"
    name_prefix = "backend.ai-"
    require_description = true
    owned_keywords = [
      "version", "long_description", "long_description_content_type", "url", "project_urls", "author", "zip_safe",
    ]

    [distribution-metadata.license_classifiers]
    "LGPLv3" = "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)"
    "Apache 2.0" = "License :: OSI Approved :: Apache Software License"
    "BSD" = "License :: OSI Approved :: BSD License"
    "MIT" = "License :: OSI Approved :: MIT License"
    """
)
"""The settings that replace `SETUPGEN`, as docs/adoption.md shows them (its comments aside)."""


def distribution(component: str, *, deps: Tuple[str, ...] = (), **provides: object) -> str:
    dependencies = [":src", *(f"src/ai/backend/{dep}:dist" for dep in deps)]
    artifact = ", ".join(f"{key}={value!r}" for key, value in {"name": f"backend.ai-{component}", **provides}.items())
    return dedent(
        f"""\
        python_sources(name="src")

        python_distribution(name="dist", dependencies={dependencies!r}, provides=python_artifact({artifact}))
        """
    )


MONOREPO = {
    "VERSION": "23.09.5\n",
    "src/ai/backend/common/__init__.py": "",
    "src/ai/backend/common/README.md": "# Backend.AI Common\n\nUtilities every component shares.\n",
    "src/ai/backend/common/BUILD": distribution("common", description="Backend.AI commons", license="LGPLv3"),
    "src/ai/backend/agent/__init__.py": "",
    "src/ai/backend/agent/README.md": "# Backend.AI Agent\n",
    "src/ai/backend/agent/BUILD": distribution(
        "agent", deps=("common",), description="Backend.AI Agent", license="LGPLv3", classifiers=["Framework :: AsyncIO"]
    ),
    "src/ai/backend/client/__init__.py": "",
    "src/ai/backend/client/README.rst": "Backend.AI Client SDK\n=====================\n",
    "src/ai/backend/client/BUILD": distribution("client", description="Backend.AI Client SDK", license="MIT"),
    "src/ai/backend/kernel/__init__.py": "",
    "src/ai/backend/kernel/README": "The kernel runner.\n",
    "src/ai/backend/kernel/BUILD": distribution("kernel", description="Backend.AI Kernel Runner", license="Apache 2.0"),
    "tools/pants-plugins/setupgen/__init__.py": "",
    "tools/pants-plugins/setupgen/register.py": SETUPGEN,
}
"""Four distributions: each README kind, three of the licenses, a classifier of its own, a first-party pin."""

LAYOUT = 'pythonpath = ["%(buildroot)s/tools/pants-plugins"]\n'
SOURCE_ROOTS = '\n[source]\nroot_patterns = ["/src"]\n'


def built(repo: Path) -> Dict[str, Tuple[Message, List[str]]]:
    """Each wheel's METADATA, and the files of its sdist's `.egg-info` (`not-zip-safe` among them), by name."""
    wheels, sdists = {}, {}
    for wheel in (repo / "dist").glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = Parser().parsestr(archive.read(name).decode())
        wheels[metadata["Name"]] = metadata
    for sdist in (repo / "dist").glob("*.tar.gz"):
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers() if ".egg-info/" in m.name]
            pkg_info = next(m for m in members if m.name.endswith(".egg-info/PKG-INFO"))
            name = Parser().parsestr(archive.extractfile(pkg_info).read().decode())["Name"]
        sdists[name] = sorted(Path(m.name).name for m in members)
    assert sorted(wheels) == sorted(sdists), sorted(p.name for p in (repo / "dist").iterdir())
    return {name: (metadata, sdists[name]) for name, metadata in wheels.items()}


def fields(metadata: Message) -> Dict[str, object]:
    """Every field, repeated ones as sorted lists (classifiers in any order), pins normalized, and the body."""
    result: Dict[str, object] = {key: sorted(metadata.get_all(key)) for key in set(metadata.keys())}
    result["Requires-Dist"] = sorted(
        re.sub(r"\(==([^)]+)\)", lambda m: f"(=={Version(m.group(1))})", pin) for pin in metadata.get_all("Requires-Dist", [])
    )
    result["body"] = metadata.get_payload()
    return result


def test_the_settings_build_the_wheels_the_old_plugin_built(tmp_path: Path) -> None:
    repo = fresh_repo(
        tmp_path / "backend.ai",
        f'{LAYOUT}backend_packages = ["pants.backend.python", "setupgen"]\n{SOURCE_ROOTS}',
        MONOREPO,
    )
    launch(repo, "package", "::").assert_success()
    before = built(repo)

    # Adopting calver_release: vendored (its BUILD files belong to its own repository), the old
    # plugin deleted, its duties moved to pants.toml.
    shutil.rmtree(repo / "dist")
    git(repo, "rm", "-r", "--quiet", "tools/pants-plugins/setupgen")
    shutil.copytree(
        source_checkout() / "pants-plugins/calver_release",
        repo / "tools/pants-plugins/calver_release",
        ignore=shutil.ignore_patterns("__pycache__", "BUILD"),
    )
    write_pants_toml(
        repo,
        f'{LAYOUT}backend_packages = ["pants.backend.python", "calver_release"]\n'
        f'plugins = ["tomli==2.0.1", "ruamel.yaml==0.18.6"]\n{SOURCE_ROOTS}\n{METADATA_SETTINGS}',
    )
    launch(repo, "package", "::").assert_success()
    after = built(repo)

    names = ["backend.ai-agent", "backend.ai-client", "backend.ai-common", "backend.ai-kernel"]
    assert (sorted(before), sorted(after)) == (names, names)
    for name in names:
        (old, old_egg_info), (new, new_egg_info) = before[name], after[name]
        assert fields(new) == fields(old), name
        assert new_egg_info == old_egg_info and "not-zip-safe" in new_egg_info, name

    # What changed on purpose: the pins, which the old plugin left zero-padded.
    assert before["backend.ai-agent"][0].get_all("Requires-Dist") == ["backend.ai-common (==23.09.5)"]
    assert after["backend.ai-agent"][0].get_all("Requires-Dist") == ["backend.ai-common (==23.9.5)"]

    # Every field the settings write, read from the real wheels.
    common, agent = after["backend.ai-common"][0], after["backend.ai-agent"][0]
    assert {key: common.get_all(key) for key in ("Version", "Home-page", "Author", "Project-URL", "Requires-Python", "Description-Content-Type")} == {
        "Version": ["23.9.5"],
        "Home-page": ["https://github.com/lablup/backend.ai"],
        "Author": ["Lablup Inc. and contributors"],
        "Project-URL": ["Documentation, https://docs.backend.ai/", "Source, https://github.com/lablup/backend.ai"],
        "Requires-Python": [">=3.9,<3.10"],
        "Description-Content-Type": ["text/markdown"],
    }
    assert common.get_payload() == MONOREPO["src/ai/backend/common/README.md"]
    assert agent.get_all("Classifier") == [
        "Framework :: AsyncIO",
        "Intended Audience :: Developers",
        "Operating System :: MacOS :: MacOS X",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python",
        "Programming Language :: Python :: 3",
        "Environment :: No Input/Output (Daemon)",
        "Topic :: Scientific/Engineering",
        "Topic :: Software Development",
        "Development Status :: 5 - Production/Stable",
        "Programming Language :: Python :: 3.9",
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
    ]
    content_types = {name: after[name][0]["Description-Content-Type"] for name in names}
    assert content_types == {
        "backend.ai-agent": "text/markdown",
        "backend.ai-client": "text/x-rst",
        "backend.ai-common": "text/markdown",
        "backend.ai-kernel": "text/plain",
    }
