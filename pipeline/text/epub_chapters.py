"""EPUB in, the chapters: the book's own table of contents laid over its blocks, in spine order.

Each entry of the navigation (EPUB 3 nav, else the NCX) starts a chapter where it points; nested entries
and flat ones alike are titled as the text detector titles them ("Book One: 1805 — Chapter I"): a keyword's
rank (Volume, Part, Book, Chapter) says what contains what where the navigation lists them side by side.
What is not read is left out with a reason, as for text: a Project Gutenberg header and licence, tables of
contents, cover, copyright and licence pages, items outside the reading order. The front matter (the title
page) is read as the opening credits; the notes are heard once, in the notes chapter.

A title page is front matter however the book marks it: by epub:type (titlepage, halftitlepage; a cover
page's text when there is no title page), by the landmarks nav or the EPUB 2 guide (title-page), or by a
first table-of-contents entry named as one ("Title Page", "Opening Credits") or as the book itself ("War and
Peace", "War and Peace, by Leo Tolstoy"). Listed in the navigation or not, it is not a chapter whose title is
read aloud: its lines open the book as the text detector's opening credits do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from ..model import Chapter, ChapterKind, Paragraph, Where
from .epub import NavEntry, Package, open_epub
from .epub_blocks import Block, blocks_of, note_blocks
from .epub_html import load
from .epub_notes import find_notes
from .headings import CHAPTER, FLOATING, SECTION, is_contents, shape_of, title_case
from .layout import is_title_page
from .manuscript import Dropped, find_body, guess_front_matter
from .overrides import ChapterOverrides

log = logging.getLogger(__name__)

_DROPPED_TYPES = {
    "toc": "table of contents (each chapter is read where it begins)",
    "doc-toc": "table of contents (each chapter is read where it begins)",
    "landmarks": "table of contents (each chapter is read where it begins)",
    "loi": "list of illustrations",
    "lot": "list of tables",
    "cover": "cover",
    "doc-cover": "cover",
    "copyright-page": "copyright page",
    "colophon": "colophon",
    "imprint": "imprint",
    "doc-colophon": "colophon",
    "index": "index",
}
# What marks a title page (epub:type, landmarks, the EPUB 2 guide's type): read as the opening credits.
_TITLE_PAGE_TYPES = frozenset({"titlepage", "halftitlepage", "title-page"})
_COVER_TYPES = frozenset({"cover", "doc-cover"})
_TITLE_PAGE_NAME = re.compile(r"(?:half[- ]?)?title(?:[- ]?page)?|(?:opening )?credits", re.IGNORECASE)
# A first entry named as the book is its title page only if it is no longer than a printed page.
_TITLE_PAGE_WORDS = 250
_DROPPED_TITLE = re.compile(
    r"(?:table of )?contents|copyright(?: page)?|colophon|imprint|licen[cs]e|legal notice|cover(?: page)?"
    r"|(?:the )?full project gutenberg licen[cs]e|index",
    re.IGNORECASE,
)
# Where the notes stood in a chapter: the notes chapter reads them there.
_NOTES_HERE = Paragraph("", Where(Path("."), 0))
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(frozen=True, slots=True)
class EpubBook:
    chapters: tuple[Chapter, ...]
    dropped: tuple[Dropped, ...]
    guessed: dict[str, str]  # what the EPUB says of itself: title, author, translator, year, language...
    cover: bytes | None


@dataclass(slots=True)
class _Entry:
    title: str
    position: int
    depth: int
    rank: int = CHAPTER
    notes: bool = False
    forced: bool = False  # book.yaml's chapters: headings lists it


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

    entries = _entries(package.nav, starts, anchors, overrides, blocks)
    _drop_by_kind(blocks, reasons, linear)
    _drop_by_title(entries, blocks, reasons)
    fields = _drop_gutenberg(blocks, reasons, starts)
    _drop_contents_lists(blocks, reasons)
    _title_pages_to_front(entries, blocks, reasons, package.metadata, overrides)
    dropped = _dropped(blocks, reasons, where)
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


def _entries(
    nav: tuple[NavEntry, ...],
    starts: dict[str, int],
    anchors: dict[tuple[str, str], int],
    overrides: ChapterOverrides,
    blocks: list[Block],
) -> list[_Entry]:
    """The navigation's entries that point into the spine, at the block each starts, in reading order."""
    entries: list[_Entry] = []
    if overrides.automatic:
        for entry in nav:
            if entry.name is None or entry.name not in starts:
                continue
            position = anchors.get((entry.name, entry.fragment)) if entry.fragment else None
            if position is None:
                position = starts[entry.name]
            title = " ".join(entry.title.split())
            if not title or overrides.refuses(title):
                continue
            entries.append(_Entry(title, position, entry.depth))
    if not entries and overrides.automatic:
        # No navigation: each spine item is a chapter, titled by its first heading.
        for name, start in starts.items():
            heading = next((b for b in blocks[start:] if b.item == name and b.kind == "heading"), None)
            if heading is not None:
                entries.append(_Entry(heading.text, blocks.index(heading), 0))
    for index, block in enumerate(blocks):
        if block.kind in ("heading", "p") and overrides.forces(block.text):
            entries.append(_Entry(block.text, index, 0, forced=True))
    entries.sort(key=lambda e: e.position)  # spine order, whatever order the navigation lists them in
    _rank(entries)
    return entries


