"""EPUBs made for the tests with ebooklib (an independent writer, so the reader is not tested against itself).

ebooklib writes EPUB 3 (nav and NCX); `epub2` turns one into an EPUB 2 the way an EPUB 2 is made (package
version 2.0, no nav document, the NCX as the table of contents). `rewrite` changes members of the archive,
for the damaged and protected EPUBs the reader must refuse.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub


@dataclass(frozen=True)
class Doc:
    """One XHTML document of the spine: its file name, its title (for the nav) and its body's markup."""

    name: str
    title: str
    body: str
    in_toc: bool = True
    epub_type: str | None = None  # on the <body>: titlepage, copyright-page, ...


def make_epub(
    path: Path,
    docs: Sequence[Doc],
    *,
    title: str = "The Tiny Test Book",
    author: str = "Ada Example",
    translator: str | None = None,
    language: str = "en",
    publisher: str | None = None,
    date: str | None = None,
    description: str | None = None,
    identifier: str = "urn:uuid:00000000-0000-4000-8000-000000000001",
    toc: list | None = None,
    cover: bytes | None = None,
    version: int = 3,
    guide: Sequence[tuple[str, str]] = (),
    landmarks: bool = True,
    opf_guide: bool = True,
) -> Path:
    """Write an EPUB of `docs` in that reading order. `toc` is ebooklib's nested table of contents; by
    default every doc with `in_toc` is one flat entry. `guide` is (type, doc name) pairs, written as the
    OPF's EPUB 2 guide (if `opf_guide`) and as the EPUB 3 landmarks nav (if `landmarks`), same types."""
    book = epub.EpubBook()
    book.set_identifier(identifier)
    book.set_title(title)
    book.set_language(language)
    book.add_author(author)
    if translator:
        book.add_author(translator, role="trl", uid="translator")
    for name, value in (("publisher", publisher), ("date", date), ("description", description)):
        if value:
            book.add_metadata("DC", name, value)
    if cover is not None:
        book.set_cover("cover.png", cover, create_page=False)
    items = []
    for doc in docs:
        item = epub.EpubHtml(title=doc.title, file_name=doc.name, lang=language)
        item.content = f"<html><head><title>{doc.title}</title></head><body>{doc.body}</body></html>"
        book.add_item(item)
        items.append(item)
    book.toc = (
        toc
        if toc is not None
        else [epub.Link(d.name, d.title, f"toc-{i}") for i, d in enumerate(docs) if d.in_toc]
    )
    book.guide = [{"type": kind, "href": name, "title": kind} for kind, name in guide]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(
        str(path), book, {"epub3_pages": False, "epub3_landmark": landmarks, "epub2_guide": opf_guide}
    )
    changes: dict[str, bytes | None] = {}
    with zipfile.ZipFile(path) as archive:
        for doc in docs:
            if doc.epub_type:
                name = f"EPUB/{doc.name}"
                data = archive.read(name).decode()
                changes[name] = data.replace("<body>", f'<body epub:type="{doc.epub_type}">', 1).encode()
        if version == 2:
            opf = archive.read("EPUB/content.opf").decode()
            opf = opf.replace('version="3.0"', 'version="2.0"')
            opf = re.sub(r'<item href="nav.xhtml"[^>]*/>', "", opf)
            opf = re.sub(r'<meta property="dcterms:modified">[^<]*</meta>', "", opf)
            # EPUB 2 says who translated in an attribute, not in a refining <meta>.
            opf = re.sub(r'<meta refines="#translator" property="role"[^>]*>trl</meta>', "", opf)
            opf = opf.replace('<dc:creator id="translator">', '<dc:creator id="translator" opf:role="trl">')
            changes["EPUB/content.opf"] = opf.encode()
            changes["EPUB/nav.xhtml"] = None
    if changes:
        rewrite(path, changes)
    return path


def rewrite(
    path: Path, changes: dict[str, bytes | None], *, add_first: dict[str, bytes] | None = None
) -> Path:
    """Replace (bytes), remove (None) or add members of the archive at `path`; mimetype stays first."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, data in members:
            if info.filename in changes:
                data = changes[info.filename]
                if data is None:
                    continue
            out.writestr(info, data)
        names = {info.filename for info, _ in members}
        for name, data in changes.items():
            if name not in names and data is not None:
                out.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def encryption_xml(*entries: tuple[str, str]) -> bytes:
    """META-INF/encryption.xml listing (algorithm, archive path) pairs."""
    data = "".join(
        f'<enc:EncryptedData><enc:EncryptionMethod Algorithm="{algorithm}"/>'
        f'<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData>'
        for algorithm, uri in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        f'xmlns:enc="http://www.w3.org/2001/04/xmlenc#">{data}</encryption>'
    ).encode()
