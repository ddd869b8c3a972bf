"""The files of one commit, read from git objects: no checkout, a handful of git processes per read.

Within `shared_blob_reader`, every read shares one `git cat-file --batch` process.

Paths are relative to the repository object's root (the build root), as `git -C root` sees them.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Dict, Iterable, Iterator, Mapping, Optional, Sequence

from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.git_globs import pathspec_regex
from calver_release.runtime.shell import shell_command

BlobTexts = Dict[str, str]
"""Blob id -> text: shared between the commits of one plan, so an unchanged file is read once."""



class CommitFiles:
    """The files of `commit`: listed with `git ls-tree`, read with one `git cat-file --batch` per call."""

    def __init__(self, repo: GitRepo, commit: str, texts: Optional[BlobTexts] = None) -> None:
        self.repo = repo
        self.commit = commit
        self._texts: BlobTexts = {} if texts is None else texts
        self._everything: Optional[Dict[str, str]] = None
        self._blobs: Dict[str, Optional[str]] = {}

    @classmethod
    def of(cls, repo: GitRepo, rev: str, texts: Optional[BlobTexts] = None) -> CommitFiles:
        """The files of the commit `rev` names; GitError when it names none."""
        commit = repo.rev_parse(rev)
        if commit is None:
            raise GitError(
                f"`{rev}`: no such commit in `{repo.root}`; check the name with `{shell_command('git', 'log', rev)}`"
            )
        return cls(repo, commit, texts)

    def listing(self, *pathspecs: str) -> Dict[str, str]:
        """`{path: blob id}` of the files under `pathspecs` (files or directories), or of every file.

        Once every file has been listed, later listings are filtered from that one: no git process.
        """
        if self._everything is not None:
            if not pathspecs:
                return dict(self._everything)
            prefixes = tuple(f"{spec.rstrip('/')}/" for spec in pathspecs)
            return {path: oid for path, oid in self._everything.items() if path in pathspecs or path.startswith(prefixes)}
        output = self.repo.run("ls-tree", "-r", "-z", self.commit, "--", *pathspecs).stdout
        blobs = {}
        for entry in filter(None, output.split("\0")):
            meta, path = entry.split("\t", 1)
            _mode, kind, oid = meta.split()
            if kind == "blob":
                blobs[path] = oid
        if not pathspecs:
            self._everything = dict(blobs)
        return blobs

    def glob(self, *patterns: str) -> Dict[str, str]:
        """`{path: blob id}` of the files matching any git glob pattern (`configs/**`, `**/sample.toml`).

        Matched against the commit's whole listing (`git_globs`, git's `:(glob)` rules), so a commit
        already listed costs no git process.
        """
        if not patterns:
            return {}
        selected = pathspec_regex(tuple(patterns))
        return {path: oid for path, oid in self.listing().items() if selected.fullmatch(path)}

    def blob(self, path: str) -> Optional[str]:
        """The blob id of the file at `path`, or None when the commit has no such file (looked up once)."""
        if path not in self._blobs:
            listing = self._everything if self._everything is not None else self.listing(path)
            self._blobs[path] = listing.get(path)
        return self._blobs[path]

    def text(self, path: str) -> Optional[str]:
        """The text of the file at `path`, or None when the commit has no such file."""
        return self.read({path: oid} if (oid := self.blob(path)) else {}).get(path)

    def read(self, blobs: Mapping[str, str]) -> Dict[str, str]:
        """`{path: text}` for a `{path: blob id}` listing; blobs not read before come from one `git cat-file`."""
        missing = sorted(set(blobs.values()) - self._texts.keys())
        self._texts.update(read_blobs(self.repo, missing))
        return {path: self._texts[oid] for path, oid in blobs.items()}


def read_blobs(repo: GitRepo, oids: Iterable[str]) -> BlobTexts:
    """`{blob id: text}` for many blobs: through the open `shared_blob_reader` of `repo`, or one `git cat-file --batch`."""
    wanted = list(oids)
    if not wanted:
        return {}
    reader = _SHARED_READER.get()
    if reader is not None and reader.repo.root == repo.root:
        return reader.read(wanted)
    env = repo.process_env()
    proc = subprocess.run(
        repo.argv(env, "cat-file", "--batch"),
        input="".join(f"{oid}\n" for oid in wanted).encode(),
        capture_output=True,
        env=env,
        close_fds=False,
    )
    if proc.returncode != 0:
        raise repo.error(("cat-file", "--batch"), proc)
    texts, offset = {}, 0
    for oid in wanted:
        header_end = proc.stdout.index(b"\n", offset)
        size = int(proc.stdout[offset:header_end].split()[2])
        start = header_end + 1
        texts[oid] = proc.stdout[start : start + size].decode("utf-8", errors="replace")
        offset = start + size + 1
    return texts


class BlobReader:
    """One `git cat-file --batch` process answering many reads, a chunk of blob ids at a time.

    A chunk's ids (at most 40 kB) fit in the pipe to git while git fills the pipe back, so neither
    side waits on the other.
    """

    CHUNK = 500

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        env = repo.process_env()
        try:
            self._proc = subprocess.Popen(
                repo.argv(env, "cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                close_fds=False,
            )
        except OSError as e:
            raise GitError(f"`git`: cannot run it ({e.strerror}) (got PATH `{env.get('PATH', '')}`); install git") from None

    def read(self, oids: Sequence[str]) -> BlobTexts:
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        texts = {}
        for start in range(0, len(oids), self.CHUNK):
            chunk = oids[start : start + self.CHUNK]
            stdin.write("".join(f"{oid}\n" for oid in chunk).encode())
            stdin.flush()
            for oid in chunk:
                header = stdout.readline().split()
                if len(header) != 3:
                    got = b" ".join(header).decode(errors="replace") or "no answer"
                    raise GitError(f"`git cat-file --batch` failed: `{oid}` (got {got}); run again")
                size = int(header[2])
                texts[oid] = stdout.read(size + 1)[:size].decode("utf-8", errors="replace")
        return texts

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


_SHARED_READER: ContextVar[Optional[BlobReader]] = ContextVar("calver_release_blob_reader", default=None)


@contextmanager
def shared_blob_reader(repo: GitRepo) -> Iterator[None]:
    """Within the block, every read of `repo`'s blobs goes through one `git cat-file --batch` process.

    A step reading many small sets of files (versions, inis, revision directories, samples, lockfiles)
    pays for one git process instead of one a read. Nested blocks for the same repository share it.
    """
    current = _SHARED_READER.get()
    if current is not None and current.repo.root == repo.root:
        yield
        return
    reader = BlobReader(repo)
    token = _SHARED_READER.set(reader)
    try:
        yield
    finally:
        _SHARED_READER.reset(token)
        reader.close()