def _rank(entries: list[_Entry]) -> None:
    """What contains what: a keyword's own rank (Book before Chapter), else the navigation's nesting."""
    parents: list[_Entry] = []
    for entry in entries:
        while parents and parents[-1].depth >= entry.depth:
            parents.pop()
        shape = shape_of(entry.title)
        entry.notes = bool(shape and shape.notes)
        if shape is not None and shape.kind == "keyword":
            entry.rank = shape.rank
        elif shape is not None and shape.kind == "named":
            entry.rank = FLOATING
        elif parents:
            entry.rank = min(max(parents[-1].rank, CHAPTER - 1) + 1, SECTION)
        else:
            entry.rank = CHAPTER
        parents.append(entry)


def _has_title_page(blocks: list[Block]) -> bool:
    return any(block.types & _TITLE_PAGE_TYPES for block in blocks)


def _is_title_page(block: Block, titled: bool) -> bool:
    """The block stands on a title page (or on a cover page, in a book without a title page)."""
    return bool(block.types & _TITLE_PAGE_TYPES) or (not titled and bool(block.types & _COVER_TYPES))


def _drop_by_kind(blocks: list[Block], reasons: list[str | None], linear: dict[str, bool]) -> None:
    titled = _has_title_page(blocks)
    for index, block in enumerate(blocks):
        kind = next((_DROPPED_TYPES[t] for t in block.types if t in _DROPPED_TYPES), None)
        if kind == "cover" and not titled and block.kind != "alt" and not block.types & _TITLE_PAGE_TYPES:
            # A cover that says the title and author in text, in a book with no title page: its lines are
            # the opening credits (the picture's alt text, "Cover", is not).
            kind = None
        if kind:
            reasons[index] = kind
        elif not linear.get(block.item, True) and block.kind != "note":
            reasons[index] = 'outside the reading order (spine item marked linear="no")'


def _drop_by_title(entries: list[_Entry], blocks: list[Block], reasons: list[str | None]) -> None:
    """Entries named like a contents list, copyright or licence page: their text is not read."""
    kept = []
    titled = _has_title_page(blocks)
    for k, entry in enumerate(entries):
        first = blocks[entry.position] if entry.position < len(blocks) else None
        cover = first is not None and reasons[entry.position] is None and _is_title_page(first, titled)
        if cover or not _DROPPED_TITLE.fullmatch(entry.title.strip(" .:")):
            kept.append(entry)  # a cover page that is the book's title page is read as one
            continue
        end = entries[k + 1].position if k + 1 < len(entries) else len(blocks)
        for index in range(entry.position, end):
            if blocks[index].kind != "note":
                reasons[index] = reasons[index] or f"{entry.title} page"
    entries[:] = kept


