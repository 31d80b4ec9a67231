"""A content-addressed cache of rendered audio, so a rebuild redoes only what changed.

Kinds of entry: `sentences` (PCM of one spoken sentence), `aac` (one segment, levelled and encoded),
`chapters` (JSON: a segment's length and its sentences' times), `calibration` (a voice's gain), `covers`,
`inputs` (what the last build of a set of inputs made), `said` (what the speech stage said of a chapter's
paragraphs) and `books` (which entries each book's latest build uses, so `prune` can drop what no book
needs any more). Audio entries carry a small header (magic,
format version, sample rate, length, BLAKE2 digest); JSON entries carry their own key. Every entry is
written to a temporary name and renamed into place, and verified when read: a missing, truncated or corrupt
entry is a miss (and is removed), never a crash and never silence in the book.

Where it lives: `--cache DIR`, else $AUDIOBOOK_CACHE, else the user's cache folder
(~/.cache/audiobook-pipeline on Linux).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MAGIC = b"ABKC"
_HEADER = struct.Struct("<4sHIQ16s")  # magic, format version, sample rate, payload bytes, digest
_SUFFIX = {
    "sentences": ".pcm",
    "aac": ".aac",
    "chapters": ".json",
    "calibration": ".json",
    "covers": ".img",
    "inputs": ".json",
    "drafts": ".json",
    "said": ".json",
    "books": ".json",
}
KEPT = ("calibration",)  # a few bytes per voice, measured by synthesizing: never pruned
PRUNE_GRACE = 3600.0  # seconds: entries this new may belong to a build still running, so prune leaves them
KINDS = tuple(_SUFFIX)


def default_root() -> Path:
    env = os.environ.get("AUDIOBOOK_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs  # here, not above: a no-op rebuild with $AUDIOBOOK_CACHE set never needs it

    return Path(platformdirs.user_cache_dir("audiobook-pipeline"))


def key(*parts: object) -> str:
    """A stable key for everything that decides a piece of audio (engine identity, spoken text, ...)."""
    blob = json.dumps([FORMAT_VERSION, *parts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=20).hexdigest()


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True)
class Cache:
    root: Path
    # What this object has already found whole (audio entries) or read (segment records): a build asks
    # about every segment several times, and a rebuild's segments are nearly all in the cache. Only what
    # was found is remembered; a damaged entry is forgotten as it is removed.
    _whole: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)
    _read: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    def _path(self, kind: str, key: str) -> Path:
        return Path(self._file(kind, key))

    def _file(self, kind: str, key: str) -> str:
        return f"{os.fspath(self.root)}/{kind}/{key[:2]}/{key}{_SUFFIX.get(kind, '.bin')}"

    def get(self, kind: str, key: str, *, sample_rate: int) -> bytes | None:
        """The PCM stored under `key`, or None if absent or damaged (a damaged entry is removed)."""
        path = self._file(kind, key)
        try:
            with open(path, "rb", buffering=0) as fh:
                blob = fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); rendering again", path, exc)
            return None
        if len(blob) >= _HEADER.size:
            magic, version, rate, size, digest = _HEADER.unpack_from(blob)
            payload = memoryview(blob)[_HEADER.size :]
            if (magic, version, rate, size) == (
                _MAGIC,
                FORMAT_VERSION,
                sample_rate,
                len(payload),
            ) and _digest(payload) == digest:
                return bytes(payload)
        log.warning("cache entry %s is damaged; rendering again", path)
        self._forget(kind, key)
        return None

    def contains(self, kind: str, key: str) -> bool:
        """Whether a whole entry is there (its size agrees with its header; `get` checks the digest too)."""
        if (kind, key) in self._whole:
            return True
        try:
            with open(self._file(kind, key), "rb", buffering=0) as fh:
                header = fh.read(_HEADER.size)
                size = os.fstat(fh.fileno()).st_size
        except OSError:
            return False
        if len(header) < _HEADER.size:
            return False
        magic, version, _, length, _ = _HEADER.unpack(header)
        whole = (magic, version) == (_MAGIC, FORMAT_VERSION) and size == _HEADER.size + length
        if whole:
            self._whole.add((kind, key))
        return whole

    def put(self, kind: str, key: str, data: bytes, *, sample_rate: int) -> None:
        """Store audio `data` atomically: readers see the whole entry or none."""
        header = _HEADER.pack(_MAGIC, FORMAT_VERSION, sample_rate, len(data), _digest(data))
        self._whole.discard((kind, key))
        self._write(self._path(kind, key), header, data)

    def get_json(self, kind: str, key: str) -> Any:
        """The JSON value stored under `key`, or None if absent or damaged (a damaged entry is removed).
        A segment's record (kind `chapters`) is read once per Cache object: treat it as read-only."""
        if (kind, key) in self._read:
            return self._read[kind, key]
        path = self._file(kind, key)
        try:
            with open(path, "rb", buffering=0) as fh:
                entry = json.loads(fh.read())
            if isinstance(entry, dict) and entry.get("key") == key and entry.get("version") == FORMAT_VERSION:
                if kind == "chapters":
                    self._read[kind, key] = entry["value"]
                return entry["value"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError):
            pass
        log.warning("cache entry %s is damaged; rendering again", path)
        self._forget(kind, key)
        return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        blob = json.dumps({"version": FORMAT_VERSION, "key": key, "value": value}, separators=(",", ":"))
        self._read.pop((kind, key), None)
        self._write(self._path(kind, key), blob.encode("utf-8"))

    def _forget(self, kind: str, key: str) -> None:
        """Remove a damaged entry, and what this object remembered of it."""
        self._whole.discard((kind, key))
        self._read.pop((kind, key), None)
        Path(self._file(kind, key)).unlink(missing_ok=True)

    def _write(self, path: Path, *chunks: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def size(self) -> tuple[int, int]:
        """(number of entries, bytes on disk)."""
        count = total = 0
        if self.root.is_dir():
            for kind in KINDS:
                for path in (self.root / kind).rglob("*"):
                    if path.is_file():
                        count += 1
                        total += path.stat().st_size
        return count, total

    def remember(self, book: Path, used: dict[str, Iterable[str]], *, layout: Any = None) -> None:
        """Record the entries (kind -> keys) the latest build of `book`, its output file, uses, and what
        else the next build will want to know of the file (`layout`, see `m4b.reuse`)."""
        value = {"book": str(book), "entries": {kind: sorted(set(keys)) for kind, keys in used.items()}}
        if layout is not None:
            value["layout"] = layout
        self.put_json("books", key("book", str(book.absolute())), value)

    def remembered(self, book: Path) -> dict[str, Any]:
        """What `remember` recorded of `book` (empty if nothing)."""
        value = self.get_json("books", key("book", str(book.absolute())))
        return value if isinstance(value, dict) else {}

    def prune(self, *, grace: float = PRUNE_GRACE) -> tuple[int, int]:
        """Remove what no book needs any more: entries not used by the latest build of any book whose output
        file still exists (audio of text since edited, of an old lexicon entry, of another voice), the
        records of books since deleted, and temporary files left by killed builds. Anything younger than
        `grace` seconds stays, since a build may be writing it now. Returns (entries removed, bytes freed)."""
        cutoff = time.time() - grace
        live: dict[str, set[str]] = {}
        removed = freed = 0
        for record in self._files("books"):
            value = self.get_json("books", record.stem)
            if isinstance(value, dict) and Path(str(value.get("book"))).is_file():
                for kind, keys in dict(value.get("entries") or {}).items():
                    live.setdefault(kind, set()).update(keys)
            elif _older(record, cutoff):
                removed, freed = removed + 1, freed + _remove(record)
        for kind in KINDS:
            if kind in (*KEPT, "books"):
                continue
            for path in self._files(kind):
                if path.stem not in live.get(kind, ()) and _older(path, cutoff):
                    removed, freed = removed + 1, freed + _remove(path)
        for leftover in [*self.root.glob("*/*/.tmp-*"), *self.root.glob("work/*")]:
            if _older(leftover, cutoff):
                freed += _remove(leftover)
        return removed, freed

    def _files(self, kind: str) -> Iterable[Path]:
        suffix = _SUFFIX[kind]
        return (p for p in (self.root / kind).glob(f"*/*{suffix}") if not p.name.startswith(".tmp-"))

    def clear(self) -> None:
        for kind in (*KINDS, "work"):
            shutil.rmtree(self.root / kind, ignore_errors=True)


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.lstat().st_mtime < cutoff
    except OSError:
        return False


def _remove(path: Path) -> int:
    """Delete a file or folder; the bytes it held (0 if it was already gone)."""
    try:
        if path.is_dir() and not path.is_symlink():
            size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            shutil.rmtree(path, ignore_errors=True)
            return size
        size = path.lstat().st_size
        path.unlink()
        return size
    except OSError:
        return 0
