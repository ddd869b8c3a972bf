"""Sample-config diffs between two commits: key changes, recognition by content, samples that do not parse."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Any, Dict

import pytest
import tomli
from conftest import git
from real_formats import AGENT_SAMPLE, WEBSERVER_CONF

from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitRepo
from calver_release.sample_configs.diff import (
    ConfigChange,
    ConfigChangeError,
    describe,
    diff_configs,
    SampleDiff,
    compare_samples,
    diff_documents,
    flatten,
)
from calver_release.sample_configs.formats import SampleFormat, SampleReading
from calver_release.sample_configs.toml_lines import read_toml_lines

OLD_FILES = {
    "configs/manager/sample.toml": dedent("""\
        [db]
        type = "postgresql"
        addr = { host = "127.0.0.1", port = 8100 }

        [manager]
        num-proc = 4
        hide-agents = true
        """),
    "configs/manager/sample.etcd.config.json": '{"redis": {"addr": "127.0.0.1:8110"}, '
    '"docker": {"registry": {}}}',
    "configs/agent/sample.yaml": "agent:\n  rpc-listen-addr: 0.0.0.0:6001\n  ports: [30000, 31000]\n",
    "configs/storage-proxy/sample.toml": '[etcd]\nnamespace = "local"\n',
    "configs/README.md": "Copy the samples.\n",
    "docs/sample.toml": "[ignored]\nkey = 1\n",
}

NEW_FILES = {
    "configs/manager/sample.toml": dedent("""\
        [db]
        type = "postgresql"
        addr = { host = "127.0.0.1", port = 8101 }
        pool-size = 8

        [manager]
        num-proc = 4
        """),
    "configs/manager/sample.etcd.config.json": '{"redis": {"addr": "127.0.0.1:8110"}, '
    '"docker": {"registry": {"cr.backend.ai": "https://cr.backend.ai"}}}',
    "configs/agent/sample.yaml": "agent:\n  rpc-listen-addr: 0.0.0.0:6001\n  ports: [30000, 32000]\n",
    "configs/app-proxy/sample.yml": "proxy:\n  port: 10200\n",
    "configs/README.md": "Copy the samples, then edit them.\n",
    "docs/sample.toml": "[ignored]\nkey = 2\n",
}


def files(repo: Path, rev: str) -> CommitFiles:
    return CommitFiles.of(GitRepo(repo), rev)


def commit_tree(repo: Path, files: Dict[str, str], message: str) -> None:
    """Make the tracked files exactly `files` and commit them."""
    git(repo, "rm", "-r", "-q", "--cached", "--ignore-unmatch", ".")
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message)
    git(repo, "tag", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit_tree(tmp_path, OLD_FILES, "old")
    commit_tree(tmp_path, NEW_FILES, "new")
    return tmp_path


def test_diff_configs_reports_keys_of_toml_json_and_yaml(repo: Path) -> None:
    assert diff_configs(files(repo, "old"), files(repo, "new")) == (
        ConfigChange("configs/agent/sample.yaml", "agent.ports", "changed", [30000, 31000], [30000, 32000]),
        ConfigChange("configs/app-proxy/sample.yml", "", "added", None, None),
        ConfigChange("configs/manager/sample.etcd.config.json", "docker.registry", "removed", {}, None),
        ConfigChange(
            "configs/manager/sample.etcd.config.json",
            "docker.registry.cr.backend.ai",
            "added",
            None,
            "https://cr.backend.ai",
        ),
        ConfigChange("configs/manager/sample.toml", "db.addr.port", "changed", 8100, 8101),
        ConfigChange("configs/manager/sample.toml", "db.pool-size", "added", None, 8),
        ConfigChange("configs/manager/sample.toml", "manager.hide-agents", "removed", True, None),
        ConfigChange("configs/storage-proxy/sample.toml", "", "removed", None, None),
    )


def test_diff_configs_with_custom_globs(repo: Path) -> None:
    assert diff_configs(files(repo, "old"), files(repo, "new"), globs=("docs/*.toml", "**/sample*.yaml")) == (
        ConfigChange("configs/agent/sample.yaml", "agent.ports", "changed", [30000, 31000], [30000, 32000]),
        ConfigChange("docs/sample.toml", "ignored.key", "changed", 1, 2),
    )


def test_diff_configs_without_changes(repo: Path) -> None:
    assert diff_configs(files(repo, "new"), files(repo, "new")) == ()


@pytest.mark.parametrize(
    "path, text, message",
    [
        pytest.param(
            "configs/manager/sample.etcd.config.json",
            '{"redis": ',
            "configs/manager/sample.etcd.config.json: cannot parse the sample config "
            "(got Expecting value: line 1 "
            "column 11 (char 10)); fix the file's syntax",
            id="json",
        ),
        pytest.param(
            "configs/agent/sample.yaml",
            "agent: [unclosed\n",
            "configs/agent/sample.yaml: cannot parse the sample config (got while parsing a flow sequence); "
            "fix the file's syntax",
            id="yaml",
        ),
    ],
)
def test_unparsable_json_or_yaml_is_rejected(repo: Path, path: str, text: str, message: str) -> None:
    commit_tree(repo, {**NEW_FILES, path: text}, "broken")
    with pytest.raises(ConfigChangeError) as error:
        diff_configs(files(repo, "new"), files(repo, "broken"))
    assert str(error.value) == message


def test_a_toml_sample_that_does_not_parse_is_compared_line_by_line(repo: Path) -> None:
    """topic-switch's report keeps working on Backend.AI's 26.x samples (`<name>` tables)."""
    agent = AGENT_SAMPLE.replace('value = "<value>"', 'value = "<value>"\nrequired = false')
    commit_tree(repo, {**NEW_FILES, "configs/agent/sample.toml": AGENT_SAMPLE}, "placeholders")
    commit_tree(repo, {**NEW_FILES, "configs/agent/sample.toml": agent}, "placeholders-2")
    assert diff_configs(files(repo, "placeholders"), files(repo, "placeholders-2")) == (
        ConfigChange("configs/agent/sample.toml", "service-discovery.extra-labels.<name>.required", "added", None, False),
    )


def test_compare_samples_recognises_content_and_says_how_each_side_was_read(repo: Path) -> None:
    old = {
        "configs/webserver/sample.conf": WEBSERVER_CONF,
        "configs/agent/sample.toml": AGENT_SAMPLE.replace("<name>", "example"),
        "configs/manager/sample.etcd.config.json": '{"redis": {"addr": "127.0.0.1:8110"}}',
        "configs/redis/sentinel.conf": "port 26379\n",
    }
    new = {
        "configs/webserver/sample.conf": WEBSERVER_CONF.replace("port = 8080", "port = 8090"),
        "configs/agent/sample.toml": AGENT_SAMPLE,
        "configs/manager/sample.etcd.config.json": '{"redis": ',
        "configs/redis/sentinel.conf": "port 26380\n",
    }
    commit_tree(repo, old, "samples")
    commit_tree(repo, new, "samples-2")
    webserver_old, webserver_new = (tomli.loads(text["configs/webserver/sample.conf"]) for text in (old, new))
    example_labels = tomli.loads(old["configs/agent/sample.toml"])
    assert compare_samples(files(repo, "samples"), files(repo, "samples-2"), ("configs/**",)) == (
        SampleDiff(
            "configs/agent/sample.toml",
            SampleReading(SampleFormat.TOML, example_labels),
            SampleReading(
                SampleFormat.TOML,
                read_toml_lines(AGENT_SAMPLE).document,
                line_wise="Invalid initial character for a key part (at line 19, column 33)",
            ),
            (
                ConfigChange("configs/agent/sample.toml", "service-discovery.extra-labels.<name>.value", "added", None, "<value>"),
                ConfigChange("configs/agent/sample.toml", "service-discovery.extra-labels.example.value", "removed", "<value>", None),
            ),
        ),
        SampleDiff(
            "configs/manager/sample.etcd.config.json",
            SampleReading(SampleFormat.JSON, {"redis": {"addr": "127.0.0.1:8110"}}),
            SampleReading(SampleFormat.JSON, None, error="Expecting value: line 1 column 11 (char 10)"),
            (),
        ),
        SampleDiff(
            "configs/webserver/sample.conf",
            SampleReading(SampleFormat.TOML, webserver_old),
            SampleReading(SampleFormat.TOML, webserver_new),
            (ConfigChange("configs/webserver/sample.conf", "service.port", "changed", 8080, 8090),),
        ),
    )


@pytest.mark.parametrize(
    "glob, path, matches",
    [
        pytest.param("configs/**", "configs/manager/sample.toml", True, id="double-star-spans-directories"),
        pytest.param("configs/**", "configs.toml", False, id="double-star-needs-the-directory"),
        pytest.param("configs/*.toml", "configs/manager/sample.toml", False, id="star-stays-in-a-directory"),
        pytest.param(
            "configs/*/sample*.json", "configs/manager/sample.etcd.config.json", True, id="star-in-name"
        ),
        pytest.param("**/sample.toml", "sample.toml", True, id="leading-double-star-matches-root"),
        pytest.param("**/sample.toml", "a/b/sample.toml", True, id="leading-double-star-matches-nested"),
        pytest.param("configs/?.toml", "configs/a.toml", True, id="question-mark"),
        pytest.param("configs/a+b.toml", "configs/a+b.toml", True, id="regex-characters-are-literal"),
    ],
)
def test_config_globs_are_git_globs(tmp_path: Path, glob: str, path: str, matches: bool) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    commit_tree(tmp_path, {path: "{}"}, "only")
    assert (path in files(tmp_path, "only").glob(glob)) is matches


@pytest.mark.parametrize(
    "document, expected",
    [
        pytest.param({"a": {"b": 1, "c": {"d": [1, 2]}}}, {"a.b": 1, "a.c.d": [1, 2]}, id="nested"),
        pytest.param({"a": {}}, {"a": {}}, id="empty-table-is-a-leaf"),
        pytest.param({}, {"": {}}, id="empty-document"),
        pytest.param([1, 2], {"": [1, 2]}, id="non-table-document"),
    ],
)
def test_flatten(document: Any, expected: Dict[str, Any]) -> None:
    assert flatten(document) == expected


def test_diff_documents_table_replaced_by_value() -> None:
    assert diff_documents("c.toml", {"a": {"b": 1}}, {"a": 2}) == (
        ConfigChange("c.toml", "a", "added", None, 2),
        ConfigChange("c.toml", "a.b", "removed", 1, None),
    )


@pytest.mark.parametrize(
    "change, line",
    [
        pytest.param(ConfigChange("c.toml", "", "added", None, None), "c.toml: file added", id="file-added"),
        pytest.param(
            ConfigChange("c.toml", "", "removed", None, None), "c.toml: file removed", id="file-removed"
        ),
        pytest.param(
            ConfigChange("c.toml", "db.port", "added", None, 5), "c.toml: added `db.port` = 5", id="added"
        ),
        pytest.param(
            ConfigChange("c.toml", "db.port", "removed", 5, None),
            "c.toml: removed `db.port` (was 5)",
            id="removed",
        ),
        pytest.param(
            ConfigChange("c.toml", "db.host", "changed", "a", "b"),
            "c.toml: changed `db.host` from 'a' to 'b'",
            id="changed",
        ),
    ],
)
def test_describe(change: ConfigChange, line: str) -> None:
    assert describe(change) == line
