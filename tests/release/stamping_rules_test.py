"""RuleRunner tests of stamping: which distributions get the monorepo version, pins, classifiers, errors, the extension point."""

from __future__ import annotations

from textwrap import dedent

import pytest
from conftest import release_earlier_rule_runners
from pants.backend.python.macros.python_artifact import PythonArtifact
from pants.backend.python.target_types import PythonDistribution, PythonSourcesGeneratorTarget
from pants.backend.python import target_types_rules
from pants.backend.python.util_rules import package_dists
from pants.backend.python.util_rules.package_dists import (
    DependencyOwner,
    ExportedTarget,
    ExportedTargetRequirements,
    SetupKwargs,
)
from pants.engine.addresses import Address
from pants.engine.rules import rule
from pants.engine.unions import UnionRule
from pants.testutil.rule_runner import QueryRule, RuleRunner, engine_error

from calver_release import register
from calver_release.release.lockstep import StampingError
from calver_release.release.extension import CalverSetupKwargsRequest

FILES = {
    "VERSION": "24.09.0rc1\n",
    "common/lib.py": "",
    "common/BUILD": dedent(
        """\
        python_sources(name="src")

        python_distribution(
            name="dist",
            dependencies=[":src"],
            provides=python_artifact(name="backend.ai-common", description="commons"),
        )
        """
    ),
    "manager/BUILD": dedent(
        """\
        python_distribution(
            name="dist",
            dependencies=["common:dist"],
            provides=python_artifact(
                name="backend.ai-manager",
                classifiers=["Development Status :: 1 - Planning"],
            ),
        )
        """
    ),
    "client/BUILD": dedent(
        """\
        python_distribution(
            name="dist",
            dependencies=["common:dist"],
            provides=python_artifact(name="backend.ai-client", version="24.09.1"),
        )
        """
    ),
}


class UrlSetupKwargsRequest(CalverSetupKwargsRequest):
    """An extension as a repository's own setup-kwargs plugin would write it."""


@rule
async def add_url(request: UrlSetupKwargsRequest) -> SetupKwargs:
    return SetupKwargs({**request.stamped.kwargs, "url": "https://example.com"}, address=request.target.address)


class VersionChangingRequest(CalverSetupKwargsRequest):
    @classmethod
    def is_applicable(cls, target) -> bool:
        return target.address.spec_path == "manager"


@rule
async def change_version(request: VersionChangingRequest) -> SetupKwargs:
    return SetupKwargs({**request.stamped.kwargs, "version": "1.0"}, address=request.target.address)


def make_rule_runner(*extra_rules) -> RuleRunner:
    release_earlier_rule_runners()
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *package_dists.rules(),
            *target_types_rules.rules(),
            *extra_rules,
            QueryRule(SetupKwargs, (ExportedTarget,)),
            QueryRule(ExportedTargetRequirements, (DependencyOwner,)),
        ],
        target_types=[PythonDistribution, PythonSourcesGeneratorTarget],
        objects={"python_artifact": PythonArtifact},
    )
    # The Rust import parser keeps dependency inference from needing the pex tool.
    rule_runner.set_options(["--python-infer-use-rust-parser"])
    rule_runner.write_files(FILES)
    return rule_runner


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner()


def setup_kwargs(rule_runner: RuleRunner, path: str) -> SetupKwargs:
    target = rule_runner.get_target(Address(path, target_name="dist"))
    return rule_runner.request(SetupKwargs, [ExportedTarget(target)])


def test_lockstep_distribution_is_stamped(rule_runner: RuleRunner) -> None:
    assert setup_kwargs(rule_runner, "common") == SetupKwargs(
        {
            "name": "backend.ai-common",
            "description": "commons",
            "version": "24.9.0rc1",
            "classifiers": ["Development Status :: 4 - Beta"],
        },
        address=Address("common", target_name="dist"),
    )


def test_build_file_classifier_is_kept(rule_runner: RuleRunner) -> None:
    assert setup_kwargs(rule_runner, "manager").kwargs["classifiers"] == ["Development Status :: 1 - Planning"]


def test_independent_distribution_keeps_its_version_normalized(rule_runner: RuleRunner) -> None:
    kwargs = setup_kwargs(rule_runner, "client").kwargs
    assert (kwargs["version"], kwargs["classifiers"]) == ("24.9.1", ["Development Status :: 5 - Production/Stable"])


@pytest.mark.parametrize("name", ["manager", "client"])
def test_pins_on_lockstep_components_are_exact_and_stripped(rule_runner: RuleRunner, name: str) -> None:
    target = rule_runner.get_target(Address(name, target_name="dist"))
    requirements = rule_runner.request(ExportedTargetRequirements, [DependencyOwner(ExportedTarget(target))])
    assert list(requirements) == ["backend.ai-common==24.9.0rc1"]


