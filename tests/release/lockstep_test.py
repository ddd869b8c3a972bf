"""Which distributions are lockstep, what version and classifiers they get."""

from __future__ import annotations

import pytest

from calver_release.release.calver import CalVer
from calver_release.release.lockstep import (
    StampingError,
    built_version,
    is_lockstep,
    kind_of,
    with_development_status,
)

INDEPENDENT = ("*-client", "*-sdk")


@pytest.mark.parametrize(
    "name, declared, has_version, expected",
    [
        pytest.param("backend.ai-manager", None, False, True, id="no-version-is-lockstep"),
        pytest.param("backend.ai-client", None, False, True, id="no-version-is-lockstep-whatever-its-name"),
        pytest.param("backend.ai-manager", None, True, True, id="version-without-pattern-is-lockstep"),
        pytest.param("backend.ai-client", None, True, False, id="version-and-client-pattern"),
        pytest.param("Backend.AI-Client", None, True, False, id="case-insensitive"),
        pytest.param("my-sdk", None, True, False, id="version-and-sdk-pattern"),
        pytest.param("backend.ai-client", True, True, True, id="field-forces-lockstep"),
        pytest.param("backend.ai-manager", False, True, False, id="field-forces-independent"),
        pytest.param("backend.ai-manager", False, False, False, id="field-without-version"),
    ],
)
def test_is_lockstep(name: str, declared, has_version: bool, expected: bool) -> None:
    assert is_lockstep(name, declared, has_version, INDEPENDENT) is expected


@pytest.mark.parametrize(
    "version, classifiers, expected",
    [
        pytest.param("24.9.0.dev0", [], ("Development Status :: 2 - Pre-Alpha",), id="dev"),
        pytest.param("24.9.0a1.dev0", [], ("Development Status :: 2 - Pre-Alpha",), id="dev-of-alpha"),
        pytest.param("24.9.0a1", [], ("Development Status :: 3 - Alpha",), id="alpha"),
        pytest.param("24.9.0b2", [], ("Development Status :: 4 - Beta",), id="beta"),
        pytest.param("24.9.0rc1", [], ("Development Status :: 4 - Beta",), id="rc"),
        pytest.param("24.9.0", [], ("Development Status :: 5 - Production/Stable",), id="final"),
        pytest.param("22.3.11.post1", [], ("Development Status :: 5 - Production/Stable",), id="post"),
        pytest.param("1.2.3", [], ("Development Status :: 5 - Production/Stable",), id="semver-sdk"),
        pytest.param(
            "24.9.0rc1",
            ["License :: OSI Approved :: MIT License"],
            ("License :: OSI Approved :: MIT License", "Development Status :: 4 - Beta"),
            id="appended-to-others",
        ),
        pytest.param(
            "24.9.0rc1",
            ["Development Status :: 1 - Planning"],
            ("Development Status :: 1 - Planning",),
            id="kept-when-set",
        ),
    ],
)
def test_development_status(version: str, classifiers: list, expected: tuple) -> None:
    assert with_development_status(classifiers, version) == expected


def test_kind_of_agrees_with_the_calver_model() -> None:
    for text in ("24.09.0.dev0", "24.09.0a2.dev1", "24.09.0a1", "24.09.0b1", "24.09.0rc1", "24.09.0", "24.09.0.post1"):
        assert kind_of(text) is CalVer.parse(text).kind


@pytest.mark.parametrize(
    "lockstep, declared, expected",
    [
        pytest.param(True, None, "24.9.0rc1", id="stamped-stripped"),
        pytest.param(True, "24.09.0rc1", "24.9.0rc1", id="same-version-declared"),
        pytest.param(True, "24.9.0rc1", "24.9.0rc1", id="same-version-stripped"),
        pytest.param(False, "24.09.1", "24.9.1", id="independent-normalized"),
        pytest.param(False, "1.2.3", "1.2.3", id="independent-semver"),
    ],
)
def test_built_version(lockstep: bool, declared, expected) -> None:
    assert built_version("src/a:dist", lockstep, CalVer.parse("24.09.0rc1"), declared) == expected


def test_a_different_declared_version_is_an_error_naming_the_target() -> None:
    with pytest.raises(StampingError) as error:
        built_version("src/ai/backend/agent:dist", True, CalVer.parse("24.09.0rc1"), "24.09.0")
    assert str(error.value) == (
        "src/ai/backend/agent:dist: `version='24.09.0'` in `provides` differs from the monorepo version "
        "`24.9.0rc1` this lockstep distribution is built with; remove it, or set "
        "`calver_lockstep=False` on the target to release it with its own version"
    )


def test_an_independent_distribution_without_a_version_is_an_error_naming_the_target() -> None:
    with pytest.raises(StampingError) as error:
        built_version("src/ai/backend/helpers:dist", False, None, None)
    assert str(error.value) == (
        "src/ai/backend/helpers:dist: an independent distribution needs its own `version` in `provides` "
        "(got `calver_lockstep=False` and no `version`); add one, or remove `calver_lockstep=False` to "
        "build it with the monorepo version"
    )


def test_an_invalid_declared_version_is_an_error_naming_the_target() -> None:
    with pytest.raises(StampingError) as error:
        built_version("src/ai/backend/client:dist", False, None, "1.4.x")
    assert str(error.value) == (
        "src/ai/backend/client:dist: `version='1.4.x'` in `provides` is not a PEP 440 version "
        "(got `1.4.x`); write one such as `1.4.0`"
    )