def _names_the_book(title: str, metadata: dict[str, str], overrides: ChapterOverrides) -> bool:
    """An entry titled as a title page, as the opening credits, or as the book itself (with its author)."""

    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    name = words(title)
    if not name:
        return False
    if _TITLE_PAGE_NAME.fullmatch(title.strip(" .:")) or name == words(overrides.opening_title):
        return True
    book = words(metadata.get("title", ""))
    if not book or not name.startswith(book):
        return False
    rest = name[len(book) :].strip()
    author = words(metadata.get("author", ""))
    return not rest or (bool(author) and rest in (author, f"by {author}"))


def _title_pages_to_front(
    entries: list[_Entry],
    blocks: list[Block],
    reasons: list[str | None],
    metadata: dict[str, str],
    overrides: ChapterOverrides,
) -> None:
    """The entries at the start of the book that are its title page are not chapters: their text is front
    matter, read as the opening credits. A title page the book marks as one (epub:type, landmarks, guide)
    counts; so does a first entry named as one or as the book, if it is short and the book goes on after it."""
    titled = _has_title_page(blocks)
    while entries and not entries[0].forced:
        entry = entries[0]
        end = entries[1].position if len(entries) > 1 else len(blocks)
        read = [blocks[i] for i in range(entry.position, end) if reasons[i] is None and blocks[i].text]
        marked = entry.position < len(blocks) and _is_title_page(blocks[entry.position], titled)
        later = any(
            reasons[i] is None and blocks[i].text and blocks[i].kind != "note"
            for i in range(end, len(blocks))
        )
        named = (
            len(entries) > 1
            and later
            and _names_the_book(entry.title, metadata, overrides)
            and sum(len(b.text.split()) for b in read) <= _TITLE_PAGE_WORDS
        )
        if not (marked or named):
            return
        log.info("%s is the title page: read as the opening credits", entry.title)
        del entries[0]


def _drop_gutenberg(blocks: list[Block], reasons: list[str | None], starts: dict[str, int]) -> dict[str, str]:
    """A Project Gutenberg header (from the top of its file to the START line) and licence (END on)."""
    lines = [b.text for b in blocks]
    body = find_body(lines, path=Path("."))
    if body.start > 0:
        first = starts[blocks[body.start - 1].item]
        for index in range(first, body.start):
            reasons[index] = reasons[index] or "Project Gutenberg header"
    for index in range(body.end, len(blocks)):
        if blocks[index].kind != "note":
            reasons[index] = reasons[index] or "Project Gutenberg footer and licence"
    for dropped in body.dropped:
        if dropped.reason == "web-page trailer":
            reasons[dropped.where.line - 1] = reasons[dropped.where.line - 1] or dropped.reason
    return body.fields


def _drop_contents_lists(blocks: list[Block], reasons: list[str | None]) -> None:
    """A run of three or more paragraphs that are each one link into the book is a contents list."""
    index = 0
    while index < len(blocks):
        end = index
        while end < len(blocks) and blocks[end].link_only and reasons[end] is None:
            end += 1
        if end - index >= 3:
            start = index - 1 if index > 0 and is_contents(blocks[index - 1].text) else index
            for k in range(start, end):
                reasons[k] = "table of contents (each chapter is read where it begins)"
        index = max(end, index + 1)


def _dropped(blocks: list[Block], reasons: list[str | None], where) -> list[Dropped]:
    out: list[Dropped] = []
    for index, reason in enumerate(reasons):
        if reason is None:
            continue
        if out and out[-1].reason == reason and reasons[index - 1] == reason:
            previous = out[-1]
            out[-1] = replace(previous, text=previous.text + "\n" + blocks[index].text)
        else:
            out.append(Dropped(blocks[index].text, where(blocks[index]), reason))
    return out


def _is_prose(block: Block) -> bool:
    words = len(block.text.split())
    return block.kind != "heading" and (
        words >= 15 or (words >= 4 and bool(_SENTENCE_END.search(block.text)))
    )


def _chapters(
    entries: list[_Entry],
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
