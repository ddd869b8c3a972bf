"""RuleRunner tests of `[distribution-metadata]` in stamping: what reaches `setup()`, read through the engine."""

from __future__ import annotations

from textwrap import dedent
from typing import Sequence

import pytest
from conftest import release_earlier_rule_runners
from pants.backend.python import target_types_rules
from pants.backend.python.macros.python_artifact import PythonArtifact
from pants.backend.python.target_types import PythonDistribution, PythonSourcesGeneratorTarget
from pants.backend.python.util_rules import package_dists
from pants.backend.python.util_rules.package_dists import ExportedTarget, SetupKwargs
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner, engine_error

from calver_release import register
from calver_release.release.metadata import DistributionMetadataError

LGPL = "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)"

FILES = {
    "VERSION": "23.09.5\n",
    "src/ai/backend/common/__init__.py": "",
    "src/ai/backend/common/README.md": "# Backend.AI Common\n",
    "src/ai/backend/common/BUILD": dedent(
        """\
        python_sources(name="src")

        python_distribution(
            name="dist",
            dependencies=[":src"],
            provides=python_artifact(name="backend.ai-common", description="Backend.AI commons", license="LGPLv3"),
        )
        """
    ),
    "src/ai/backend/agent/README.rst": "Backend.AI Agent\n================\n",
    "src/ai/backend/agent/README": "not this one\n",
    "src/ai/backend/agent/BUILD": dedent(
        """\
        python_distribution(
            name="dist",
            dependencies=["src/ai/backend/common:dist"],
            provides=python_artifact(name="backend.ai-agent", description="Backend.AI Agent", license="LGPLv3"),
        )
        """
    ),
    "src/ai/backend/client/README": "Backend.AI Client SDK\n",
    "src/ai/backend/client/BUILD": dedent(
        """\
        python_distribution(
            name="dist",
            provides=python_artifact(name="backend.ai-client", description="Backend.AI Client SDK", license="MIT"),
        )
        """
    ),
}

SETTINGS = [
    "--distribution-metadata-author=Lablup Inc. and contributors",
    "--distribution-metadata-url=https://github.com/lablup/backend.ai",
    '--distribution-metadata-project-urls={"Documentation": "https://docs.backend.ai/"}',
    "--distribution-metadata-classifiers=['Intended Audience :: Developers']",
    f'--distribution-metadata-license-classifiers={{"LGPLv3": "{LGPL}"}}',
    "--no-distribution-metadata-zip-safe",
    "--distribution-metadata-long-description=readme",
    "--distribution-metadata-python-requires=from-constraints",
    "--distribution-metadata-name-prefix=backend.ai-",
    "--distribution-metadata-require-description",
]
"""Every setting as a command-line flag: none of them is read as another scope's option."""


@pytest.fixture
def rule_runner() -> RuleRunner:
    release_earlier_rule_runners()
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *package_dists.rules(),
            *target_types_rules.rules(),
            QueryRule(SetupKwargs, (ExportedTarget,)),
        ],
        target_types=[PythonDistribution, PythonSourcesGeneratorTarget],
        objects={"python_artifact": PythonArtifact},
    )
    rule_runner.write_files(FILES)
    return rule_runner


def configure(rule_runner: RuleRunner, *options: str, constraints: Sequence[str] = ("CPython==3.11.*",)) -> None:
    # The Rust import parser keeps dependency inference from needing the pex tool. The constraints
    # come as pants.toml would set them: given as a flag, they override every target's.
    rule_runner.set_options(
        ["--python-infer-use-rust-parser", *options],
        env={"PANTS_PYTHON_INTERPRETER_CONSTRAINTS": repr(list(constraints))},
    )


def setup_kwargs(rule_runner: RuleRunner, component: str) -> SetupKwargs:
    target = rule_runner.get_target(Address(f"src/ai/backend/{component}", target_name="dist"))
    return rule_runner.request(SetupKwargs, [ExportedTarget(target)])


def test_without_the_section_nothing_changes(rule_runner: RuleRunner) -> None:
    configure(rule_runner)
    # A README, a license and interpreter constraints are there, and none of them is used.
    assert setup_kwargs(rule_runner, "common") == SetupKwargs(
        {
            "name": "backend.ai-common",
            "description": "Backend.AI commons",
            "license": "LGPLv3",
            "version": "23.9.5",
            "classifiers": ["Development Status :: 5 - Production/Stable"],
        },
        address=Address("src/ai/backend/common", target_name="dist"),
    )


