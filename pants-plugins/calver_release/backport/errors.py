"""The error every step of `pants backport` raises for a request or history it cannot go on with."""

from __future__ import annotations


class BackportError(ValueError):
    """A backport request or run that cannot go on; the message is one line for the user."""
