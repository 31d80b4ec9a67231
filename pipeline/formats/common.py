"""What every output format shares: file names, per-chapter keys, atomic writes and work folders.

An output is up to date when the key recorded in it (an ID3 or MP4 tag) or its bytes equal what this build
would write; then it is left alone. A chapter's key covers exactly what its file is made from, so a one-word
edit redoes one chapter's files and not the others'.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from ..audio.cache import key
from ..audio.timeline import BuiltBook, TimedChapter
from ..files import safe_filename
from ..m4b.ffmetadata import chapter_title

KEY_VERSION = "formats-1"  # bump when any format's layout changes, so every output is redone once


def title_of(chapter: TimedChapter) -> str:
    """The chapter's title exactly as the M4B's chapter list shows it."""
    return chapter_title(chapter.title) or f"Chapter {chapter.number}"


def digits(book: BuiltBook) -> int:
    return max(2, len(str(len(book.chapters))))


def chapter_stem(book: BuiltBook, chapter: TimedChapter) -> str:
    """`NN - Title`: sorts in reading order in any file manager, safe on any filesystem."""
    return safe_filename(f"{chapter.number:0{digits(book)}d} - {title_of(chapter)}", suffix="", max_bytes=200)


def is_chapter_file(path: Path, suffixes: tuple[str, ...]) -> bool:
    """Whether `path` is named as `chapter_stem` names files (so it may be removed when it is stale)."""
    return path.suffix in suffixes and re.match(r"\d{2,} - ", path.name) is not None


def book_key(book: BuiltBook, kind: str, *settings: object) -> str:
    return key(KEY_VERSION, kind, book.fingerprint, *settings)


def chapter_key(book: BuiltBook, chapter: TimedChapter, kind: str, *settings: object) -> str:
    """Everything a chapter's own file depends on: its audio, number and title, the book's tags and cover,
    and the number of chapters (track "3 of 12")."""
    meta = book.metadata.key_fields()
    return key(
        KEY_VERSION,
        kind,
        [segment.key for segment in chapter.job.segments],
        chapter.number,
        title_of(chapter),
        len(book.chapters),
        meta,
        hashlib.blake2b(book.cover, digest_size=16).hexdigest(),
        *settings,
    )


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly that; True if it was written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its files are private (0600), and these are for sharing; open() honours the umask.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def remove_stale(folder: Path, keep: set[Path], suffixes: tuple[str, ...]) -> None:
    """Remove chapter files this build did not make (a chapter renamed or gone), and nothing else."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path not in keep and is_chapter_file(path, suffixes):
            path.unlink(missing_ok=True)


def cover_suffix(cover: bytes) -> str:
    return ".png" if cover.startswith(b"\x89PNG\r\n\x1a\n") else ".jpg"


def cover_mime(cover: bytes) -> str:
    return "image/png" if cover_suffix(cover) == ".png" else "image/jpeg"
