"""What of an EPUB is not read, and why: each block that is left out gets its reason, as for text.

In: the blocks in spine order and the table of contents' entries. Out: a reason for every block not read (a
Project Gutenberg header and licence, tables of contents, cover, copyright and licence pages, items outside the
reading order), grouped as `Dropped` records; and the title page taken out of the entries.

A title page is front matter however the book marks it: by epub:type (titlepage, halftitlepage; a cover
page's text when there is no title page), by the landmarks nav or the EPUB 2 guide (title-page), or by a
first table-of-contents entry named as one ("Title Page", "Opening Credits") or as the book itself ("War and
Peace", "War and Peace, by Leo Tolstoy"). Listed in the navigation or not, it is not a chapter whose title is
read aloud: its lines open the book as the text detector's opening credits do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from .epub_blocks import Block
from .epub_toc import TocEntry
from .headings import is_contents
from .manuscript import Dropped, find_body
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


def _has_title_page(blocks: list[Block]) -> bool:
    return any(block.types & _TITLE_PAGE_TYPES for block in blocks)


def _is_title_page(block: Block, titled: bool) -> bool:
    """The block stands on a title page (or on a cover page, in a book without a title page)."""
    return bool(block.types & _TITLE_PAGE_TYPES) or (not titled and bool(block.types & _COVER_TYPES))


def drop_by_kind(blocks: list[Block], reasons: list[str | None], linear: dict[str, bool]) -> None:
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


def drop_by_title(entries: list[TocEntry], blocks: list[Block], reasons: list[str | None]) -> None:
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


def title_pages_to_front(
    entries: list[TocEntry],
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


def drop_gutenberg(blocks: list[Block], reasons: list[str | None], starts: dict[str, int]) -> dict[str, str]:
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


def drop_contents_lists(blocks: list[Block], reasons: list[str | None]) -> None:
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


def left_out(blocks: list[Block], reasons: list[str | None], where) -> list[Dropped]:
    """What was left out, as `Dropped` records: a run of blocks left out for one reason is one record."""
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
