"""Sample formats: by suffix, or recognised by content; TOML that does not parse is read line by line."""

from __future__ import annotations

from textwrap import dedent
from typing import Optional

import pytest
import tomli
from real_formats import AGENT_SAMPLE, WEBSERVER_CONF

from calver_release.sample_configs.formats import SampleFormat, SampleReading, format_of, read_sample
from calver_release.sample_configs.toml_lines import read_toml_lines


@pytest.mark.parametrize(
    "path, text, expected",
    [
        pytest.param("configs/webserver/sample.conf", WEBSERVER_CONF, SampleFormat.TOML, id="toml-in-conf"),
        pytest.param("configs/agent/sample.conf", AGENT_SAMPLE, SampleFormat.TOML, id="placeholder-toml-in-conf"),
        pytest.param("configs/manager/sample.etcd.conf", '{"redis": {"addr": "127.0.0.1:8110"}}', SampleFormat.JSON, id="json-in-conf"),
        pytest.param("configs/agent/sample.toml", "not toml at all", SampleFormat.TOML, id="suffix-decides"),
        pytest.param("configs/agent/sample.yml", "a: 1\n", SampleFormat.YAML, id="yml"),
        pytest.param("configs/redis/sentinel.conf", "port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n", None, id="redis-conf"),
        pytest.param(
            "configs/systemd/backendai-agent.service",
            "[Unit]\nDescription=Backend.AI Agent\nRequires=docker.service\n\n[Service]\nType=simple\n",
            None,
            id="systemd-unit",
        ),
        pytest.param(
            "configs/manager/halfstack.alembic.ini",
            "[alembic]\nscript_location = ai.backend.manager.models:alembic\nsqlalchemy.url = postgresql://x@localhost/db\n",
            None,
            id="alembic-ini",
        ),
        pytest.param("configs/README", "Copy the samples, then edit them.\n", None, id="prose"),
        pytest.param("configs/empty.conf", "# nothing yet\n", None, id="only-comments"),
        pytest.param("configs/list.conf", "[1, 2]\n", None, id="json-array"),
    ],
)
def test_format_of(path: str, text: str, expected: Optional[SampleFormat]) -> None:
    assert format_of(path, text) is expected


def test_toml_that_does_not_parse_is_read_line_by_line_with_the_parsers_complaint() -> None:
    assert read_sample("configs/agent/sample.toml", AGENT_SAMPLE) == SampleReading(
        SampleFormat.TOML,
        read_toml_lines(AGENT_SAMPLE).document,
        line_wise="Invalid initial character for a key part (at line 19, column 33)",
    )


@pytest.mark.parametrize(
    "path, text, error",
    [
        pytest.param("configs/manager/sample.etcd.config.json", '{"redis": ', "Expecting value: line 1 column 11 (char 10)", id="json"),
        pytest.param("configs/agent/sample.yaml", "agent: [unclosed\n", "while parsing a flow sequence", id="yaml"),
    ],
)
def test_json_or_yaml_that_does_not_parse_is_not_read(path: str, text: str, error: str) -> None:
    reading = read_sample(path, text)
    assert reading is not None and (reading.document, reading.line_wise, reading.error) == (None, None, error)


def test_valid_samples_are_parsed() -> None:
    assert read_sample("configs/webserver/sample.conf", WEBSERVER_CONF) == SampleReading(SampleFormat.TOML, tomli.loads(WEBSERVER_CONF))
    assert read_sample("c/sample.yaml", dedent("a:\n  b: 1\n")) == SampleReading(SampleFormat.YAML, {"a": {"b": 1}})
    assert read_sample("c/empty.yaml", "") == SampleReading(SampleFormat.YAML, {})
    assert read_sample("configs/README", "prose") is None
