"""What will be said, in order: each chapter as spoken lines (after normalisation and the lexicon) and pauses.

This is the script the engine reads and exactly what `audiobook spoken` shows an editor. Each line keeps the
sentence as written and where it came from, so a problem heard in the audio leads back to a line of text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Book, Chapter, Where
from . import normalise
from .lexicon import Lexicon


@dataclass(frozen=True, slots=True)
class Pauses:
    """Silences in milliseconds. A narrator breathes between sentences and rests between paragraphs.

    Each sentence is encoded on its own, which adds one AAC priming frame (46 ms at 22,050 Hz) and pads the
    sentence to a whole frame (23 ms on average) before the next one: the pauses heard are about 70 ms longer.
    """

    lead_in: int = 300  # before the chapter title, so a player's chapter jump doesn't clip the first word
    after_title: int = 1130
    sentence: int = 380
    paragraph: int = 930
    chapter_end: int = 1930


DEFAULT_PAUSES = Pauses()


@dataclass(frozen=True, slots=True)
class Line:
    written: str  # as in the manuscript (the chapter title for a title line)
    spoken: str  # exactly what the engine is given
    where: Where
    pause_after: int  # milliseconds of silence after it
    entries: tuple[str, ...] = ()  # lexicon entries applied in it
    paragraph: int | None = None  # which of the chapter's paragraphs it is in; None for the title


@dataclass(frozen=True, slots=True)
class ChapterScript:
    number: int  # 1-based, as players count
    title: str
    lines: tuple[Line, ...]
    lead_in: int
    where: Where

    @property
    def sentences(self) -> int:
        return len(self.lines)


def _speakable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def narrate_chapter(
    chapter: Chapter, number: int, *, lexicon: Lexicon, notation: str, pauses: Pauses = DEFAULT_PAUSES
) -> ChapterScript:
    lines: list[Line] = []
    if chapter.speak_title:
        spoken_title = normalise.speakable_heading(chapter.title)
        applied = lexicon.apply(spoken_title, notation=notation)
        if _speakable(applied.text):
            lines.append(Line(chapter.title, applied.text, chapter.where, pauses.after_title, applied.used))
    for index, paragraph in enumerate(chapter.paragraphs):
        said = [s for s in normalise.sentences(paragraph.text, kind=chapter.kind) if _speakable(s.spoken)]
        for i, sentence in enumerate(said):
            applied = lexicon.apply(sentence.spoken, notation=notation)
            pause = pauses.paragraph if i == len(said) - 1 else pauses.sentence
            lines.append(Line(sentence.text, applied.text, paragraph.where, pause, applied.used, index))
    if lines:
        last = lines[-1]
        lines[-1] = Line(
            last.written, last.spoken, last.where, pauses.chapter_end, last.entries, last.paragraph
        )
    return ChapterScript(
        number=number, title=chapter.title, lines=tuple(lines), lead_in=pauses.lead_in, where=chapter.where
    )


def narrate(
    book: Book, *, lexicon: Lexicon, notation: str, pauses: Pauses = DEFAULT_PAUSES
) -> tuple[ChapterScript, ...]:
    """The whole book's script. Chapters with nothing to say are kept only if their title is spoken."""
    scripts = []
    for chapter in book.chapters:
        script = narrate_chapter(chapter, len(scripts) + 1, lexicon=lexicon, notation=notation, pauses=pauses)
        if script.lines:
            scripts.append(script)
    return tuple(scripts)