def test_every_setting_reaches_setup(rule_runner: RuleRunner) -> None:
    configure(rule_runner, *SETTINGS)
    assert setup_kwargs(rule_runner, "common") == SetupKwargs(
        {
            "name": "backend.ai-common",
            "description": "Backend.AI commons",
            "license": "LGPLv3",
            "version": "23.9.5",
            "author": "Lablup Inc. and contributors",
            "url": "https://github.com/lablup/backend.ai",
            "project_urls": {"Documentation": "https://docs.backend.ai/"},
            "zip_safe": False,
            "long_description": "# Backend.AI Common\n",
            "long_description_content_type": "text/markdown",
            "python_requires": ">=3.11,<3.12",
            "classifiers": [
                "Intended Audience :: Developers",
                "Development Status :: 5 - Production/Stable",
                "Programming Language :: Python :: 3.11",
                LGPL,
            ],
        },
        address=Address("src/ai/backend/common", target_name="dist"),
    )


@pytest.mark.parametrize(
    "component, text, content_type",
    [
        pytest.param("common", "# Backend.AI Common\n", "text/markdown", id="README.md"),
        pytest.param("agent", "Backend.AI Agent\n================\n", "text/x-rst", id="README.rst-before-README"),
        pytest.param("client", "Backend.AI Client SDK\n", "text/plain", id="README"),
    ],
)
def test_package_readme_and_its_content_type(rule_runner: RuleRunner, component: str, text: str, content_type: str) -> None:
    configure(rule_runner, "--distribution-metadata-long-description=readme")
    kwargs = setup_kwargs(rule_runner, component).kwargs
    assert (kwargs["long_description"], kwargs["long_description_content_type"]) == (text, content_type)


def test_readme_edits_are_seen_and_a_missing_readme_adds_nothing(rule_runner: RuleRunner) -> None:
    configure(rule_runner, "--distribution-metadata-long-description=readme")
    rule_runner.write_files({"src/ai/backend/common/README.md": "# Edited\n"})
    assert setup_kwargs(rule_runner, "common").kwargs["long_description"] == "# Edited\n"
    rule_runner.write_files({"src/ai/backend/web/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-webserver"))'})
    kwargs = setup_kwargs(rule_runner, "web").kwargs
    assert "long_description" not in kwargs and "long_description_content_type" not in kwargs


def test_the_distribution_s_own_keywords_win(rule_runner: RuleRunner) -> None:
    configure(rule_runner, *SETTINGS)
    rule_runner.write_files(
        {
            "src/ai/backend/client/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    provides=python_artifact(
                        name="backend.ai-client",
                        description="Backend.AI Client SDK",
                        license="MIT",
                        author="The SDK team",
                        url="https://github.com/lablup/backend.ai-client-py",
                        python_requires=">=3.8",
                        long_description="Written in BUILD",
                        project_urls={"Documentation": "https://client-py.docs.backend.ai/"},
                    ),
                )
                """
            ),
        }
    )
    kwargs = setup_kwargs(rule_runner, "client").kwargs
    assert {k: kwargs[k] for k in ("author", "url", "python_requires", "long_description", "project_urls")} == {
        "author": "The SDK team",
        "url": "https://github.com/lablup/backend.ai-client-py",
        "python_requires": ">=3.8",
        "long_description": "Written in BUILD",
        "project_urls": {"Documentation": "https://client-py.docs.backend.ai/"},
    }
    assert "long_description_content_type" not in kwargs
    # Its classifiers follow its own python_requires, within [python].interpreter_versions_universe.
    assert [c for c in kwargs["classifiers"] if c.startswith("Programming Language")] == [
        f"Programming Language :: Python :: 3.{minor}" for minor in range(8, 13)
    ]


def test_owned_keywords_are_refused_every_one_named(rule_runner: RuleRunner) -> None:
    configure(rule_runner, *SETTINGS, "--distribution-metadata-owned-keywords=['url', 'author', 'zip_safe', 'version']")
    rule_runner.write_files(
        {
            "src/ai/backend/client/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    provides=python_artifact(
                        name="backend.ai-client", description="SDK", version="23.09.5", zip_safe=True, author="x",
                    ),
                )
                """
            ),
        }
    )
    with engine_error(
        DistributionMetadataError,
        contains=(
            "src/ai/backend/client:dist: `provides` sets keywords that `[distribution-metadata].owned_keywords` "
            "reserves for the plugin (got `author`, `version`, `zip_safe`); remove them from the target"
        ),
    ):
        setup_kwargs(rule_runner, "client")


