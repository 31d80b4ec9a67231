"""What the narrator says of each paragraph (`normalise.sentences`), remembered from one build to the next.

Normalising is the speech stage's largest cost on a rebuild: every paragraph is cut into sentences and each
is said (numbers, abbreviations, languages), for the names check and for the narration. A rebuild after an
edit changes a few paragraphs, so `Said` answers each paragraph from what an earlier build said of it, and
normalises only what it has never seen. There is one record per chapter of a book (by its place), mapping
each paragraph's text to its sentences; the record's key holds everything else they depend on: the
chapter's kind, the book's languages, this stage's code and the libraries it uses (`salt`). The build
keeps the records in its cache (`known` reads one; `new()` gives those to write).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Book, Chapter, ChapterKind, Piece
from . import normalise

if TYPE_CHECKING:
    from .narration import Voice

_HEADING = "\0heading\0"  # before a title in a record: no paragraph's text starts so
Record = list[list[object]]  # [[paragraph text, [[text, spoken, [[piece text, language], ...]], ...]], ...]


class Said:
    """`normalise.sentences` for a book's chapters, answered from the records of earlier builds where it can."""

    def __init__(
        self, book: Book | None = None, known: Callable[[str], object] | None = None, *, salt: str = ""
    ) -> None:
        self._known = known or (lambda key: None)
        self._salt = salt
        self._book = str(book.source.absolute()) if book is not None else ""
        # The chapters' places in the book, by id (the book keeps them alive, so the ids stay theirs).
        self._places = {id(c): i for i, c in enumerate(book.chapters)} if book is not None else {}
        self._keep = book
        self._keys: dict[tuple[int, ChapterKind, str, tuple[str, ...]], str] = {}
        self._said: dict[str, dict[str, tuple[normalise.Sentence, ...]]] = {}
        self._grown: set[str] = set()  # the chapters that said something their record did not hold
        self._asked: dict[str, set[str]] = {}  # the texts asked of each chapter

    def sentences(self, chapter: Chapter, text: str, voice: Voice) -> tuple[normalise.Sentence, ...]:
        """What `normalise.sentences(text, ...)` says of `text`, a paragraph (or a note) of `chapter`."""
        chapter_key = self.key(chapter, voice)
        said = self._said.get(chapter_key)
        if said is None:
            said = self._said[chapter_key] = _decoded(self._known(chapter_key))
        self._asked.setdefault(chapter_key, set()).add(text)
        found = said.get(text)
        if found is None:
            found = said[text] = normalise.sentences(
                text, kind=chapter.kind, book=voice.book, languages=voice.languages
            )
            self._grown.add(chapter_key)
        return found

    def heading(self, chapter: Chapter, voice: Voice) -> str:
        """What `normalise.speakable_heading` says of the chapter's title."""
        chapter_key = self.key(chapter, voice)
        said = self._said.get(chapter_key)
        if said is None:
            said = self._said[chapter_key] = _decoded(self._known(chapter_key))
        asked = _HEADING + chapter.title  # kept beside the paragraphs, as a sentence of its own
        self._asked.setdefault(chapter_key, set()).add(asked)
        if asked not in said:
            spoken = normalise.speakable_heading(chapter.title)
            said[asked] = (normalise.Sentence(chapter.title, spoken),)
            self._grown.add(chapter_key)
        return said[asked][0].spoken

    def key(self, chapter: Chapter, voice: Voice) -> str:
        """The key of the record for `chapter`'s place in the book, read in `voice`'s languages."""
        place = self._places.get(id(chapter), -1)
        asked = (place, chapter.kind, voice.book, voice.languages)
        found = self._keys.get(asked)
        if found is None:
            parts = [
                version(),
                self._salt,
                self._book,
                place,
                chapter.kind.value,
                voice.book,
                voice.languages,
            ]
            blob = json.dumps(parts, ensure_ascii=False).encode("utf-8")
            found = self._keys[asked] = hashlib.blake2b(blob, digest_size=20).hexdigest()
        return found

    @property
    def keys(self) -> list[str]:
        """Every record this book's build used or made."""
        return list(self._said)

    def new(self) -> dict[str, Record]:
        """The records to keep: those of the chapters that said something their record did not hold, each
        with what this build asked of it (a paragraph since edited away is dropped)."""
        return {key: _encoded(self._said[key], self._asked[key]) for key in self._grown}


@functools.cache
def version() -> str:
    """A digest of this stage's code (and the data model's): a change to either says everything anew."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    for path in [*sorted(here.glob("*.py")), here.parent / "model.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _encoded(said: dict[str, tuple[normalise.Sentence, ...]], asked: set[str]) -> Record:
    return [
        [text, [[s.text, s.spoken, [[p.text, p.language] for p in s.pieces]] for s in sentences]]
        for text, sentences in said.items()
        if text in asked
    ]


def _decoded(record: object) -> dict[str, tuple[normalise.Sentence, ...]]:
    """A record read back; an empty one if it is missing or not what `_encoded` writes."""
    if not isinstance(record, list):
        return {}
    try:
        return {
            str(text): tuple(
                normalise.Sentence(
                    str(written), str(spoken), tuple(Piece(str(t), str(lang)) for t, lang in pieces)
                )
                for written, spoken, pieces in sentences
            )
            for text, sentences in record
        }
    except (TypeError, ValueError):
        return {}
