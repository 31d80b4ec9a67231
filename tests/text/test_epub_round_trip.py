"""The first book made into an EPUB (by ebooklib, the way an ebook is made: a title page, a file a chapter,
note markers linked to footnotes) reads back as the same chapters and the same spoken text as the .txt."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pipeline.model import Chapter, ChapterKind
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate
from pipeline.text import source

from ..conftest import ROOT
from ..epubs import Doc, make_epub

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_NOTE = re.compile(r"(\d{1,3})\.\s")


def _markup(text: str) -> str:
    """A paragraph with its "[1]" markers made into EPUB 3 note references."""
    out, at = [], 0
    for m in _MARKER.finditer(text):
        out.append(html.escape(text[at : m.start()], quote=False))
        out.append(f'<a epub:type="noteref" href="notes.xhtml#fn{m[1]}"><sup>{m[1]}</sup></a>')
        at = m.end()
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def as_epub(chapters: tuple[Chapter, ...], path: Path, **metadata) -> Path:
    docs = []
    for number, chapter in enumerate(chapters, 1):
        if chapter.kind is ChapterKind.OPENING:
            body = "".join(f"<p>{html.escape(p.text)}</p>" for p in chapter.paragraphs)
            # Listed in the table of contents, as most ebooks list it: still the opening credits, not a chapter.
            docs.append(Doc("title.xhtml", "Title Page", body, epub_type="titlepage"))
            continue
        parts = [f"<h1>{html.escape(chapter.title)}</h1>"]
        for paragraph in chapter.paragraphs:
            note = _NOTE.match(paragraph.text) if chapter.kind is ChapterKind.FOOTNOTES else None
            if note:
                parts.append(
                    f'<aside epub:type="footnote" id="fn{note[1]}"><p>{html.escape(paragraph.text)}</p></aside>'
                )
            else:
                parts.append(f"<p>{_markup(paragraph.text)}</p>")
        name = "notes.xhtml" if chapter.kind is ChapterKind.FOOTNOTES else f"c{number:02d}.xhtml"
        docs.append(Doc(name, chapter.title, "".join(parts)))
    return make_epub(path, docs, **metadata)


def test_the_first_book_as_an_epub_reads_back_as_the_same_chapters_and_spoken_text(tmp_path):
    text = source.load(ROOT / "script").book
    meta = text.metadata
    folder = tmp_path / "epub-book"
    folder.mkdir()
    as_epub(
        text.chapters, folder / "book.epub", title=meta.title, author=meta.author, translator=meta.translator
    )
    book = source.load(folder).book
    assert [(c.title, c.kind, c.speak_title) for c in book.chapters] == [
        (c.title, c.kind, c.speak_title) for c in text.chapters
    ]
    lexicon = Lexicon.load(ROOT / "pronunciations.yaml")

    def spoken(b):
        # Chapter by chapter, the words said. Sentences may be cut differently in one place: in the text a
        # marker ("Zinoviev’s.” [3] Kirov’s corpse") holds two sentences together, in the EPUB it is a link.
        return [
            " ".join(line.spoken for line in s.lines) for s in narrate(b, lexicon=lexicon, notation="espeak")
        ]

    assert spoken(book) == spoken(text)
    assert (book.metadata.title, book.metadata.author, book.metadata.translator) == (
        meta.title,
        meta.author,
        meta.translator,
    )
