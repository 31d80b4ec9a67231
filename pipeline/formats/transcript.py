"""Transcripts: WebVTT and SRT, one cue per sentence, the text as written, the times from the real audio.

The whole book's transcript (`<name>.vtt` / `.srt`) is timed on the M4B's timeline; each chapter's
(`<name> (transcript)/NN - Title.vtt` / `.srt`) on its own file's, which starts at the chapter's region
(see audio/timeline.py): the podcast episode and the per-chapter MP3 hold exactly that region. Files are rewritten
only when their text changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..audio.timeline import BuiltBook, TimedChapter
from ..m4b.ffmetadata import clean_text
from .common import chapter_stem, remove_stale, write_if_changed


@dataclass(frozen=True, slots=True)
class Cue:
    start: float  # seconds
    end: float
    text: str


def book_cues(book: BuiltBook) -> list[Cue]:
    rate = book.sample_rate
    return [Cue(s.start / rate, s.end / rate, s.text) for chapter in book.chapters for s in chapter.sentences]


def chapter_cues(book: BuiltBook, chapter: TimedChapter) -> list[Cue]:
    origin, rate = chapter.region[0], book.sample_rate
    return [Cue((s.start - origin) / rate, (s.end - origin) / rate, s.text) for s in chapter.sentences]


def webvtt(cues: Iterable[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(_clean(cues), 1):
        # "&", "<" and ">" are markup in a cue's text; escaped, a "-->" in the text cannot end the cue either.
        text = cue.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines += [str(number), f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}", text, ""]
    return "\n".join(lines)


def srt(cues: Iterable[Cue]) -> str:
    lines = []
    for number, cue in enumerate(_clean(cues), 1):
        # SRT has no escapes; an arrow in the text would read as a timing line.
        text = cue.text.replace("-->", "->")
        lines += [str(number), f"{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}", text, ""]
    return "\n".join(lines)


def write_chapter(book: BuiltBook, chapter: TimedChapter, folder: Path) -> tuple[Path, Path]:
    """The chapter's .vtt and .srt in `folder`, named as its episode and MP3 are."""
    cues = chapter_cues(book, chapter)
    stem = chapter_stem(book, chapter)
    vtt_path, srt_path = folder / f"{stem}.vtt", folder / f"{stem}.srt"
    write_if_changed(vtt_path, webvtt(cues).encode("utf-8"))
    write_if_changed(srt_path, srt(cues).encode("utf-8"))
    return vtt_path, srt_path


def write_transcripts(book: BuiltBook, *, output_dir: Path) -> tuple[Path, ...]:
    """The whole book's .vtt and .srt beside the M4B and a folder of chapter transcripts; returns all three."""
    cues = book_cues(book)
    whole_vtt, whole_srt = output_dir / f"{book.name}.vtt", output_dir / f"{book.name}.srt"
    write_if_changed(whole_vtt, webvtt(cues).encode("utf-8"))
    write_if_changed(whole_srt, srt(cues).encode("utf-8"))
    folder = output_dir / f"{book.name} (transcript)"
    kept = {path for chapter in book.chapters for path in write_chapter(book, chapter, folder)}
    remove_stale(folder, kept, (".vtt", ".srt"))
    return whole_vtt, whole_srt, folder


def _clean(cues: Iterable[Cue]) -> Iterable[Cue]:
    """One line of text per cue (a blank line would end it) and no empty cues."""
    for cue in cues:
        text = clean_text(cue.text, one_line=True)
        if text:
            yield Cue(cue.start, max(cue.end, cue.start), text)


def _stamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"
