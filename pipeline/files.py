"""Files on disk: names that are safe on any filesystem, work folders beside the file they make, so a
finished file is renamed into place (never copied, never left half-written under its final name), and the
lock that keeps two builds from writing one book at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from .model import Metadata

_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_filename(name: str, *, suffix: str, max_bytes: int = 240) -> str:
    """A file name safe on any filesystem: no separators or reserved characters, not reserved, not too long."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = re.sub(r'[\\/:*?"<>|]+', " ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"audiobook {name}".strip()
    limit = max_bytes - len(suffix.encode())
    while len(name.encode("utf-8")) > limit:
        name = name[:-1]
    return name.rstrip(" .") + suffix


def output_name(meta: Metadata) -> str:
    return safe_filename(f"{meta.author} - {meta.title}", suffix=".m4b")


@contextlib.contextmanager
def work_folder(dest: Path) -> Iterator[Path]:
    """A temporary folder beside `dest` (same filesystem, so the finished file is renamed into place, not
    copied), removed afterwards whatever happened."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


LOCK_POLL = 0.05  # seconds between tries while waiting for a lock


def lock(path: Path, *, wait: float = 0.0) -> int | None:
    """An exclusive lock on the file `path` (made if need be), held until `unlock(it)`; None if another
    process still holds it after `wait` seconds. The system lets go of it when its process ends, killed
    or not, so a crashed build never leaves a book locked (flock, as filelock's Unix lock)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(min(LOCK_POLL, max(0.0, deadline - time.monotonic())))
        except BaseException:
            os.close(fd)
            raise


def unlock(held: int) -> None:
    fcntl.flock(held, fcntl.LOCK_UN)
    os.close(held)
