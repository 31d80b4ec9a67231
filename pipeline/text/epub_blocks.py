"""EPUB in: each XHTML document of the spine as blocks of text a narrator reads, and each note's own text.

A block is a paragraph, a heading, a list item, a table row, a line of verse or of preformatted text: its
text as a reader sees it (emphasis kept as plain words, `<br/>` starting a new block), the item and line it
starts on, the ids at it (what the navigation points at) and the epub:type of what encloses it (titlepage,
toc, copyright-page...). Note markers are left out and each note stands as a placeholder where it was.
Images are skipped; their alt text is read only if the book asks (book.yaml `alt_text: true`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from lxml import etree

from .epub_html import BLOCKS, Document, body_of, local, normal, types
from .epub_notes import NoteMap

log = logging.getLogger(__name__)

_SKIPPED = frozenset(
    "head script style template svg math rt rp object embed audio video iframe noscript button input "
    "select textarea".split()
)
_BACKLINK = re.compile(r"[↩⤴↑^]\ufe0e?\ufe0f?|back|return|\d{1,3}|\[\d{1,3}\]", re.IGNORECASE)
_OWN_NUMBER = re.compile(r"\A(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}[.)]|\d{1,3}(?=\s)|[*†‡§]+)\s*(?=\S)")


@dataclass(slots=True)
class Block:
    text: str
    item: str
    line: int
    kind: str = "p"  # p, heading, pre, alt (an image's alt text), note (where a note stood)
    level: int = 0  # a heading's level, 1 to 6
    ids: list[str] = field(default_factory=list)
    link_only: bool = False  # the block is one link into the book: a table-of-contents row
    types: frozenset[str] = frozenset()  # epub:type and role of what encloses it
    note: int | None = None  # for kind "note": which of the notes stood here


class _Walker:
    """Turns one document's body into blocks; notes and markers as `find_notes` decided."""

    def __init__(self, item: str, notes: NoteMap, *, alt_text: bool, in_note: bool = False) -> None:
        self.item, self.notes, self.alt_text, self.in_note = item, notes, alt_text, in_note
        self.blocks: list[Block] = []
        self.pending: list[str] = []
        self.pieces: list[str] = []
        self.link_text: list[str] = []
        self.links = 0
        self.line = 1
        self.start = 1
        self.types: list[set[str]] = []
        self.kind, self.level = "p", 0
        self.tables = 0
        self.images = 0

    # -- text -------------------------------------------------------------------------------------------
    def add(self, text: str | None, *, in_link: bool) -> None:
        if not text:
            return
        if not self.pieces or not "".join(self.pieces).strip():
            self.start = self.line
        self.pieces.append(text)
        if in_link:
            self.link_text.append(text)

    def flush(self) -> None:
        text = normal("".join(self.pieces))
        if text:
            link_only = self.links == 1 and normal("".join(self.link_text)) == text
            enclosing = frozenset().union(*self.types) if self.types else frozenset()
            self.blocks.append(
                Block(text, self.item, self.start, self.kind, self.level, self.pending, link_only, enclosing)
            )
            self.pending = []
        self.pieces, self.link_text, self.links = [], [], 0

    def add_id(self, value: str | None) -> None:
        if value:  # it belongs to the block being built, or to the next one with text
            self.pending.append(value)

    # -- elements ---------------------------------------------------------------------------------------
    def walk(self, element: etree._Element, *, in_link: bool = False) -> None:
        name = local(element)
        if not name:  # a comment or processing instruction: only its tail is text
            self.add(element.tail, in_link=in_link)
            return
        if element.sourceline:
            self.line = element.sourceline
        if name in _SKIPPED:
            self.add(element.tail, in_link=in_link)
            return
        if id(element) in self.notes.markers and not self.in_note:
            self.add(element.tail, in_link=in_link)
            return
        number = self.notes.bodies.get(id(element))
        if number is not None and not self.in_note:
            self.flush()
            self.blocks.append(Block("", self.item, self.line, "note", ids=self.pending, note=number))
            self.pending = []
            self.add(element.tail, in_link=in_link)
            return
        if self.in_note and name == "a" and _BACKLINK.fullmatch(normal("".join(element.itertext())) or "↩"):
            self.add(element.tail, in_link=in_link)
            return
        self.add_id(element.get("id"))
        if name == "img":
            self.images += 1
            alt = normal(element.get("alt") or "")
            if self.alt_text and alt:
                self.flush()
                kind, self.kind = self.kind, "alt"
                self.add(alt, in_link=False)
                self.flush()
                self.kind = kind
            self.add(element.tail, in_link=in_link)
            return
        if name == "br":
            self.flush()
            self.add(element.tail, in_link=in_link)
            return
        if name == "pre":
            self.flush()
            self._pre(element)
            self.add(element.tail, in_link=in_link)
            return
        block = name in BLOCKS or (name == "span" and "line" in (element.get("class") or "").split())
        self.types.append(types(element))
        saved = (self.kind, self.level)
        if block:
            self.flush()
            if re.fullmatch(r"h[1-6]", name):
                self.kind, self.level = "heading", int(name[1])
            elif name in ("p", "li", "dt", "dd", "td", "th", "tr"):
                self.kind, self.level = "p", 0
        if name == "table":
            self.tables += 1
        if name == "a" and element.get("href"):
            self.links += 1
            in_link = True
        if name == "li":
            self._list_number(element, in_link=in_link)
        if name == "tr":
            self._row(element)
        else:
            self.add(element.text, in_link=in_link)
            for child in element:
                self.walk(child, in_link=in_link)
        if block:
            self.flush()
        self.kind, self.level = saved
        self.types.pop()
        self.add(element.tail, in_link=in_link and name != "a")

    def _list_number(self, li: etree._Element, *, in_link: bool) -> None:
        parent = li.getparent()
        if parent is None or local(parent) != "ol" or self.in_note:
            return  # a note's list number is said as "Footnote one"
        items = [c for c in parent if local(c) == "li"]
        try:
            start = int(parent.get("start") or 1)
        except ValueError:
            start = 1
        self.add(f"{start + items.index(li)}. ", in_link=in_link)

    def _row(self, tr: etree._Element) -> None:
        cells = []
        for cell in tr:
            if local(cell) in ("td", "th"):
                inner = _Walker(self.item, self.notes, alt_text=self.alt_text, in_note=self.in_note)
                inner.line = cell.sourceline or self.line
                inner.add(cell.text, in_link=False)
                for child in cell:
                    inner.walk(child)
                inner.flush()
                text = " ".join(b.text for b in inner.blocks if b.kind != "note")
                if text:
                    cells.append(text)
        if cells:
            self.add(", ".join(cells), in_link=False)

    def _pre(self, pre: etree._Element) -> None:
        """Preformatted text: each line a block of its own, on its own line of the file."""
        text = "".join(t for t in _texts(pre, self.notes))
        first = pre.sourceline or self.line
        self.add_id(pre.get("id"))
        for offset, line in enumerate(text.split("\n")):
            if normal(line):
                enclosing = frozenset().union(*self.types) if self.types else frozenset()
                self.blocks.append(
                    Block(normal(line), self.item, first + offset, "pre", ids=self.pending, types=enclosing)
                )
                self.pending = []


