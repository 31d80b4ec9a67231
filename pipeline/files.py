"""Files on disk: names that are safe on any filesystem, and work folders beside the file they make, so a
finished file is renamed into place (never copied, never left half-written under its final name)."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
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
