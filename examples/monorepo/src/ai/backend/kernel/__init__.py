from pathlib import Path

import attrs

__version__ = (Path(__file__).parent / "VERSION").read_text().strip()


@attrs.define
class KernelSpec:
    """What the agent asks the kernel runner to start."""

    image: str
    cores: int = 1
