"""The real `pants package ::` and `pants release-version --check` in a copy of the example, as CI runs them."""

from __future__ import annotations

import zipfile
from email.parser import Parser
from pathlib import Path

from example_repo import SharedExample

SERVER_SIDE = ["agent", "client", "common", "kernel", "manager", "storage-proxy", "webserver"]
"""Every distribution that declares no version of its own, the client SDK included."""


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
    assert wheels["backend.ai-plugin-sdk"].get_all("Classifier") == ["Development Status :: 5 - Production/Stable"]
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
    # The example's own setupgen plugin extends the stamping through the extension point.
    assert wheels["backend.ai-manager"]["Home-page"] == "https://github.com/lablup/backend.ai"
    assert wheels["backend.ai-manager"].get_payload().startswith("# Backend.AI Manager")
    assert (repo / "dist/backend.ai_common-24.9.0rc1-py3-none-any.whl").is_file()
