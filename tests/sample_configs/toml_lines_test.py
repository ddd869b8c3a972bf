"""The line-level TOML reader: the document a TOML parser builds, for samples no parser accepts."""

from __future__ import annotations

from textwrap import dedent

import pytest
import tomli
from real_formats import AGENT_SAMPLE, WEBSERVER_CONF

from calver_release.sample_configs.toml_lines import TomlLines, read_toml_lines, split_key


def test_a_sample_with_placeholder_tables_reads_as_if_they_were_quoted() -> None:
    """Backend.AI's `[service-discovery.extra-labels.<name>]`: tomli refuses the file, the reader takes `<name>` as a key."""
    with pytest.raises(tomli.TOMLDecodeError):
        tomli.loads(AGENT_SAMPLE)
    quoted = tomli.loads(AGENT_SAMPLE.replace("<name>", '"<name>"'))
    assert read_toml_lines(AGENT_SAMPLE) == TomlLines(quoted, skipped=(), raw_values=())


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(WEBSERVER_CONF, id="webserver-sample-conf"),
        pytest.param(
            dedent(
                '''\
                title = """first
                [not a table]
                last"""
                paths = [  # where to look
                  "/a]",   # a bracket in a string
                  '/b',
                ]
                [a."b.c"]
                "x y" = { k = [1, 2], s = "}" }
                [[a.list]]
                n = 1
                [[a.list]]
                n = 2
                [a.list.sub]
                m = 3
                '''
            ),
            id="multi-line-values-quoted-keys-arrays-of-tables",
        ),
    ],
)
def test_valid_toml_reads_as_the_parser_reads_it(text: str) -> None:
    assert read_toml_lines(text) == TomlLines(tomli.loads(text), skipped=(), raw_values=())


def test_lines_it_cannot_read_are_skipped_and_values_that_are_not_toml_kept_as_text() -> None:
    text = '[db\nport = 1\nadvertised-host ""\nurl = http://x  # comment\n[ok]\nk = 2\n'
    assert read_toml_lines(text) == TomlLines(
        {"port": 1, "url": "http://x", "ok": {"k": 2}}, skipped=(1, 3), raw_values=(4,)
    )


@pytest.mark.parametrize(
    "text, key",
    [
        pytest.param("a.b", ("a", "b"), id="dotted"),
        pytest.param(' a . "b.c" ', ("a", "b.c"), id="quoted-with-dot"),
        pytest.param("service-discovery.extra-labels.<name>", ("service-discovery", "extra-labels", "<name>"), id="placeholder"),
        pytest.param("'lit\\eral'.x", ("lit\\eral", "x"), id="literal"),
        pytest.param("a..b", None, id="empty-segment"),
        pytest.param("a b", None, id="space-inside"),
        pytest.param("", None, id="empty"),
    ],
)
def test_split_key(text: str, key) -> None:
    assert split_key(text) == key