def _texts(element: etree._Element, notes: NoteMap):
    if local(element) in _SKIPPED or id(element) in notes.markers:
        return
    if element.text:
        yield element.text
    for child in element:
        yield from _texts(child, notes)
        if child.tail:
            yield child.tail


def blocks_of(document: Document, notes: NoteMap, *, alt_text: bool) -> tuple[list[Block], list[str]]:
    """The document's blocks in reading order, and the ids that stand after its last block."""
    walker = _Walker(document.item, notes, alt_text=alt_text)
    body = body_of(document.root)
    walker.types.append(types(body))
    walker.walk(body)
    walker.flush()
    if walker.tables:
        log.info(
            "%s: %d table(s) read row by row, the cells of a row joined by commas",
            document.item,
            walker.tables,
        )
    if walker.images and not alt_text:
        log.debug(
            "%s: %d image(s) skipped (book.yaml `alt_text: true` reads their alt text)",
            document.item,
            walker.images,
        )
    return walker.blocks, walker.pending


def note_blocks(item: str, element: etree._Element, notes: NoteMap, *, alt_text: bool) -> list[Block]:
    """A note's own text as blocks, its back-links and its own number left out."""
    walker = _Walker(item, notes, alt_text=alt_text, in_note=True)
    walker.line = element.sourceline or 1
    walker.walk(element)
    walker.flush()
    blocks = [b for b in walker.blocks if b.kind != "note"]
    if blocks:
        # The note's own number ("1.", "[1]", "1)") is said again as "Footnote one": not twice.
        first = blocks[0]
        first.text = _OWN_NUMBER.sub("", first.text)
        if not first.text:
            blocks = blocks[1:]
    return blocks
