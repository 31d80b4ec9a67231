"""What the narrator says of each paragraph is remembered between builds: the same words come back, only
what was never said is normalised, and a record from other code, languages or a damaged one is not used."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.model import Book, Chapter, ChapterKind, Metadata, Paragraph, Where
from pipeline.speech import normalise, said
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import Voice, narrate
from pipeline.speech.said import Said

PARAGRAPHS = (
    "Dr. Kirov arrived on December 1, 1934, at 4.30 p.m. He said nothing.",
    "« Mais non, mon cher ami, c'est impossible », répondit-il. Then he left.",
    "The third paragraph has 12 words and one name, Zinoviev.",
)


def book(*paragraphs: str, kind: ChapterKind = ChapterKind.BODY, source: str = "book") -> Book:
    where = Where(Path(source) / "book.txt", 1)
    chapters = (Chapter("One", tuple(Paragraph(p, where) for p in paragraphs), where, kind),)
    return Book(metadata=Metadata(title="T", author="A"), chapters=chapters, source=Path(source))


class Store:
    """A cache stand-in: the records, and how often a paragraph had to be normalised."""

    def __init__(self, monkeypatch) -> None:
        self.records: dict[str, object] = {}
        self.normalised: list[str] = []
        real = normalise.sentences

        def counting(text, **kw):
            self.normalised.append(text)
            return real.__wrapped__(text, **kw)  # not the in-process memo: every call is real work

        monkeypatch.setattr(normalise, "sentences", counting)
        heading = normalise.speakable_heading

        def counting_heading(title):
            self.normalised.append(title)
            return heading(title)

        monkeypatch.setattr(normalise, "speakable_heading", counting_heading)

    def said(self, of: Book, salt: str = "") -> Said:
        return Said(of, self.records.get, salt=salt)

    def keep(self, done: Said) -> None:
        self.records.update(done.new())


def script(of: Book, memo: Said) -> list[tuple[str, str, tuple]]:
    return [
        (line.written, line.spoken, line.pieces)
        for chapter in narrate(of, lexicon=Lexicon.empty(), notation="espeak", said=memo)
        for line in chapter.lines
    ]


def test_a_remembered_paragraph_is_said_the_same_without_normalising_it(monkeypatch):
    store = Store(monkeypatch)
    first = store.said(book(*PARAGRAPHS))
    fresh = script(book(*PARAGRAPHS), first)
    store.keep(first)
    assert store.normalised == ["One", *PARAGRAPHS]  # the spoken title, then each paragraph
    assert any(pieces for _, _, pieces in fresh)  # the French clause is a piece of its own

    again = script(book(*PARAGRAPHS), store.said(book(*PARAGRAPHS)))
    assert again == fresh and len(store.normalised) == 4


def test_after_an_edit_only_the_edited_paragraph_is_normalised(monkeypatch):
    store = Store(monkeypatch)
    first = store.said(book(*PARAGRAPHS))
    script(book(*PARAGRAPHS), first)
    store.keep(first)
    edited = (PARAGRAPHS[0], PARAGRAPHS[1].replace("Then", "And then"), PARAGRAPHS[2])
    memo = store.said(book(*edited))
    lines = script(book(*edited), memo)
    assert store.normalised[4:] == [edited[1]]  # after the three paragraphs and the title
    assert lines == script(book(*edited), Said())  # what a cold build says
    store.keep(memo)
    (record,) = memo.new().values()
    kept = sorted(text for text, _ in record if not text.startswith("\0"))  # the paragraphs (not the title)
    assert kept == sorted(edited)  # the one edited away is not kept


@pytest.mark.parametrize(
    "other",
    [
        {"salt": "num2words=9.9"},  # another library version
        {"kind": ChapterKind.FOOTNOTES},  # said by other rules
        {"source": "another-book"},  # another book's chapter one
    ],
)
def test_a_record_made_for_anything_else_is_not_used(monkeypatch, other):
    store = Store(monkeypatch)
    first = store.said(book(*PARAGRAPHS))
    script(book(*PARAGRAPHS), first)
    store.keep(first)
    salt = other.pop("salt", "")
    changed = book(*PARAGRAPHS, **other)
    script(changed, store.said(changed, salt=salt))
    assert len(store.normalised) == 8


def test_a_damaged_record_is_said_anew(monkeypatch):
    store = Store(monkeypatch)
    first = store.said(book(*PARAGRAPHS))
    fresh = script(book(*PARAGRAPHS), first)
    store.keep(first)
    for record in store.records:
        store.records[record] = [["not", "sentences"]]
    assert script(book(*PARAGRAPHS), store.said(book(*PARAGRAPHS))) == fresh
    assert len(store.normalised) == 8


def test_the_records_key_on_this_stages_code(monkeypatch):
    chapter = book(*PARAGRAPHS).chapters[0]
    key = Said(book(*PARAGRAPHS)).key(chapter, Voice())
    assert Said(book(*PARAGRAPHS)).key(chapter, Voice()) == key
    monkeypatch.setattr(said, "version", lambda: "the code changed")
    assert Said(book(*PARAGRAPHS)).key(chapter, Voice()) != key