def test_name_prefix_is_required(rule_runner: RuleRunner) -> None:
    configure(rule_runner, *SETTINGS)
    rule_runner.write_files(
        {"src/ai/backend/web/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="webserver", description="Web"))'}
    )
    with engine_error(
        DistributionMetadataError,
        contains=(
            "src/ai/backend/web:dist: the distribution name must start with `backend.ai-` "
            "(`[distribution-metadata].name_prefix`) (got `webserver`); rename it in `provides`"
        ),
    ):
        setup_kwargs(rule_runner, "web")


def test_description_is_required(rule_runner: RuleRunner) -> None:
    configure(rule_runner, *SETTINGS)
    rule_runner.write_files(
        {"src/ai/backend/web/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-webserver"))'}
    )
    with engine_error(
        DistributionMetadataError,
        contains=(
            "src/ai/backend/web:dist: `provides` lacks a `description`, which "
            "`[distribution-metadata].require_description` requires (got none); add `description=\"...\"` to its "
            "`python_artifact(...)`"
        ),
    ):
        setup_kwargs(rule_runner, "web")


@pytest.mark.parametrize(
    "constraints, expected",
    [
        pytest.param(["CPython==3.11.*"], (">=3.11,<3.12", ["3.11"]), id="prefix-match"),
        pytest.param(["CPython>=3.10,<3.12"], (">=3.10,<3.12", ["3.10", "3.11"]), id="range"),
    ],
)
def test_python_requires_from_python_interpreter_constraints(rule_runner: RuleRunner, constraints, expected) -> None:
    configure(rule_runner, "--distribution-metadata-python-requires=from-constraints", constraints=constraints)
    kwargs = setup_kwargs(rule_runner, "client").kwargs
    requires, minors = expected
    assert (kwargs["python_requires"], kwargs["classifiers"]) == (
        requires,
        ["Development Status :: 5 - Production/Stable", *(f"Programming Language :: Python :: {m}" for m in minors)],
    )


def test_python_requires_from_the_constraints_pants_packages_with(rule_runner: RuleRunner) -> None:
    configure(rule_runner, "--distribution-metadata-python-requires=from-constraints", constraints=["CPython>=3.9,<3.13"])
    rule_runner.write_files(
        {
            # The distribution's own field narrows [python]'s, and so does a source it packages.
            "src/ai/backend/client/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    provides=python_artifact(name="backend.ai-client"),
                    interpreter_constraints=["CPython>=3.10,<3.13"],
                )
                """
            ),
            "src/ai/backend/common/BUILD": dedent(
                """\
                python_sources(name="src", interpreter_constraints=["CPython>=3.9,<3.12"])

                python_distribution(
                    name="dist",
                    dependencies=[":src"],
                    provides=python_artifact(name="backend.ai-common"),
                    interpreter_constraints=["CPython>=3.10,<3.13"],
                )
                """
            ),
        }
    )
    assert setup_kwargs(rule_runner, "client").kwargs["python_requires"] == ">=3.10,<3.13"
    assert setup_kwargs(rule_runner, "common").kwargs["python_requires"] == ">=3.10,<3.12"


def test_python_requires_that_cannot_be_derived_is_refused(rule_runner: RuleRunner) -> None:
    configure(
        rule_runner, "--distribution-metadata-python-requires=from-constraints", constraints=["CPython==3.10.*", "CPython==3.11.*"]
    )
    with engine_error(
        DistributionMetadataError,
        contains=(
            "src/ai/backend/client:dist: cannot derive `python_requires` from several interpreter constraints "
            "(got `CPython==3.10.* OR CPython==3.11.*`); Pants packages a distribution with one: write them as one "
            "constraint, such as `CPython>=3.10,<3.12`"
        ),
    ):
        setup_kwargs(rule_runner, "client")


def test_a_bad_setting_names_the_option(rule_runner: RuleRunner) -> None:
    configure(rule_runner, "--distribution-metadata-owned-keywords=['license']")
    with engine_error(DistributionMetadataError, contains="`[distribution-metadata].owned_keywords`: names keywords the plugin never sets (got `license`)"):
        setup_kwargs(rule_runner, "client")
