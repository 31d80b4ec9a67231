"""A content-addressed cache of rendered audio, so a rebuild redoes only what changed.

Kinds of entry: `sentences` (PCM of one spoken sentence), `aac` (one chapter, levelled and encoded) and
`chapters` (JSON: a chapter's length and its sentences' times). Audio entries carry a small header (magic,
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

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
}
KINDS = tuple(_SUFFIX)


def default_root() -> Path:
    env = os.environ.get("AUDIOBOOK_CACHE")
    if env:
        return Path(env).expanduser()
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

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / f"{key}{_SUFFIX.get(kind, '.bin')}"

    def get(self, kind: str, key: str, *, sample_rate: int) -> bytes | None:
        """The PCM stored under `key`, or None if absent or damaged (a damaged entry is removed)."""
        path = self._path(kind, key)
        try:
            blob = path.read_bytes()
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
        path.unlink(missing_ok=True)
        return None

    def contains(self, kind: str, key: str) -> bool:
        """Whether a whole entry is there (its size agrees with its header; `get` checks the digest too)."""
        path = self._path(kind, key)
        try:
            with path.open("rb") as fh:
                header = fh.read(_HEADER.size)
                size = path.stat().st_size
        except OSError:
            return False
        if len(header) < _HEADER.size:
            return False
        magic, version, _, length, _ = _HEADER.unpack(header)
        return (magic, version) == (_MAGIC, FORMAT_VERSION) and size == _HEADER.size + length

    def put(self, kind: str, key: str, data: bytes, *, sample_rate: int) -> None:
        """Store audio `data` atomically: readers see the whole entry or none."""
        header = _HEADER.pack(_MAGIC, FORMAT_VERSION, sample_rate, len(data), _digest(data))
        self._write(self._path(kind, key), header, data)

    def get_json(self, kind: str, key: str) -> Any:
        """The JSON value stored under `key`, or None if absent or damaged (a damaged entry is removed)."""
        path = self._path(kind, key)
        try:
            entry = json.loads(path.read_bytes())
            if isinstance(entry, dict) and entry.get("key") == key and entry.get("version") == FORMAT_VERSION:
                return entry["value"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError):
            pass
        log.warning("cache entry %s is damaged; rendering again", path)
        path.unlink(missing_ok=True)
        return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        blob = json.dumps({"version": FORMAT_VERSION, "key": key, "value": value}, separators=(",", ":"))
        self._write(self._path(kind, key), blob.encode("utf-8"))

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

    def clear(self) -> None:
        for kind in (*KINDS, "work"):
            shutil.rmtree(self.root / kind, ignore_errors=True)
