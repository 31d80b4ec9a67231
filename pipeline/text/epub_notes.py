"""EPUB in: which links are footnote and endnote markers, and which elements are the notes, across the book.

A marker is a link typed as a note reference (epub:type noteref, role doc-noteref, a footnote-ref class),
a link to a typed note (footnote, endnote, an aside) or, as EPUB 2 books make them, a plain link that is a
number or a sign, raised or pointing into another file (a notes file). The note is the block its target
stands in. Markers are not read; each note is heard once, in the notes chapter (epub_chapters.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .epub_html import BLOCKS, Document, body_of, href, local, normal, types

NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote", "note", "doc-footnote", "doc-endnote"})
_NOTES_TYPES = frozenset({"footnotes", "endnotes", "rearnotes", "doc-endnotes", "doc-footnotes"})
_NOTEREF_TYPES = frozenset({"noteref", "doc-noteref"})
_NOTEREF_CLASSES = frozenset({"footnote-ref", "noteref", "fnref", "footnote-link", "footnote", "endnote-ref"})
_MARKER = re.compile(r"[\[(]?(?:\d{1,3}|[*†‡§¶#]+|[a-z]|[ivxlc]{1,6})[\])]?\.?")


def in_notes(element: etree._Element) -> bool:
    for node in element.iterancestors():
        if types(node) & (_NOTES_TYPES | NOTE_TYPES):
            return True
        if set((node.get("class") or "").lower().split()) & {"footnotes", "endnotes"}:
            return True
    return bool(types(element) & NOTE_TYPES)


def _note_body(element: etree._Element) -> etree._Element:
    """The block a note's target id stands in: the element itself if it is a block, else its enclosing one
    (a paragraph or list item, never a whole section of notes)."""
    node = element
    while local(node) not in BLOCKS:
        parent = node.getparent()
        if parent is None:
            return element
        node = parent
    return element if node is not element and local(node) in ("body", "section", "ol", "ul") else node


@dataclass(slots=True)
class NoteMap:
    # lxml makes a Python object for an element on demand: the elements are kept here so that their id()
    # stays theirs while the book is read.
    markers: dict[int, etree._Element]  # the <a> elements that are note markers: not read
    bodies: dict[int, int]  # id() of a note's element -> its number in `notes`
    notes: list[tuple[str, etree._Element, bool]]  # (item, element, referenced), in order of first reference


def find_notes(documents: list[Document], *, skip: set[str]) -> NoteMap:
    """Which links are note markers and which elements are the notes, across the whole book."""
    by_item = {d.item: d for d in documents}
    markers: dict[int, etree._Element] = {}
    bodies: dict[int, int] = {}
    notes: list[tuple[str, etree._Element, bool]] = []
    for document in documents:
        for link in body_of(document.root).iter():
            if local(link) != "a" or not link.get("href"):
                continue
            if in_notes(link) or any(id(a) in bodies for a in link.iterancestors()):
                continue  # a link inside a note (back to its marker) is handled with the note
            target = href(document.item, link.get("href"))
            if target is None or target[1] is None or target[0] in skip:
                continue
            other = by_item.get(target[0])
            element = other.ids.get(target[1]) if other else None
            if element is None or element is link:
                continue
            typed = bool(types(link) & _NOTEREF_TYPES) or bool(
                set((link.get("class") or "").lower().split()) & _NOTEREF_CLASSES
            )
            label = normal("".join(link.itertext()))
            # An EPUB 2 marker is a plain link: a number or a sign, raised or pointing into another file.
            marker_like = bool(_MARKER.fullmatch(label)) and (
                any(local(a) == "sup" for a in link.iterancestors())
                or any(local(c) == "sup" for c in link.iter())
                or target[0] != document.item
            )
            if not (typed or in_notes(element) or marker_like):
                continue
            markers[id(link)] = link
            body = _note_body(element)
            if id(body) not in bodies:
                bodies[id(body)] = len(notes)
                notes.append((target[0], body, True))
    for document in documents:
        for element in body_of(document.root).iter():
            if isinstance(element.tag, str) and types(element) & NOTE_TYPES and id(element) not in bodies:
                if any(id(a) in bodies for a in element.iterancestors()):
                    continue
                bodies[id(element)] = len(notes)
                notes.append((document.item, element, False))
    return NoteMap(markers, bodies, notes)
