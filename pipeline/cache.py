"""A content-addressed cache of rendered audio, so a rebuild redoes only what changed.

Entries are raw PCM behind a small header (magic, format version, sample rate, length, BLAKE2 digest),
written to a temporary name and renamed into place. A read verifies the header and digest: a missing,
truncated or corrupt entry is a miss (and is removed), never a crash and never silence in the book.

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

import platformdirs

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MAGIC = b"ABKC"
_HEADER = struct.Struct("<4sHIQ16s")  # magic, format version, sample rate, payload bytes, digest


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
        return self.root / kind / key[:2] / f"{key}.pcm"

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
        return self._path(kind, key).is_file()

    def put(self, kind: str, key: str, pcm: bytes, *, sample_rate: int) -> None:
        """Store `pcm` atomically: readers see the whole entry or none."""
        path = self._path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = _HEADER.pack(_MAGIC, FORMAT_VERSION, sample_rate, len(pcm), _digest(pcm))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcm")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(header)
                out.write(pcm)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def size(self) -> tuple[int, int]:
        """(number of entries, bytes on disk)."""
        count = total = 0
        if self.root.is_dir():
            for path in self.root.rglob("*.pcm"):
                count += 1
                total += path.stat().st_size
        return count, total

    def clear(self) -> None:
        for kind in ("sentences", "chapters"):
            shutil.rmtree(self.root / kind, ignore_errors=True)
