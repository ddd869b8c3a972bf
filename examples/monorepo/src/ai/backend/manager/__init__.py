from pathlib import Path

__version__ = (Path(__file__).parent / "VERSION").read_text().strip()
from ai.backend.common import __version__ as common_version
