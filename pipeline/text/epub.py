"""EPUB in, first half: the archive, its package document (metadata, manifest, spine) and its navigation.

In: an .epub file. Out: a `Package`: the spine's items in reading order (their bytes on demand), the table of
contents as entries with their depth (EPUB 3 nav, else the EPUB 2 NCX), the metadata and the cover image.
epub_html.py turns each item into blocks of text, epub_chapters.py the blocks into chapters. Everything a
damaged or protected EPUB can do wrong is an InputError that names the file and says what to do.
The archive is read with zipfile and the XML with lxml, which knows every element's line.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..errors import InputError

log = logging.getLogger(__name__)

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_ENC = "http://www.w3.org/2001/04/xmlenc#"
# Font obfuscation (IDPF's and Adobe's) only scrambles embedded fonts so they cannot be lifted out; the text
# stays readable. Any other algorithm in encryption.xml is DRM.
_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
_DRM_FILES = ("META-INF/rights.xml", "META-INF/sinf.xml")  # Adobe ADEPT, Apple FairPlay
_DRM_FIX = "this EPUB is DRM-protected; remove the protection with the tool you bought it from, or use a DRM-free copy"
_DOCUMENTS = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str  # the path inside the archive
    media_type: str
    properties: frozenset[str] = frozenset()
    linear: bool = True


@dataclass(frozen=True, slots=True)
class NavEntry:
    """One table-of-contents entry: its label, what it points at (archive path and fragment), its depth."""

    title: str
    name: str | None
    fragment: str | None
    depth: int


@dataclass(frozen=True, slots=True)
class Package:
    path: Path  # the .epub
    version: str
    spine: tuple[Item, ...]
    nav: tuple[NavEntry, ...]
    metadata: dict[str, str]  # title, author, translator, language, publisher, year, description, ...
    landmarks: dict[str, str]  # archive path -> what it is (cover, titlepage, toc, copyright-page, ...)
    cover: bytes | None
    nav_name: str | None  # the EPUB 3 navigation document, which is not read as text
    archive: zipfile.ZipFile = field(repr=False)

    def where(self, name: str) -> Path:
        """How a message names an item: the .epub and the path inside it."""
        return Path(f"{self.path}/{name}")

    def read(self, name: str) -> bytes:
        return _read(self.archive, name, self.path)


def open_epub(path: Path) -> Package:
    """Open and check an EPUB: a readable ZIP, not DRM-protected, with a package document and its spine."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("no such file", path=path, fix="check the path to the .epub") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"this is not a readable EPUB: the ZIP archive is damaged ({exc})",
            path=path,
            fix="download or export the EPUB again; an EPUB is a ZIP file and this one cannot be opened",
        ) from None
    names = set(archive.namelist())
    _check_drm(archive, names, path)
    opf_name = _find_opf(archive, names, path)
    opf = _parse_xml(_read(archive, opf_name, path), Path(f"{path}/{opf_name}"))
    base = posixpath.dirname(opf_name)
    manifest: dict[str, Item] = {}
    for element in opf.iter(f"{{{OPF}}}item"):
        href = element.get("href")
        if not href or not element.get("id"):
            continue
        manifest[element.get("id")] = Item(
            element.get("id"),
            _resolve(base, href),
            (element.get("media-type") or "").strip().lower(),
            frozenset((element.get("properties") or "").split()),
        )
    spine_element = opf.find(f"{{{OPF}}}spine")
    spine: list[Item] = []
    lookup = _Names(names)
    for ref in spine_element.iter(f"{{{OPF}}}itemref") if spine_element is not None else ():
        item = manifest.get(ref.get("idref", ""))
        if item is None:
            log.warning(
                "%s: the spine lists %r, which the manifest does not have; skipped", path, ref.get("idref")
            )
            continue
        found = lookup.find(item.name)
        if found is None:
            raise InputError(
                f"the book's reading order (spine) lists {item.name}, which is not in the archive",
                path=path,
                fix="the EPUB is incomplete: export or download it again (EPUBCheck lists every missing file)",
            )
        if item.media_type not in _DOCUMENTS:
            log.info("%s: spine item %s is %s, not XHTML; not read", path, item.name, item.media_type)
            continue
        linear = (ref.get("linear") or "yes").strip() != "no"
        spine.append(Item(item.id, found, item.media_type, item.properties, linear))
    if not spine:
        raise InputError(
            "the EPUB's reading order (spine) lists no XHTML documents, so it has no text to read",
            path=Path(f"{path}/{opf_name}"),
            fix="check that this is a text EPUB (not only images), or export it again",
        )
    nav_item = next((i for i in manifest.values() if "nav" in i.properties), None)
    nav_name = lookup.find(nav_item.name) if nav_item else None
    entries: tuple[NavEntry, ...] = ()
    landmarks: dict[str, str] = {}
    if nav_name is not None:
        entries, landmarks = _read_nav(archive, nav_name, path)
    if not entries:
        ncx_id = spine_element.get("toc") if spine_element is not None else None
        ncx = manifest.get(ncx_id or "") or next(
            (i for i in manifest.values() if i.media_type == "application/x-dtbncx+xml"), None
        )
        ncx_name = lookup.find(ncx.name) if ncx else None
        if ncx_name is not None:
            entries = _read_ncx(archive, ncx_name, path)
    for reference in opf.iter(f"{{{OPF}}}reference"):  # EPUB 2's guide
        if reference.get("href") and reference.get("type"):
            name, _ = _split(base, reference.get("href"))
            landmarks.setdefault(lookup.find(name) or name, reference.get("type").strip().lower())
    metadata = _metadata(opf)
    cover = _cover(opf, manifest, lookup, archive, path)
    version = opf.get("version") or "2.0"
    return Package(path, version, tuple(spine), tuple(entries), metadata, landmarks, cover, nav_name, archive)