def test_version_follows_edits_to_version_file(rule_runner: RuleRunner) -> None:
    assert setup_kwargs(rule_runner, "common").kwargs["version"] == "24.9.0rc1"
    rule_runner.write_files({"VERSION": "24.09.0\n"})
    kwargs = setup_kwargs(rule_runner, "common").kwargs
    assert (kwargs["version"], kwargs["classifiers"]) == ("24.9.0", ["Development Status :: 5 - Production/Stable"])


def test_conflicting_version_names_the_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "agent/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-agent", version="24.03.0"))',
        }
    )
    with engine_error(
        StampingError,
        contains=(
            "agent:dist: `version='24.03.0'` in `provides` differs from the monorepo version `24.9.0rc1` this "
            "lockstep distribution is built with; remove it, or set `calver_lockstep=False` on the target to "
            "release it with its own version"
        ),
    ):
        setup_kwargs(rule_runner, "agent")


def test_repository_without_declared_versions_is_stamped_whole(rule_runner: RuleRunner) -> None:
    # As in Backend.AI: no distribution declares a version, the client SDK included, although
    # its name matches the default `independent_distributions`.
    rule_runner.write_files(
        {
            "client/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    dependencies=["common:dist"],
                    provides=python_artifact(name="backend.ai-client"),
                )
                """
            ),
            "web/BUILD": 'python_distribution(name="dist", dependencies=["client:dist"], provides=python_artifact(name="backend.ai-webserver"))',
        }
    )
    versions = {path: setup_kwargs(rule_runner, path).kwargs["version"] for path in ("common", "manager", "client", "web")}
    assert versions == {"common": "24.9.0rc1", "manager": "24.9.0rc1", "client": "24.9.0rc1", "web": "24.9.0rc1"}
    assert setup_kwargs(rule_runner, "client") == SetupKwargs(
        {"name": "backend.ai-client", "version": "24.9.0rc1", "classifiers": ["Development Status :: 4 - Beta"]},
        address=Address("client", target_name="dist"),
    )
    web = rule_runner.get_target(Address("web", target_name="dist"))
    requirements = rule_runner.request(ExportedTargetRequirements, [DependencyOwner(ExportedTarget(web))])
    assert list(requirements) == ["backend.ai-client==24.9.0rc1", "backend.ai-common==24.9.0rc1"]


def test_independent_distribution_without_a_version_is_our_error_not_pants(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "helpers/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    provides=python_artifact(name="backend.ai-kernel-helper"),
                    calver_lockstep=False,
                )
                """
            ),
        }
    )
    # Without the plugin's check, Pants' own `InvalidSetupPyArgs: Missing a version kwarg` would be raised.
    with engine_error(
        StampingError,
        contains=(
            "helpers:dist: an independent distribution needs its own `version` in `provides` (got "
            "`calver_lockstep=False` and no `version`); add one, or remove `calver_lockstep=False` to "
            "build it with the monorepo version"
        ),
    ):
        setup_kwargs(rule_runner, "helpers")


def test_declared_version_without_a_matching_pattern_must_be_the_monorepo_one(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {"agent/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-agent", version="24.9.0rc1"))'}
    )
    assert setup_kwargs(rule_runner, "agent").kwargs["version"] == "24.9.0rc1"


def test_calver_lockstep_field_overrides_the_name_patterns(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "agent/BUILD": dedent(
                """\
                python_distribution(
                    name="dist",
                    provides=python_artifact(name="backend.ai-agent", version="1.2.3"),
                    calver_lockstep=False,
                )
                """
            ),
        }
    )
    assert setup_kwargs(rule_runner, "agent").kwargs["version"] == "1.2.3"


def test_unusable_version_file_is_an_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0\n24.09.1\n"})
    with engine_error(StampingError, contains="`VERSION`: the version file holds 2 lines"):
        setup_kwargs(rule_runner, "common")


def test_extension_point_adds_kwargs() -> None:
    rule_runner = make_rule_runner(add_url, UnionRule(CalverSetupKwargsRequest, UrlSetupKwargsRequest))
    kwargs = setup_kwargs(rule_runner, "common").kwargs
    assert (kwargs["url"], kwargs["version"]) == ("https://example.com", "24.9.0rc1")


def test_extension_may_not_change_the_version() -> None:
    rule_runner = make_rule_runner(change_version, UnionRule(CalverSetupKwargsRequest, VersionChangingRequest))
    assert setup_kwargs(rule_runner, "common").kwargs["version"] == "24.9.0rc1"
    with engine_error(
        StampingError,
        contains="manager:dist: `VersionChangingRequest` changed the version from `24.9.0rc1` to `1.0`; extensions may not",
    ):
        setup_kwargs(rule_runner, "manager")
