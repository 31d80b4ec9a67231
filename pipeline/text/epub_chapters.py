"""EPUB in, the chapters: the book's own table of contents laid over its blocks, in spine order.

Each entry of the navigation starts a chapter where it points (`epub_toc`); nested entries and flat ones
alike are titled as the text detector titles them ("Book One: 1805 — Chapter I"). What is not read is left
out with a reason, as for text (`epub_dropped`), and the front matter (the title page) is read as the opening
credits; the notes are heard once, in the notes chapter. Out: an `EpubBook` of chapters, what was left out,
and what the EPUB says of itself.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from ..model import Chapter, ChapterKind, Paragraph, Where
from .epub import Package, open_epub
from .epub_blocks import Block, blocks_of, note_blocks
from .epub_dropped import (
    drop_by_kind,
    drop_by_title,
    drop_contents_lists,
    drop_gutenberg,
    left_out,
    title_pages_to_front,
)
from .epub_html import load
from .epub_notes import find_notes
from .epub_toc import TocEntry, toc_entries
from .headings import CHAPTER, FLOATING, shape_of, title_case
from .layout import is_title_page
from .manuscript import Dropped, guess_front_matter
from .overrides import ChapterOverrides

log = logging.getLogger(__name__)

# Where the notes stood in a chapter: the notes chapter reads them there.
_NOTES_HERE = Paragraph("", Where(Path("."), 0))
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(frozen=True, slots=True)
class EpubBook:
    chapters: tuple[Chapter, ...]
    dropped: tuple[Dropped, ...]
    guessed: dict[str, str]  # what the EPUB says of itself: title, author, translator, year, language...
    cover: bytes | None


def read_epub(path: Path, *, overrides: ChapterOverrides | None = None, alt_text: bool = False) -> EpubBook:
    """The chapters of the EPUB at `path`, what was left out, and its metadata."""
    overrides = overrides or ChapterOverrides()
    package = open_epub(path)
    try:
        return _read(package, overrides, alt_text)
    finally:
        package.archive.close()


def _read(package: Package, overrides: ChapterOverrides, alt_text: bool) -> EpubBook:
    documents = []
    for item in package.spine:
        if item.name == package.nav_name:
            continue
        documents.append(load(item.name, package.read(item.name), package.where(item.name)))
    notes = find_notes(documents, skip={package.nav_name} if package.nav_name else set())
    blocks: list[Block] = []
    starts: dict[str, int] = {}
    anchors: dict[tuple[str, str], int] = {}
    linear = {item.name: item.linear for item in package.spine}
    for document in documents:
        starts[document.item] = len(blocks)
        found, tail = blocks_of(document, notes, alt_text=alt_text)
        landmark = package.landmarks.get(document.item)
        for block in found:
            if landmark:
                block.types = block.types | {landmark}
            for value in block.ids:
                anchors.setdefault((document.item, value), len(blocks))
            blocks.append(block)
        for value in tail:
            anchors.setdefault((document.item, value), len(blocks))
    reasons: list[str | None] = [None] * len(blocks)

    def where(block: Block) -> Where:
        return Where(package.where(block.item), block.line)

    entries = toc_entries(package.nav, starts, anchors, overrides, blocks)
    drop_by_kind(blocks, reasons, linear)
    drop_by_title(entries, blocks, reasons)
    fields = drop_gutenberg(blocks, reasons, starts)
    drop_contents_lists(blocks, reasons)
    title_pages_to_front(entries, blocks, reasons, package.metadata, overrides)
    dropped = left_out(blocks, reasons, where)
    chapters = _chapters(entries, blocks, reasons, overrides, where, dropped)
    texts = [note_blocks(item, element, notes, alt_text=alt_text) for item, element, _ in notes.notes]
    chapters = _with_notes(chapters, texts, where)
    if not chapters:
        raise InputError(
            "no text to read was found in the EPUB",
            path=package.path,
            fix="check that it is the book itself (not only images, a licence or a contents list)",
        )
    guessed = dict(package.metadata)
    front = guess_front_matter(fields, [])
    for key in ("title", "author", "translator", "year"):
        if not guessed.get(key) and getattr(front, key):
            guessed[key] = getattr(front, key)
    return EpubBook(tuple(chapters), tuple(dropped), guessed, package.cover)


def _is_prose(block: Block) -> bool:
    words = len(block.text.split())
    return block.kind != "heading" and (
        words >= 15 or (words >= 4 and bool(_SENTENCE_END.search(block.text)))
    )


def _chapters(
    entries: list[TocEntry],
    blocks: list[Block],
    reasons: list[str | None],
    overrides: ChapterOverrides,
    where,
    dropped: list[Dropped],
) -> list[Chapter]:
    def paragraphs(lo: int, hi: int, *, skip_title: bool) -> list[Paragraph]:
        out = []
        for index in range(lo, hi):
            block = blocks[index]
            if block.kind == "note":
                if not any(p is _NOTES_HERE for p in out):
                    out.append(_NOTES_HERE)
                continue
            if reasons[index] is not None or not block.text:
                continue
            if skip_title and index == lo and (block.kind == "heading" or block.text == title_at.get(lo)):
                continue
            out.append(Paragraph(block.text, where(block)))
        return out

    title_at = {e.position: e.title for e in entries}
    bounds = [
        (e, e.position, entries[k + 1].position if k + 1 < len(entries) else len(blocks))
        for k, e in enumerate(entries)
    ]
    own = [paragraphs(lo, hi, skip_title=True) for _, lo, hi in bounds]
    prose = [any(_is_prose(blocks[i]) for i in range(lo, hi) if reasons[i] is None) for _, lo, hi in bounds]
    if not any(prose):
        prose = [bool(p) for p in own]
    first = next((k for k, p in enumerate(prose) if p), len(entries))
    while first > 0 and not own[first - 1] and entries[first - 1].rank < entries[first].rank:
        first -= 1  # the containers the first chapter stands in ("Book One: 1805") open the body
    front_end = entries[first].position if first < len(entries) else len(blocks)
    front = [p for p in paragraphs(0, front_end, skip_title=False) if p is not _NOTES_HERE]
    chapters: list[Chapter] = []
    pending: list[Paragraph] = []
    folded = False
    if front and not overrides.opening:
        text = "\n".join(p.text for p in front)
        dropped.append(Dropped(text, front[0].where, "front matter (book.yaml has chapters: opening: false)"))
    elif front and is_title_page([p.text for p in front]):
        pending, folded = list(front), True
    elif front:
        chapters.append(
            Chapter(overrides.opening_title, tuple(front), front[0].where, ChapterKind.OPENING, False)
        )
    stack: list[tuple[int, str]] = []
    for k in range(first, len(entries)):
        entry, lo, _ = bounds[k]
        rank = entry.rank
        if rank == FLOATING:
            rank = min((r for r, _ in stack), default=CHAPTER)
        while stack and stack[-1][0] >= rank:
            stack.pop()
        shape = shape_of(entry.title)
        title = shape.title if shape is not None else title_case(entry.title)
        nxt = entries[k + 1] if k + 1 < len(entries) else None
        heading_where = where(blocks[lo]) if lo < len(blocks) else None
        heading = [Paragraph(title, heading_where)] if folded and heading_where else []
        text = [p for p in own[k] if p is not _NOTES_HERE]
        if not text and nxt is not None and nxt.rank != FLOATING and nxt.rank > rank:
            stack.append((rank, title))
            pending += heading
            continue
        if not own[k]:
            log.info("%s: %r has nothing to read; it is not made a chapter", heading_where, entry.title)
            continue
        body = [*pending, *heading, *own[k]]
        full = " — ".join([*(t for _, t in stack), title])
        notes_only = not text and _NOTES_HERE in own[k]
        kind = ChapterKind.FOOTNOTES if entry.notes or notes_only else ChapterKind.BODY
        place = heading_where or body[0].where
        chapters.append(Chapter(full, tuple(body), body[0].where if folded else place, kind, not folded))
        pending, folded = [], False
    return chapters


def _with_notes(chapters: list[Chapter], texts: list[list[Block]], where) -> list[Chapter]:
    """The notes, in the order they are first referred to, in the book's notes chapter (or a new one)."""
    if not texts or not any(texts):
        return [
            replace(c, paragraphs=tuple(p for p in c.paragraphs if p is not _NOTES_HERE)) for c in chapters
        ]
    paragraphs: list[Paragraph] = []
    number = 0
    for note in texts:
        if not note:
            continue
        number += 1
        paragraphs.append(Paragraph(f"{number}. {note[0].text}", where(note[0])))
        paragraphs += [Paragraph(b.text, where(b)) for b in note[1:]]
    # The book's own notes chapter (named as one, or holding nothing but notes) reads them where its notes
    # stood; notes kept at the end of each chapter are gathered into a chapter of their own at the end.
    notes_chapter = next(
        (
            i
            for i, c in enumerate(chapters)
            if c.kind is ChapterKind.FOOTNOTES and _NOTES_HERE in c.paragraphs
        ),
        None,
    )
    out = []
    for index, chapter in enumerate(chapters):
        if index == notes_chapter:
            at = chapter.paragraphs.index(_NOTES_HERE)
            inside = (*chapter.paragraphs[:at], *paragraphs, *chapter.paragraphs[at + 1 :])
            out.append(replace(chapter, paragraphs=inside))
        elif _NOTES_HERE in chapter.paragraphs:
            out.append(
                replace(chapter, paragraphs=tuple(p for p in chapter.paragraphs if p is not _NOTES_HERE))
            )
        else:
            out.append(chapter)
    if notes_chapter is None:
        out.append(Chapter("Notes", tuple(paragraphs), paragraphs[0].where, ChapterKind.FOOTNOTES))
    return out
