"""`docs/reference/` is what the plugin's option registrations say, page for page."""

from __future__ import annotations

from pathlib import Path

from generate_reference import COMMAND, REFERENCE_DIR, plugin_scopes, reference_pages


def test_the_checked_in_reference_is_what_the_code_declares() -> None:
    expected = reference_pages()
    actual = {str(path): path.read_text() for path in sorted(Path(REFERENCE_DIR).glob("*.md"))}
    stale = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    differ = sorted(path for path in set(actual) & set(expected) if actual[path] != expected[path])
    assert not (stale or missing or differ), (
        f"{REFERENCE_DIR} is out of date (differ: {differ}, missing: {missing}, stale: {stale}); run `{COMMAND}`"
    )


def test_every_scope_the_backend_registers_is_documented() -> None:
    scopes = {(scope.scope, scope.is_goal) for scope in plugin_scopes()}
    assert scopes == {
        ("backport", True),
        ("distribution-metadata", False),
        ("halfstack", False),
        ("halfstack-upgrade", True),
        ("release-version", True),
        ("topic-switch", True),
        ("upgrade-notes", True),
    }

