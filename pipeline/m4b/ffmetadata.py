"""Chapter marks and the FFMETADATA1 text that tells ffmpeg where they are and what they are called.

In: chapter marks in samples and the book's metadata. Out: text for `ffmpeg -f ffmetadata -i`, escaped so
that no title or tag, however hostile, can add a chapter, a key or a section.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence

from ..model import ChapterMark, Metadata

log = logging.getLogger(__name__)

# Nero `chpl` stores each title behind a one-byte length, so ffmpeg cuts it at 255 bytes, possibly inside
# a UTF-8 character (mutagen then refuses to open the file). We cut first, on a character boundary.
MAX_TITLE_BYTES = 255

_SPECIAL = re.compile(r"([=;#\\\n])")
_SPACES = re.compile(r"\s+")


def clean_text(text: str, *, one_line: bool) -> str:
    """`text` without control characters (NUL, CR, escape, ...); one-line text also has its runs of
    whitespace (newlines included) folded into single spaces. Format characters (bidi marks, ZWJ) stay."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if one_line:
        text = _SPACES.sub(" ", text)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    return text.strip()


def chapter_title(title: str) -> str:
    """The title exactly as both chapter formats will carry it: one line, trimmed, at most 255 UTF-8 bytes,
    and without trailing backslashes (see `_escape`)."""
    text = clean_text(title, one_line=True)
    raw = text.encode("utf-8")
    if len(raw) > MAX_TITLE_BYTES:
        text = raw[:MAX_TITLE_BYTES].decode("utf-8", "ignore").rstrip()
        log.warning("chapter title cut to %d bytes, the most a Nero chapter holds: %r", MAX_TITLE_BYTES, text)
    return _drop_trailing_backslashes(text)


def ffmetadata(marks: Sequence[ChapterMark], *, sample_rate: int, metadata: Metadata | None = None) -> str:
    """The FFMETADATA1 document for `marks` (and the book's tags, if given).

    TIMEBASE is 1/1000: START and END are the marks' positions rounded to the millisecond. (With a
    timebase of 1/sample_rate, ffmpeg's mov muxer overflows the chapter track's 32-bit durations in books
    over about half an hour and writes a QuickTime chapter track with a single chapter.)
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, not {sample_rate}")
    lines = [";FFMETADATA1"]
    if metadata is not None:
        lines += [f"{key}={_escape(value)}" for key, value in _global_tags(metadata)]
    for mark in marks:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={_ms(mark.start, sample_rate)}",
            f"END={_ms(mark.end, sample_rate)}",
            f"title={_escape(chapter_title(mark.title))}",
        ]
    return "\n".join(lines) + "\n"


def _ms(samples: int, sample_rate: int) -> int:
    return (int(samples) * 1000 + sample_rate // 2) // sample_rate


def _global_tags(metadata: Metadata) -> Iterator[tuple[str, str]]:
    # Only a first draft of the tags: package.py rewrites all of them with mutagen, which can also set
    # the atoms ffmpeg has no name for (stik, ©nrt, covr).
    one_line = {
        "title": metadata.title,
        "album": metadata.title,
        "artist": metadata.author,
        "album_artist": metadata.author,
        "genre": metadata.genre,
        "date": metadata.year,
        "copyright": metadata.copyright,
    }
    for key, value in one_line.items():
        if value:
            yield key, _drop_trailing_backslashes(clean_text(value, one_line=True))
    if metadata.description:
        yield "description", _drop_trailing_backslashes(clean_text(metadata.description, one_line=False))


def _escape(value: str) -> str:
    """Backslash before `=`, `;`, `#`, `\\` and newline, as ffmpeg's metadata documentation asks."""
    if value.endswith("\\"):
        raise ValueError(f"a value ending in a backslash cannot be written to FFMETADATA: {value!r}")
    return _SPECIAL.sub(r"\\\1", value)


def _drop_trailing_backslashes(text: str) -> str:
    # ffmpeg's reader (read_line_to_bprint_escaped) ends a line only where the byte before the newline is
    # not a backslash, so an escaped backslash (`\\`) at the end of a value swallows the next line: the
    # next chapter's START/END then land in this one. No escaping avoids that, so the backslash goes.
    stripped = text.rstrip("\\ ")
    if stripped != text.rstrip():
        log.warning("trailing backslash dropped from %r (ffmpeg cannot read one there)", text)
    return stripped
