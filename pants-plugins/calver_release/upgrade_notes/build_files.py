"""The distributions and requirements files a commit's BUILD files declare, read statically (no checkout, no Pants).

BUILD files are Python: each is parsed with `ast`, and the module-level calls that matter are read
from their literal arguments: `python_distribution(name=..., provides=python_artifact(name=...,
version=...), calver_lockstep=...)`, and the requirements generators with the file they read
(`python_requirements(source=...)`, default `requirements.txt`; `poetry_requirements`,
`pipenv_requirements`). BUILD files are the files named like `[GLOBAL].build_patterns` outside
`[GLOBAL].build_ignore` and `pants_ignore` (gitignore syntax). Targets a macro creates are not
seen. A BUILD file that is not valid Python, or a call whose values are not literals, is reported
with the reason and skipped.
"""

from __future__ import annotations

import ast
import fnmatch
import posixpath
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git_globs import glob_regex

REQUIREMENT_GENERATORS = {
    "python_requirements": "requirements.txt",
    "poetry_requirements": "pyproject.toml",
    "pipenv_requirements": "Pipfile.lock",
}
"""Target generators that read a requirements file, and the file each reads by default."""

ARTIFACT_CALLS = ("python_artifact", "setup_py")
"""What `provides=` is written with (`setup_py` is the older name)."""

_MARKERS = ("python_distribution", *REQUIREMENT_GENERATORS)


class BuildFileError(ValueError):
    """A BUILD file that cannot be read statically; the message says why and where."""


@dataclass(frozen=True)
class DeclaredDistribution:
    """A `python_distribution` as its BUILD file declares it; `version` and `lockstep` None when not given."""

    address: str
    name: str
    version: Optional[str]
    lockstep: Optional[bool]


@dataclass(frozen=True)
class Declarations:
    """What one BUILD file declares."""

    distributions: Tuple[DeclaredDistribution, ...] = ()
    requirement_files: Tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildFiles:
    """What the BUILD files of a commit declare, and the BUILD files that could not be read (path, reason)."""

    distributions: Tuple[DeclaredDistribution, ...]
    requirement_files: Tuple[str, ...]
    not_read: Tuple[Tuple[str, str], ...]


ParsedBuildFiles = Dict[Tuple[str, str], Union[Declarations, BuildFileError]]
"""(blob id, path) -> what it declares: a BUILD file unchanged between two commits is parsed once."""


def read_build_files(
    files: CommitFiles, patterns: Sequence[str], ignore: Sequence[str], parsed: Optional[ParsedBuildFiles] = None
) -> BuildFiles:
    """What the commit's BUILD files declare (read with one `git ls-tree` and one `git cat-file`)."""
    parsed = {} if parsed is None else parsed
    blobs = {path: oid for path, oid in files.listing().items() if is_build_file(path, patterns, ignore)}
    texts = files.read(blobs)
    distributions: List[DeclaredDistribution] = []
    requirement_files: List[str] = []
    not_read: List[Tuple[str, str]] = []
    for path in sorted(blobs):
        key = (blobs[path], path)
        if key not in parsed:
            try:
                parsed[key] = declarations(path, texts[path])
            except BuildFileError as e:
                parsed[key] = e
        result = parsed[key]
        if isinstance(result, BuildFileError):
            not_read.append((path, str(result)))
            continue
        distributions.extend(result.distributions)
        requirement_files.extend(result.requirement_files)
    return BuildFiles(tuple(distributions), tuple(sorted(set(requirement_files))), tuple(not_read))


def is_build_file(path: str, patterns: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether Pants reads `path` as a BUILD file: its name matches a pattern and no ignore rule hides it."""
    name = posixpath.basename(path)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns) and not is_ignored(path, ignore)


def is_ignored(path: str, rules: Sequence[str]) -> bool:
    """gitignore semantics: the last matching rule decides (`!` re-includes), and an ignored directory hides all below it."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        is_dir = depth < len(parts)
        if _last_match("/".join(parts[:depth]), is_dir, rules):
            return True
    return False


def _last_match(path: str, is_dir: bool, rules: Sequence[str]) -> bool:
    ignored = False
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule[1:] if negated else rule
        if pattern.endswith("/") and not is_dir:
            continue
        pattern = pattern.rstrip("/")
        anchored = "/" in pattern
        target = path if anchored else posixpath.basename(path)
        if pattern and glob_regex(pattern.lstrip("/")).fullmatch(target):
            ignored = not negated
    return ignored


def declarations(path: str, text: str) -> Declarations:
    """The distributions and requirements files one BUILD file declares; BuildFileError when it cannot be read."""
    if not any(marker in text for marker in _MARKERS):
        return Declarations()
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        raise BuildFileError(f"not valid Python (got a syntax error on line {e.lineno})") from None
    directory = posixpath.dirname(path)
    distributions, requirement_files = [], []
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
        function = call.func.id if call and isinstance(call.func, ast.Name) else None
        if call is None or function is None:
            continue
        if function == "python_distribution":
            distributions.append(distribution(call, directory))
        elif function in REQUIREMENT_GENERATORS:
            source = literal(call, "source", str, REQUIREMENT_GENERATORS[function])
            requirement_files.append(posixpath.normpath(posixpath.join(directory, source)))
    return Declarations(tuple(distributions), tuple(requirement_files))


def distribution(call: ast.Call, directory: str) -> DeclaredDistribution:
    """A `python_distribution(...)` call read from its literal arguments."""
    target_name = literal(call, "name", str, posixpath.basename(directory) or "root")
    provides = keyword(call, "provides")
    if not (isinstance(provides, ast.Call) and isinstance(provides.func, ast.Name) and provides.func.id in ARTIFACT_CALLS):
        raise BuildFileError(
            f"`python_distribution` on line {call.lineno}: `provides` is not a `python_artifact(...)` call"
        )
    name = literal(provides, "name", str, None)
    if not name:
        raise BuildFileError(f"`python_distribution` on line {call.lineno}: `python_artifact` has no literal `name`")
    version = literal(provides, "version", str, None)
    lockstep = literal(call, "calver_lockstep", bool, None)
    return DeclaredDistribution(address(directory, target_name), name, version, lockstep)


def keyword(call: ast.Call, name: str) -> Optional[ast.expr]:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def literal(call: ast.Call, name: str, kind: type, default: object) -> object:
    """The literal value of the keyword argument `name` (of type `kind` or None), or `default` without one."""
    node = keyword(call, name)
    if node is None:
        return default
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = node
    if value is not None and not isinstance(value, kind):
        raise BuildFileError(
            f"`{call.func.id}` on line {call.lineno}: `{name}` is not a literal {kind.__name__}"  # type: ignore[attr-defined]
            f" (got `{ast.unparse(node)}`)"
        )
    return value


def address(directory: str, target_name: str) -> str:
    """The target's address as Pants writes it: `src/manager:dist`, `src/manager` for the default name, `//:dist`."""
    if not directory:
        return f"//:{target_name}"
    return directory if target_name == posixpath.basename(directory) else f"{directory}:{target_name}"

