"""Replacing a file atomically: the one way the plugin writes a file a user or a resumed run reads.

`python -m calver_release.runtime.files PATH TEXT` does the same from a process, which is how the
goals write under the build root as a side effect the engine knows about.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional, Sequence


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a dot-file beside `path`, then rename it over `path`.

    An interruption leaves the old content (or no file), never a half-written one. The dot-file
    keeps Pants' file watcher from seeing the intermediate state. A symlink stays a symlink: the
    file it points to is replaced (callers check first that it lies where they may write).
    """
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.calver-new")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m calver_release.runtime.files PATH TEXT", file=sys.stderr)
        return 2
    try:
        write_atomically(Path(args[0]), args[1])
    except OSError as e:
        print(f"`{args[0]}`: cannot be written ({e.strerror}); it was left unchanged", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
