"""The Markdown link checker: GitHub's anchors, links outside code, and links that must fail."""

from __future__ import annotations

from textwrap import dedent

import pytest

from markdown_links import anchors, broken_links, links, slug


@pytest.mark.parametrize(
    "heading, expected",
    [
        pytest.param("Installation", "installation", id="lowercase"),
        pytest.param("`--check`", "--check", id="code-keeps-dashes"),
        pytest.param("`--tag-release`: the release commit and tag", "--tag-release-the-release-commit-and-tag", id="colon"),
        pytest.param("Distribution metadata: what a setup plugin did, as settings", "distribution-metadata-what-a-setup-plugin-did-as-settings", id="comma"),
        pytest.param("The `./pants` launcher", "the-pants-launcher", id="dots-and-slash"),
        pytest.param("`[release-version]`", "release-version", id="brackets"),
        pytest.param("`pants_toml` and `db_urls`", "pants_toml-and-db_urls", id="underscores-kept"),
        pytest.param("See [the guide](docs/a.md) now", "see-the-guide-now", id="link-text-only"),
        pytest.param("a  b", "a--b", id="each-space-a-dash"),
    ],
)
def test_slug(heading: str, expected: str) -> None:
    assert slug(heading) == expected


PAGE = dedent(
    """\
    # Title

    ## Usage
    ## Usage
    ## Usage ##

    ```bash
    # not a heading
    [not a link](missing.md)
    ```

    See [usage](#usage-1), ![a picture](img.png), `[code](nowhere.md)` and [site](https://example.com).
    [ref]: other.md#part
    """
)


def test_anchors_number_repeated_headings_and_skip_code() -> None:
    assert anchors(PAGE) == {"title", "usage", "usage-1", "usage-2"}


def test_links_outside_code_without_urls() -> None:
    assert links(PAGE) == [(12, "#usage-1"), (12, "img.png"), (13, "other.md#part")]


PAGES = {
    "README.md": "# Front\n\n[guide](docs/guide.md#setup), [index](docs/README.md), [top](#front)\n",
    "docs/README.md": "# Index\n\n[back](../README.md#front) and [guide](guide.md)\n",
    "docs/guide.md": "# Guide\n\n## Setup\n\n[generator](../build-support/generate.py)\n",
}


def test_links_that_resolve() -> None:
    assert broken_links(PAGES, exists={"build-support/generate.py"}.__contains__) == []


@pytest.mark.parametrize(
    "link, problem",
    [
        pytest.param("[x](docs/missing.md)", "`docs/missing.md` does not exist", id="missing-page"),
        pytest.param("[x](guide.md)", "`guide.md` does not exist", id="relative-to-the-page"),
        pytest.param("[x](docs/guide.md#install)", "`docs/guide.md` has no heading with the anchor `#install`", id="missing-anchor"),
        pytest.param("[x](#setup)", "`README.md` has no heading with the anchor `#setup`", id="missing-anchor-same-page"),
        pytest.param("[x](docs/guide.md#Setup)", "`docs/guide.md` has no heading with the anchor `#Setup`", id="anchors-are-lowercase"),
        pytest.param("[x](build-support/generate.py#L3)", "`build-support/generate.py` is no Markdown page whose headings could be checked", id="anchor-in-code"),
    ],
)
def test_links_that_must_fail(link: str, problem: str) -> None:
    pages = {**PAGES, "README.md": f"# Front\n\n{link}\n"}
    assert broken_links(pages, exists={"build-support/generate.py"}.__contains__) == [f"README.md:3: `{link[4:-1]}`: {problem}"]
