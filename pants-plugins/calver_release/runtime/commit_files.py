"""The files of one commit, read from git objects: no checkout, a handful of git processes per read.

Paths are relative to the repository object's root (the build root), as `git -C root` sees them.
"""

from __future__ import annotations

import subprocess
from typing import Dict, Iterable, Mapping, Optional

from calver_release.runtime.git import GitError, GitRepo

BlobTexts = Dict[str, str]
"""Blob id -> text: shared between the commits of one plan, so an unchanged file is read once."""

EMPTY_TREES = {
    40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
"""The empty tree's id in SHA-1 and SHA-256 repositories, by the length of an object id (`git hash-object -t tree /dev/null`)."""


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
            raise GitError(f"`{rev}`: no such commit in `{repo.root}`; check the name with `git log {rev}`")
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

        `git ls-tree` takes no pathspec magic, so this diffs the empty tree against the commit;
        `--relative` keeps the paths relative to the root, as `listing` gives them, when the build root
        is a subdirectory of the repository.
        """
        if not patterns:
            return {}
        empty_tree = EMPTY_TREES[len(self.commit)]
        pathspecs = (f":(glob){pattern}" for pattern in patterns)
        args = ("diff-tree", "-r", "-z", "--raw", "--relative", empty_tree, self.commit, "--", *pathspecs)
        output = self.repo.run(*args).stdout
        fields = output.split("\0")
        entries = zip(fields[0::2], fields[1::2])
        return {path: meta.split()[3] for meta, path in entries if meta and meta.split()[1] != "160000"}

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
    """`{blob id: text}` for many blobs with a single `git cat-file --batch`."""
    wanted = list(oids)
    if not wanted:
        return {}
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
