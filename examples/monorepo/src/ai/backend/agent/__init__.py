from pathlib import Path

from ai.backend.common import __version__ as common_version

__version__ = (Path(__file__).parent / "VERSION").read_text().strip()

if __version__ != common_version:
    # Server-side components are released in lockstep: a mismatch is a broken installation.
    raise ImportError(f"backend.ai-agent {__version__} needs backend.ai-common {__version__}, found {common_version}")
