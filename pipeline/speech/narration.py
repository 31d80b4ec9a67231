"""What will be said, in order: each chapter as spoken lines (after normalisation and the lexicon) and pauses.

This is the script the engine reads and exactly what `audiobook spoken` shows an editor. Each line keeps the
sentence as written and where it came from, so a problem heard in the audio leads back to a line of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Book, Chapter, ChapterKind, Piece, Where
from . import language, normalise, notes
from .lexicon import Applied, Lexicon
from .said import Said


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
    # Only when part of the line is in another language than the book's: `spoken` in pieces of one
    # language each, in order (see model.Piece); otherwise the whole line is in the book's language.
    pieces: tuple[Piece, ...] = ()
    paragraph: int | None = None  # which of the chapter's paragraphs it is in; None for the title


@dataclass(frozen=True, slots=True)
class ChapterScript:
    number: int  # 1-based, as players count
    title: str
    lines: tuple[Line, ...]
    lead_in: int
    where: Where
    kind: ChapterKind = ChapterKind.BODY  # opening credits, body or notes, as the manuscript says

    @property
    def sentences(self) -> int:
        return len(self.lines)


def _speakable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _apply(sentence: normalise.Sentence, lexicon: Lexicon, notation: str, book: str) -> tuple[Applied, tuple]:
    """The lexicon on a sentence: on its book-language pieces only (a French piece is read by French rules)."""
    if not sentence.pieces:
        return lexicon.apply(sentence.spoken, notation=notation), ()
    pieces, used = [], []
    for piece in sentence.pieces:
        if piece.language == book:
            applied = lexicon.apply(piece.text, notation=notation)
            pieces.append(Piece(applied.text, piece.language))
            used += applied.used
        else:
            pieces.append(piece)
    return Applied(" ".join(p.text for p in pieces), tuple(used)), tuple(pieces)


def line_of(sentence: normalise.Sentence, *, lexicon: Lexicon, notation: str, book: str = "en") -> Line:
    """One sentence on its own as a line (for `audiobook spoken --text`)."""
    applied, pieces = _apply(sentence, lexicon, notation, book)
    return Line(sentence.text, applied.text, Where(Path("-"), 1), 0, applied.used, pieces)


def pieces_of(line: Line, book: str) -> tuple[Piece, ...]:
    """A line's pieces in order, each with its language: the whole line in the book's language if it has
    no others."""
    return line.pieces or (Piece(line.spoken, book),)


@dataclass(frozen=True, slots=True)
class Voice:
    """What the narration needs to know of the book: its language and the other languages to look for."""

    book: str = "en"
    languages: tuple[str, ...] = language.DEFAULT_LANGUAGES

    @classmethod
    def of(cls, book: Book) -> Voice:
        given = book.metadata.languages
        return cls(book.metadata.language or "en", language.DEFAULT_LANGUAGES if given is None else given)


def _sentence_of_marker(said: list[normalise.Sentence], number: int) -> int:
    """Which sentence a note's marker follows: the one holding it, or the one before when the marker opens
    the next sentence (`...touche!" * They say`)."""
    for i, sentence in enumerate(said):
        for position, n in notes.markers(sentence.text):
            if n == number:
                opens = not any(ch.isalnum() for ch in sentence.text[:position])
                return i - 1 if opens and i > 0 else i
    return len(said) - 1


def narrate_chapter(
    chapter: Chapter,
    number: int,
    *,
    lexicon: Lexicon,
    notation: str,
    pauses: Pauses = DEFAULT_PAUSES,
    voice: Voice = Voice(),
    said: Said | None = None,
) -> ChapterScript:
    """`said`: what earlier builds said of the chapter's paragraphs (see `said.Said`), if remembered."""
    lines: list[Line] = []
    said = said or Said()
    if chapter.speak_title:
        spoken_title = said.heading(chapter, voice)
        applied = lexicon.apply(spoken_title, notation=notation)
        if _speakable(applied.text):
            lines.append(Line(chapter.title, applied.text, chapter.where, pauses.after_title, applied.used))

    def spoken(text: str) -> list[normalise.Sentence]:
        return [s for s in said.sentences(chapter, text, voice) if _speakable(s.spoken)]

    def line(sentence: normalise.Sentence, where: Where, pause: int, paragraph: int) -> Line:
        applied, pieces = _apply(sentence, lexicon, notation, voice.book)
        return Line(sentence.text, applied.text, where, pause, applied.used, pieces, paragraph)

    def note_lines(note: notes.Note, pause: int) -> list[Line]:
        paragraph = chapter.paragraphs[note.paragraph]
        found = spoken(note.text)
        if found:  # the cue opens the note's first sentence
            first = found[0]
            cued = [
                Piece(f"{notes.CUE}: {p.text}" if i == 0 else p.text, p.language)
                for i, p in enumerate(first.pieces)
            ]
            found[0] = normalise.Sentence(first.text, f"{notes.CUE}: {first.spoken}", tuple(cued))
        return [
            line(s, paragraph.where, pause if i == len(found) - 1 else pauses.sentence, note.paragraph)
            for i, s in enumerate(found)
        ]

    texts = [p.text for p in chapter.paragraphs]
    attached = notes.attach(texts) if any("*" in t for t in texts) else {}
    glossed = {n.paragraph for group in attached.values() for n in group}
    in_place = {n.paragraph: n for n in attached.get(-1, ())}
    for index, paragraph in enumerate(chapter.paragraphs):
        if index in in_place:
            lines += note_lines(in_place[index], pauses.paragraph)
            continue
        if index in glossed:
            continue  # read after its passage
        sentences = spoken(paragraph.text)
        after: dict[int, list[notes.Note]] = {}
        for note in attached.get(index, ()):
            after.setdefault(_sentence_of_marker(sentences, note.number), []).append(note)
        for i, sentence in enumerate(sentences):
            pause = pauses.paragraph if i == len(sentences) - 1 else pauses.sentence
            glosses = after.get(i, [])
            lines.append(line(sentence, paragraph.where, pauses.sentence if glosses else pause, index))
            for k, note in enumerate(glosses):
                lines += note_lines(note, pause if k == len(glosses) - 1 else pauses.sentence)
        for note in after.get(-1, ()):  # the passage says nothing aloud (a rule of asterisks): read it here
            lines += note_lines(note, pauses.paragraph)
    if lines:
        last = lines[-1]
        lines[-1] = Line(
            last.written,
            last.spoken,
            last.where,
            pauses.chapter_end,
            last.entries,
            last.pieces,
            last.paragraph,
        )
    return ChapterScript(
        number=number,
        title=chapter.title,
        lines=tuple(lines),
        lead_in=pauses.lead_in,
        where=chapter.where,
        kind=chapter.kind,
    )


def narrate(
    book: Book,
    *,
    lexicon: Lexicon,
    notation: str,
    pauses: Pauses = DEFAULT_PAUSES,
    said: Said | None = None,
) -> tuple[ChapterScript, ...]:
    """The whole book's script. Chapters with nothing to say are kept only if their title is spoken.
    `said`: what earlier builds said of its paragraphs (see `said.Said`), if remembered."""
    scripts = []
    voice = Voice.of(book)
    for chapter in book.chapters:
        script = narrate_chapter(
            chapter,
            len(scripts) + 1,
            lexicon=lexicon,
            notation=notation,
            pauses=pauses,
            voice=voice,
            said=said,
        )
        if script.lines:
            scripts.append(script)
    return tuple(scripts)
