"""The typed, immutable data passed between stages: Book -> Chapter -> Paragraph.

Every piece knows where it came from (file and line), so every warning can point at a line a person can fix.
Sentences are not stored here: the speech stage derives them from paragraphs.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits, apostrophes kept inside."""
    return len(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Where:
    """A place in the manuscript: file and 1-based line."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of spoken text in one language: what the speech stage hands the voice for a sentence
    whose parts are in different languages. `language` is a BCP 47 code ("en", "fr", "la")."""

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph as written (its lines joined by single spaces), and where it starts."""

    text: str
    where: Where

    @property
    def words(self) -> int:
        return count_words(self.text)


class ChapterKind(enum.Enum):
    OPENING = "opening"  # front matter read the way audiobooks open: title, author, credits
    BODY = "body"
    FOOTNOTES = "footnotes"  # numbered notes; each is announced as "Footnote one."


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: the title shown in players, whether the title is spoken, and its paragraphs.

    `paragraphs` excludes the heading line(s) that produced `title`; text that stands between a heading and
    the chapter's own heading (an article's title and subtitle, say) is kept as leading paragraphs.
    """

    title: str
    paragraphs: tuple[Paragraph, ...]
    where: Where
    kind: ChapterKind = ChapterKind.BODY
    speak_title: bool = True

    @property
    def words(self) -> int:
        return sum(p.words for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the listener sees in a player. Filled from the metadata file, else from the text itself."""

    title: str
    author: str
    translator: str | None = None
    year: str | None = None
    language: str = "en"
    description: str | None = None
    voice: str | None = None
    rate: int | None = None
    narrator: str | None = None
    genre: str = "Audiobook"
    copyright: str | None = None
    publisher: str | None = None
    cover: Path | None = None
    # The other languages to find passages in (BCP 47 codes); None: the default set (speech.language);
    # () turns finding them off.
    languages: tuple[str, ...] | None = None
    strict_encoding: bool = False  # bytes that are not valid text stop the build instead of a warning
    identifier: str | None = None  # the edition's own (an EPUB's dc:identifier, an ISBN)

    def key_fields(self) -> dict[str, str]:
        """Every field as text, for the keys of built files. Fields added since books were first built are
        left out while unset, so that adding one does not make every book already built out of date."""
        values = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        return {k: v for k, v in values.items() if not (k in _ADDED_LATER and getattr(self, k) is None)}


_ADDED_LATER = frozenset({"identifier"})


@dataclass(frozen=True, slots=True)
class Book:
    metadata: Metadata
    chapters: tuple[Chapter, ...]
    source: Path  # the manuscript folder or file it was read from
    files: tuple[Path, ...] = field(default=())  # the text files read, in order (or the one .epub)
    cover_image: bytes | None = None  # the manuscript's own cover (an EPUB's), when book.yaml names none

    @property
    def words(self) -> int:
        return sum(c.words for c in self.chapters)


class Notation:
    """How an engine takes a pronunciation from the lexicon, inline in the text it is given."""

    ESPEAK = "espeak"  # eSpeak NG's own phoneme mnemonics inside [[...]] (needs the espeakPHONEMES flag)
    IPA = "ipa"  # IPA inside [[...]] (Piper)
    TEXT = "text"  # no phonemes: a plain-letter respelling


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """A chapter as players see it: its title and where it starts and ends, in samples of the audio."""

    title: str
    start: int
    end: int
