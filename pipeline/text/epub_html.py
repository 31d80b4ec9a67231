"""EPUB in: an XHTML document parsed (strictly, else leniently with a warning) and what its elements are.

The helpers the block and note readers share: element names without their namespace, epub:type and ARIA
roles, internal links resolved to (archive path, fragment), and text as a reader sees it (soft hyphens and
zero-width characters gone, non-breaking and other spaces as one space).
"""

from __future__ import annotations

import html.entities
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

from ..errors import InputError
from .epub import epub_type

log = logging.getLogger(__name__)

BLOCKS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody thead "
    "tfoot tr ul caption".split()
)
# Invisible or layout-only characters: soft hyphen, zero-width space/joiners, word joiner, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


@dataclass(slots=True)
class Document:
    item: str
    root: etree._Element
    ids: dict[str, etree._Element]


def normal(text: str) -> str:
    """Text as a reader sees it: invisible characters gone, every run of spaces one space."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def local(element: etree._Element) -> str:
    """The element's name without its namespace, in lower case ('' for a comment)."""
    tag = element.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def types(element: etree._Element) -> set[str]:
    """Its epub:type tokens and its doc-* ARIA roles (both say what a part of a book is)."""
    tokens = set(epub_type(element).lower().split())
    tokens |= {r for r in (element.get("role") or "").lower().split() if r.startswith("doc-")}
    return tokens


def parse_document(data: bytes, where: Path) -> etree._Element:
    """Parse XHTML as XML; if it is not well-formed, warn and read it leniently as HTML."""
    # EPUB 2 XHTML uses HTML's named entities (&nbsp;) that an XML parser without the DTD does not know.
    fixed = _ENTITY.sub(_numeric_entity, data.decode("utf-8", "surrogateescape")) if b"&" in data else None
    source = fixed.encode("utf-8", "surrogateescape") if fixed is not None else data
    try:
        return etree.fromstring(
            source, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    except etree.XMLSyntaxError as exc:
        log.warning(
            "%s:%s: not well-formed XHTML (%s); read leniently as HTML (check this part of the book)",
            where,
            exc.lineno,
            exc.msg,
        )
    try:
        root = lxml_html.fromstring(data, parser=lxml_html.HTMLParser(recover=True, no_network=True))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(
            f"this XHTML document cannot be read at all ({exc})",
            path=where,
            fix="the EPUB is damaged: export it again (EPUBCheck says what is wrong with it)",
        ) from None
    return root


def _numeric_entity(m: re.Match[str]) -> str:
    name = m[1]
    if name in _XML_ENTITIES:
        return m[0]
    codepoint = html.entities.name2codepoint.get(name)
    return f"&#{codepoint};" if codepoint is not None else m[0]


def body_of(root: etree._Element) -> etree._Element:
    return next((e for e in root.iter() if local(e) == "body"), root)


def load(item: str, data: bytes, where: Path) -> Document:
    root = parse_document(data, where)
    ids = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id"):
            ids.setdefault(element.get("id"), element)
    return Document(item, root, ids)


def href(base: str, href: str) -> tuple[str, str | None] | None:
    """An internal link's target (archive path, fragment); None for links out of the book."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    name = (
        posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
        if parts.path
        else base
    )
    return name, unquote(parts.fragment) or None
