"""The real `pants package ::` and `pants release-version --check` in a copy of the example, as CI runs them."""

from __future__ import annotations

import zipfile
from email.parser import Parser
from pathlib import Path

from example_repo import SharedExample

SERVER_SIDE = ["agent", "client", "common", "kernel", "manager", "storage-proxy", "webserver"]
"""Every distribution that declares no version of its own, the client SDK included."""

REPOSITORY_CLASSIFIERS = [
    "Intended Audience :: Developers",
    "Operating System :: MacOS :: MacOS X",
    "Operating System :: POSIX :: Linux",
    "Programming Language :: Python :: 3",
]
"""`[distribution-metadata].classifiers` in the example's pants.toml."""


def metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def test_package_stamps_every_distribution_without_a_version(example: SharedExample) -> None:
    repo = example.root
    check = example.run("release-version", "--check").assert_success()
    assert check.stdout == ""
    example.run("package", "::").assert_success()

    wheels = {metadata(w)["Name"]: metadata(w) for w in sorted((repo / "dist").glob("*.whl"))}
    assert sorted(wheels) == sorted([f"backend.ai-{name}" for name in SERVER_SIDE] + ["backend.ai-plugin-sdk"])
    for name in SERVER_SIDE:
        meta = wheels[f"backend.ai-{name}"]
        # 24.09.0rc1 in VERSION: the padded minor is stripped, the pre-release kept.
        assert meta["Version"] == "24.9.0rc1"
        assert "Development Status :: 4 - Beta" in meta.get_all("Classifier")
    # The one independent distribution keeps the version it declares.
    assert wheels["backend.ai-plugin-sdk"]["Version"] == "1.4.0"
    assert wheels["backend.ai-plugin-sdk"].get_all("Classifier") == [
        *REPOSITORY_CLASSIFIERS,
        "Development Status :: 5 - Production/Stable",
        "Programming Language :: Python :: 3.9",
        "License :: OSI Approved :: MIT License",
    ]
    assert sorted(wheels["backend.ai-webserver"].get_all("Requires-Dist")) == [
        "backend.ai-client (==24.9.0rc1)",
        "backend.ai-common (==24.9.0rc1)",
    ]
    assert sorted(wheels["backend.ai-manager"].get_all("Requires-Dist")) == [
        "backend.ai-common (==24.9.0rc1)",
        "backend.ai-plugin-sdk (==1.4.0)",
    ]
    for name in ("agent", "storage-proxy"):
        assert wheels[f"backend.ai-{name}"].get_all("Requires-Dist") == ["backend.ai-common (==24.9.0rc1)"]
    assert wheels["backend.ai-kernel"].get_all("Requires-Dist") == ["attrs (==24.2.0)"]
    assert (repo / "dist/backend.ai_common-24.9.0rc1-py3-none-any.whl").is_file()


def test_package_writes_the_repository_metadata(example: SharedExample) -> None:
    example.run("package", "::").assert_success()
    wheels = {metadata(w)["Name"]: metadata(w) for w in sorted((example.root / "dist").glob("*.whl"))}

    # `[distribution-metadata]` in the example's pants.toml, for every distribution.
    for name, meta in wheels.items():
        assert (meta["Author"], meta["Home-page"], meta["Requires-Python"]) == (
            "Lablup Inc. and contributors",
            "https://github.com/lablup/backend.ai",
            ">=3.9,<3.10",
        ), name
    manager = wheels["backend.ai-manager"]
    assert manager.get_all("Classifier") == [
        *REPOSITORY_CLASSIFIERS,
        "Development Status :: 4 - Beta",
        "Programming Language :: Python :: 3.9",
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
    ]
    assert manager["Description-Content-Type"] == "text/markdown"
    assert manager.get_payload() == (example.root / "src/ai/backend/manager/README.md").read_text()
    # A distribution without a README gets no long description.
    assert wheels["backend.ai-agent"]["Description-Content-Type"] is None
    # The example's own setupgen plugin adds, through the extension point, a changelog link at the
    # release tag of the stamped version; the independent plugin SDK gets none.
    assert manager.get_all("Project-URL") == [
        "Documentation, https://docs.backend.ai/",
        "Source, https://github.com/lablup/backend.ai",
        "Changelog, https://github.com/lablup/backend.ai/blob/24.09.0rc1/CHANGELOG.md",
    ]
    assert wheels["backend.ai-plugin-sdk"].get_all("Project-URL") == [
        "Documentation, https://docs.backend.ai/",
        "Source, https://github.com/lablup/backend.ai",
    ]
