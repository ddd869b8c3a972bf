__version__ = "1.4.0"


class AbstractPlugin:
    """What a third-party plugin implements; its interface changes on its own schedule."""

    name: str = ""
