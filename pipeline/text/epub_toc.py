"""An EPUB's table of contents laid over its blocks: where each chapter starts, and what contains what.

In: the navigation (EPUB 3 nav, else the NCX) and where each spine item and anchor starts among the blocks.
Out: one `TocEntry` per entry that points into the spine, in spine order, ranked: a keyword's own rank
(Volume, Part, Book, Chapter) says what contains what where the navigation lists them side by side; without a
navigation each spine item is a chapter, titled by its first heading. book.yaml's headings add or refuse
entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from .epub import NavEntry
from .epub_blocks import Block
from .headings import CHAPTER, FLOATING, SECTION, shape_of
from .overrides import ChapterOverrides


@dataclass(slots=True)
class TocEntry:
    title: str
    position: int
    depth: int
    rank: int = CHAPTER
    notes: bool = False
    forced: bool = False  # book.yaml's chapters: headings lists it


def toc_entries(
    nav: tuple[NavEntry, ...],
    starts: dict[str, int],
    anchors: dict[tuple[str, str], int],
    overrides: ChapterOverrides,
    blocks: list[Block],
) -> list[TocEntry]:
    """The navigation's entries that point into the spine, at the block each starts, in reading order."""
    entries: list[TocEntry] = []
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
            entries.append(TocEntry(title, position, entry.depth))
    if not entries and overrides.automatic:
        # No navigation: each spine item is a chapter, titled by its first heading.
        for name, start in starts.items():
            heading = next((b for b in blocks[start:] if b.item == name and b.kind == "heading"), None)
            if heading is not None:
                entries.append(TocEntry(heading.text, blocks.index(heading), 0))
    for index, block in enumerate(blocks):
        if block.kind in ("heading", "p") and overrides.forces(block.text):
            entries.append(TocEntry(block.text, index, 0, forced=True))
    entries.sort(key=lambda e: e.position)  # spine order, whatever order the navigation lists them in
    _rank(entries)
    return entries


def _rank(entries: list[TocEntry]) -> None:
    """What contains what: a keyword's own rank (Book before Chapter), else the navigation's nesting."""
    parents: list[TocEntry] = []
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
