"""Sample version spellings for `calver_test.py`, many taken from Backend.AI's history."""

from __future__ import annotations

SPELLINGS = [
    # (id, as written, zero-padded canonical, unpadded canonical, PEP 440 form, kind value)
    ("final-padded", "24.09.0", "24.09.0", "24.9.0", "24.9.0", "final"),
    ("final-unpadded", "26.8.0", "26.08.0", "26.8.0", "26.8.0", "final"),
    ("year-zero", "00.01.0", "00.01.0", "00.1.0", "0.1.0", "final"),
    ("dev-dotted", "23.09.0.dev0", "23.09.0.dev0", "23.9.0.dev0", "23.9.0.dev0", "dev"),
    ("dev-no-dot", "24.03.0dev0", "24.03.0.dev0", "24.3.0.dev0", "24.3.0.dev0", "dev"),
    ("dev-no-number", "23.03.0a2.dev", "23.03.0a2.dev0", "23.3.0a2.dev0", "23.3.0a2.dev0", "dev"),
    ("alpha", "24.09.0a1", "24.09.0a1", "24.9.0a1", "24.9.0a1", "alpha"),
    ("alpha-spelled-out", "24.03.0-alpha1", "24.03.0a1", "24.3.0a1", "24.3.0a1", "alpha"),
    ("beta", "24.09.0b2", "24.09.0b2", "24.9.0b2", "24.9.0b2", "beta"),
    ("rc-dotted", "23.09.8.rc1", "23.09.8rc1", "23.9.8rc1", "23.9.8rc1", "rc"),
    ("rc-as-c", "24.03.0c1", "24.03.0rc1", "24.3.0rc1", "24.3.0rc1", "rc"),
    ("rc-unpadded", "26.8.0rc1", "26.08.0rc1", "26.8.0rc1", "26.8.0rc1", "rc"),
    ("rc-upper-case", "24.09.0RC1", "24.09.0rc1", "24.9.0rc1", "24.9.0rc1", "rc"),
    ("rc-no-number", "24.09.0rc", "24.09.0rc0", "24.9.0rc0", "24.9.0rc0", "rc"),
    ("post", "22.03.11.post1", "22.03.11.post1", "22.3.11.post1", "22.3.11.post1", "post"),
    ("post-implicit", "22.03.11-1", "22.03.11.post1", "22.3.11.post1", "22.3.11.post1", "post"),
    ("padded-patch", "24.09.01", "24.09.1", "24.9.1", "24.9.1", "final"),
]

INVALID = [
    # (id, as written, VersionError message)
    ("empty", "", "empty version (got ``); write `YY.MM.PATCH`, as in `24.09.0`"),
    ("not-pep440", "main", "not a PEP 440 version (got `main`); write `YY.MM.PATCH`, as in `24.09.0`"),
    (
        "v-prefix",
        "v0.7.0",
        "release versions have no `v` prefix (got `v0.7.0`); drop the `v` "
        "(it belongs to API versions such as `v8.20240915`)",
    ),
    (
        "upper-case-v-prefix",
        "V24.09.0",
        "release versions have no `v` prefix (got `V24.09.0`); drop the `v` "
        "(it belongs to API versions such as `v8.20240915`)",
    ),
    ("two-parts", "1.2", "a version has exactly three release parts (got `1.2`); write `YY.MM.PATCH`, as in `24.09.0`"),
    (
        "four-parts",
        "24.09.0.1",
        "a version has exactly three release parts (got `24.09.0.1`); write `YY.MM.PATCH`, as in `24.09.0`",
    ),
    ("local", "24.09.0+local", "a version has no local part (got `+local`); drop everything from `+`"),
    ("epoch", "1!24.09.0", "a version has no epoch (got `1!24.09.0`); drop the `N!` prefix"),
    ("epoch-zero", "0!24.09.0", "a version has no epoch (got `0!24.09.0`); drop the `N!` prefix"),
    (
        "four-digit-year",
        "2024.09.0",
        "the year must be written with two digits (got `2024`); write the last two digits of the year, as in `24.09.0`",
    ),
    (
        "one-digit-year",
        "5.1.0",
        "the year must be written with two digits (got `5`); write the last two digits of the year, as in `24.09.0`",
    ),
    (
        "trailing-newline",
        "24.09.0\n",
        "a version has no whitespace (got `24.09.0\\n`); remove it",
    ),
    ("leading-space", " 24.09.0", "a version has no whitespace (got ` 24.09.0`); remove it"),
    ("embedded-tab", "24.09.0\ta1", "a version has no whitespace (got `24.09.0\\ta1`); remove it"),
    ("minor-zero", "24.00.0", "the minor must be between 1 and 99 (got `0`); write `YY.MM.PATCH`, as in `24.09.0`"),
    ("minor-100", "24.100.0", "the minor must be between 1 and 99 (got `100`); write `YY.MM.PATCH`, as in `24.09.0`"),
    (
        "post-of-pre",
        "24.09.0rc1.post1",
        "a post-release cannot also be a pre-release or dev version (got `24.9.0rc1.post1`); "
        "release a new patch instead",
    ),
    (
        "post-with-dev",
        "24.09.0.post1.dev0",
        "a post-release cannot also be a pre-release or dev version (got `24.9.0.post1.dev0`); "
        "release a new patch instead",
    ),
]

ORDERED = [
    "24.03.1",
    "24.09.0.dev0",
    "24.09.0.dev1",
    "24.09.0a1.dev0",
    "24.09.0a1",
    "24.09.0a2.dev0",
    "24.09.0a2",
    "24.09.0b1",
    "24.09.0rc1",
    "24.09.0",
    "24.09.0.post1",
    "24.09.1.dev0",
    "24.12.0",
    "25.1.0",
]
"""Versions in ascending PEP 440 order."""
