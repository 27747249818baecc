"""The open-data files an import reads, read as published, and the content hash they make.

The files are CSV: some gzip-compressed (`name.csv.gz`), some opening with a UTF-8 byte-order
mark, and ESCO's with line breaks inside quoted fields (so they are opened with `newline=""`
and parsed by `csv`, never split by line). Every file read is hashed; the hash of all of them
is the taxonomy version, so the same inputs always name the same version.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path


def locate(folder: Path, name: str) -> Path:
    """`folder/name`, or its gzip-compressed copy `folder/name.gz`."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"neither {folder / name} nor {folder / name}.gz exists")


def read_rows(path: Path, comments: bool = False) -> Iterator[dict[str, str]]:
    """The records of a CSV file (gzip or not) as dicts; `comments` skips lines opening with #.

    Only files without multi-line fields may use `comments` (a quoted field's continuation
    line could start with #).
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as handle:
        lines = (line for line in handle if not line.startswith("#")) if comments else handle
        yield from csv.DictReader(lines)


class Inputs:
    """What one import read: files under a data folder (and any extra content), each hashed."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.digests: dict[str, str] = {}

    def has(self, folder: str) -> bool:
        """Whether the data folder holds the data set `folder` (e.g. "onet")."""
        return self.data_dir is not None and (self.data_dir / folder).is_dir()

    def rows(self, folder: str, name: str) -> Iterator[dict[str, str]]:
        """The records of `<data_dir>/<folder>/<name>` (or `.gz`), recording the file's hash."""
        if self.data_dir is None:
            raise FileNotFoundError(f"no data folder to read {folder}/{name} from")
        path = locate(self.data_dir / folder, name)
        self.digests[f"{folder}/{path.name}"] = _file_digest(path)
        return read_rows(path)

    def shipped_rows(self, path: Path) -> Iterator[dict[str, str]]:
        """The records of a file shipped with the code (comment lines allowed), hashed too."""
        self.digests[f"routeways/{path.name}"] = _file_digest(path)
        return read_rows(path, comments=True)

    def record(self, name: str, content: bytes) -> None:
        """Hash content that is not a file (the demo taxonomy) as an input."""
        self.digests[name] = hashlib.sha256(content).hexdigest()

    def content_hash(self) -> str:
        """SHA-256 over every input's name and digest, in name order."""
        digest = hashlib.sha256()
        for name in sorted(self.digests):
            digest.update(f"{name}\0{self.digests[name]}\n".encode())
        return digest.hexdigest()

    def sources(self) -> dict[str, object]:
        """Provenance kept with the version: the folder and each input's short digest."""
        files = {name: value[:16] for name, value in sorted(self.digests.items())}
        folder = str(self.data_dir) if self.data_dir is not None else None
        return {"data_dir": folder, "content_hash": self.content_hash(), "files": files}


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