class _Names:
    """Archive paths as an EPUB's hrefs name them: exactly, else Unicode-normalised, else ignoring case."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.nfc = {unicodedata.normalize("NFC", n): n for n in names}
        self.folded = {unicodedata.normalize("NFC", n).casefold(): n for n in names}

    def find(self, name: str) -> str | None:
        if name in self.names:
            return name
        nfc = unicodedata.normalize("NFC", name)
        return self.nfc.get(nfc) or self.folded.get(nfc.casefold())


def _read(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise InputError(
            f"{name} is not in the archive",
            path=path,
            fix="the EPUB is incomplete: export or download it again",
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(
            f"{name} cannot be read from the archive: the ZIP is damaged ({exc})",
            path=path,
            fix="download or export the EPUB again",
        ) from None


def _check_drm(archive: zipfile.ZipFile, names: set[str], path: Path) -> None:
    for name in _DRM_FILES:
        if name in names:
            raise InputError(f"{name} is Adobe's or Apple's DRM licence", path=path, fix=_DRM_FIX)
    if "META-INF/encryption.xml" not in names:
        return
    tree = _parse_xml(
        _read(archive, "META-INF/encryption.xml", path), Path(f"{path}/META-INF/encryption.xml")
    )
    for data in tree.iter(f"{{{_ENC}}}EncryptedData"):
        method = data.find(f"{{{_ENC}}}EncryptionMethod")
        algorithm = (method.get("Algorithm") if method is not None else "") or ""
        reference = data.find(f".//{{{_ENC}}}CipherReference")
        target = reference.get("URI", "") if reference is not None else ""
        if algorithm not in _OBFUSCATION:
            raise InputError(
                f"META-INF/encryption.xml says {target or 'its content'} is encrypted ({algorithm or 'no algorithm'})",
                path=path,
                fix=_DRM_FIX,
            )
        if not re.search(r"\.(?:otf|ttf|woff2?|eot)$", target, re.IGNORECASE):
            raise InputError(
                f"META-INF/encryption.xml obfuscates {target}, which is not a font, so it cannot be read",
                path=path,
                fix=_DRM_FIX,
            )
    log.debug("%s: embedded fonts are obfuscated (not DRM); the text is readable", path)


def _find_opf(archive: zipfile.ZipFile, names: set[str], path: Path) -> str:
    if "META-INF/container.xml" in names:
        container = _parse_xml(
            _read(archive, "META-INF/container.xml", path), Path(f"{path}/META-INF/container.xml")
        )
        for rootfile in container.iter(f"{{{_CONTAINER}}}rootfile"):
            name = unquote(rootfile.get("full-path") or "")
            if name in names and (rootfile.get("media-type") or "").endswith("oebps-package+xml"):
                return name
    candidates = sorted(n for n in names if n.lower().endswith(".opf"))
    if len(candidates) == 1:
        log.warning(
            "%s: META-INF/container.xml does not name the package document; using %s", path, candidates[0]
        )
        return candidates[0]
    raise InputError(
        "the EPUB has no package document (.opf), so its reading order and metadata are unknown"
        if not candidates
        else f"META-INF/container.xml does not say which of {len(candidates)} package documents to use",
        path=path,
        fix="export the EPUB again from the tool that made it (EPUBCheck says what is wrong with it)",
    )


def _parse_xml(data: bytes, where: Path) -> etree._Element:
    try:
        return etree.fromstring(
            data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    except etree.XMLSyntaxError as exc:
        raise InputError(
            f"this XML file does not parse: {exc.msg}",
            path=where,
            line=exc.lineno,
            fix="the EPUB is damaged: export it again (EPUBCheck says what is wrong with it)",
        ) from None


def _resolve(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(urlsplit(href).path)))


def _split(base: str, href: str) -> tuple[str, str | None]:
    """An href relative to `base` as (archive path, fragment)."""
    parts = urlsplit(href)
    name = posixpath.normpath(posixpath.join(base, unquote(parts.path))) if parts.path else base
    return name, unquote(parts.fragment) or None


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _read_nav(archive: zipfile.ZipFile, name: str, path: Path) -> tuple[tuple[NavEntry, ...], dict[str, str]]:
    from .epub_html import (
        parse_document,  # lenient: a nav that is not well-formed is still read
    )

    root = parse_document(_read(archive, name, path), Path(f"{path}/{name}"))
    base = posixpath.dirname(name)
    toc: list[NavEntry] = []
    landmarks: dict[str, str] = {}
    for nav in root.iter():
        if _local(nav) != "nav":
            continue
        kinds = set(epub_type(nav).split()) | set((nav.get("role") or "").removeprefix("doc-").split())
        top = next((c for c in nav if _local(c) in ("ol", "ul")), None)
        if top is None:
            continue
        if "toc" in kinds and not toc:
            _nav_list(top, base, 0, toc)
        elif "landmarks" in kinds:
            for link in top.iter():
                if _local(link) == "a" and link.get("href"):
                    target, _ = _split(base, link.get("href"))
                    for kind in epub_type(link).split():
                        landmarks.setdefault(target, kind.lower())
    return tuple(toc), landmarks


def _nav_list(ol: etree._Element, base: str, depth: int, out: list[NavEntry]) -> None:
    for li in ol:
        if _local(li) != "li":
            continue
        label = next((c for c in li if _local(c) in ("a", "span")), None)
        sub = next((c for c in li if _local(c) in ("ol", "ul")), None)
        if label is not None:
            href = label.get("href") if _local(label) == "a" else None
            name, fragment = _split(base, href) if href else (None, None)
            out.append(NavEntry(_text(label), name, fragment, depth))
        if sub is not None:
            _nav_list(sub, base, depth + 1, out)


def _read_ncx(archive: zipfile.ZipFile, name: str, path: Path) -> tuple[NavEntry, ...]:
    root = _parse_xml(_read(archive, name, path), Path(f"{path}/{name}"))
    base = posixpath.dirname(name)
    out: list[NavEntry] = []

    def walk(parent: etree._Element, depth: int) -> None:
        for point in parent.findall(f"{{{NCX}}}navPoint"):
            label = point.find(f"{{{NCX}}}navLabel")
            content = point.find(f"{{{NCX}}}content")
            src = content.get("src") if content is not None else None
            target, fragment = _split(base, src) if src else (None, None)
            out.append(NavEntry(_text(label) if label is not None else "", target, fragment, depth))
            walk(point, depth + 1)

    nav_map = root.find(f"{{{NCX}}}navMap")
    if nav_map is not None:
        walk(nav_map, 0)
    return tuple(out)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def epub_type(element: etree._Element) -> str:
    """The element's epub:type, whether the XHTML was parsed as XML (namespaced) or leniently as HTML."""
    return element.get(f"{{{OPS}}}type") or element.get("epub:type") or ""


def _metadata(opf: etree._Element) -> dict[str, str]:
    meta = opf.find(f"{{{OPF}}}metadata")
    if meta is None:
        return {}
    refines: dict[tuple[str, str], str] = {}
    for element in meta.iter(f"{{{OPF}}}meta"):
        if element.get("refines") and element.get("property") and element.text:
            refines[(element.get("refines").lstrip("#"), element.get("property"))] = element.text.strip()

    def values(tag: str) -> list[etree._Element]:
        return [e for e in meta.iter(f"{{{DC}}}{tag}") if e.text and e.text.strip()]

    def role(element: etree._Element) -> str:
        given = element.get(f"{{{OPF}}}role") or refines.get((element.get("id") or "", "role")) or ""
        return given.strip().lower()

    result: dict[str, str] = {}
    titles = values("title")
    main = [t for t in titles if refines.get((t.get("id") or "", "title-type")) == "main"]
    if titles:
        result["title"] = _clean((main or titles)[0].text)
    people = values("creator") + values("contributor")
    authors = [_clean(p.text) for p in values("creator") if role(p) in ("", "aut")]
    translators = [_clean(p.text) for p in people if role(p) == "trl"]
    if authors:
        result["author"] = " and ".join(authors) if len(authors) == 2 else ", ".join(authors)
    if translators:
        result["translator"] = " and ".join(translators) if len(translators) == 2 else ", ".join(translators)
    for key, tag in (("language", "language"), ("publisher", "publisher"), ("copyright", "rights")):
        found = values(tag)
        if found:
            result[key] = _clean(found[0].text)
    descriptions = values("description")
    if descriptions:
        # Descriptions are often HTML, escaped or not; players want plain text.
        text = html.unescape(re.sub(r"<[^>]+>", " ", "".join(descriptions[0].itertext())))
        result["description"] = _clean(text)
    dates = [d for d in values("date") if "modification" not in (d.get(f"{{{OPF}}}event") or "")]
    year = next((m[1] for d in dates if (m := re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", d.text))), None)
    if year:
        result["year"] = year
    unique = opf.get("unique-identifier")
    identifiers = values("identifier")
    chosen = next(
        (i for i in identifiers if unique and i.get("id") == unique), identifiers[0] if identifiers else None
    )
    if chosen is not None:
        result["identifier"] = _clean(chosen.text)
    return result


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _cover(
    opf: etree._Element, manifest: dict[str, Item], lookup: _Names, archive: zipfile.ZipFile, path: Path
) -> bytes | None:
    """The cover image: EPUB 3's cover-image item, else EPUB 2's <meta name="cover">; JPEG or PNG only."""
    item = next((i for i in manifest.values() if "cover-image" in i.properties), None)
    if item is None:
        meta = next((m for m in opf.iter(f"{{{OPF}}}meta") if m.get("name") == "cover"), None)
        if meta is not None and meta.get("content"):
            content = meta.get("content")
            item = manifest.get(content) or next(
                (i for i in manifest.values() if i.name.endswith(content)), None
            )
    if item is None or not item.media_type.startswith("image/"):
        return None
    name = lookup.find(item.name)
    if name is None:
        log.warning("%s: the cover image %s is not in the archive; a cover will be drawn", path, item.name)
        return None
    data = _read(archive, name, path)
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    log.info("%s: the cover %s is %s, not JPEG or PNG; it is converted", path, name, item.media_type)
    return data
