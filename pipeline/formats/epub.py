"""The book as an EPUB 3 with Media Overlays: the text as written, the audio beside it, each sentence lit
while it is heard (read-along, as DAISY talking books do it).

`<name>.epub` holds one XHTML document per chapter (its title as a heading if the title is spoken, its
paragraphs, each sentence a `<span id>`; the opening credits as the title page, epub:type "titlepage" and
named so in the landmarks, as an EPUB reader, ours included, knows a title page), the cover, the
navigation, and per chapter a SMIL file (one `<par>`
per sentence: the sentence's text and its clip of audio) and the chapter's audio: the cached AAC, exactly as
the M4B holds it, in an M4A of its own (never encoded again). The clips come from the same timeline as the
chapter transcripts (each chapter's audio starts at its region, see audio/timeline.py): a clip begins where
its sentence's cue begins and runs to where the next sentence begins, so a reading system that plays the
clips one after the other plays the pauses too, and the highlight moves exactly as the voice does.

The file is reproducible (fixed dates and order, mimetype first and stored) and records what it was made
from in its ZIP comment; a build with nothing changed leaves it alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr

from ..audio.timeline import BuiltBook, TimedChapter
from ..files import work_folder
from ..m4b import mp4write
from ..m4b.package import narrator_credit
from ..model import ChapterKind, ChapterMark
from ..progress import Reporter
from .common import book_key, cover_mime, cover_suffix, title_of

log = logging.getLogger(__name__)

EPUB_FORMAT = "epub3-media-overlays-2"
ACTIVE_CLASS = "-epub-media-overlay-active"
_COMMENT = b"audiobook-pipeline "
_DATE = (1980, 1, 1, 0, 0, 0)  # every member's time: the same input gives the same bytes
_STYLE = f"""body {{ margin: 1em 5%; line-height: 1.5; }}
h1 {{ font-size: 1.6em; margin: 1.5em 0 1em; text-align: center; }}
p {{ margin: 0 0 0.8em; text-indent: 0; }}
img.cover {{ display: block; max-width: 100%; max-height: 100%; margin: 0 auto; }}
.{ACTIVE_CLASS} {{ background-color: #fde68a; color: #111111; }}
"""


# XML 1.0 has no place for most control characters: a stray form feed in a manuscript would make the file
# unreadable, so they are left out of the text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    return _escape(_CONTROL.sub("", text))


def epub_path(output_dir: Path, name: str) -> Path:
    return output_dir / f"{name}.epub"


def write_epub(book: BuiltBook, *, output_dir: Path, reporter: Reporter) -> tuple[Path, ...]:
    """Write `<name>.epub` unless the one there was made from exactly this book; returns its path."""
    dest = epub_path(output_dir, book.name)
    key = _key(book)
    if recorded_key(dest) == key:
        return (dest,)
    reporter.start("EPUB with read-along audio", len(book.chapters), "chapter")
    with work_folder(dest) as work:
        temporary = work / dest.name
        with zipfile.ZipFile(temporary, "w") as archive:
            _put(archive, "mimetype", b"application/epub+zip", compress=False)
            _put(archive, "META-INF/container.xml", _CONTAINER.encode())
            _put(archive, "EPUB/style.css", _STYLE.encode())
            cover = f"cover{cover_suffix(book.cover)}"
            _put(archive, f"EPUB/{cover}", book.cover, compress=False)
            _put(archive, "EPUB/cover.xhtml", _cover_page(book, cover).encode())
            durations = []
            for chapter in book.chapters:
                stem = _stem(chapter)
                _put(archive, f"EPUB/{stem}.xhtml", chapter_xhtml(book, chapter).encode())
                smil, duration = chapter_smil(book, chapter)
                _put(archive, f"EPUB/{stem}.smil", smil.encode())
                _put(archive, f"EPUB/{stem}.m4a", _audio(book, chapter, work), compress=False)
                durations.append(duration)
                reporter.advance()
            _put(archive, "EPUB/nav.xhtml", _nav(book).encode())
            _put(archive, "EPUB/package.opf", _package(book, cover, durations).encode())
            archive.comment = _COMMENT + key.encode()
        os.replace(temporary, dest)
    reporter.finish()
    return (dest,)


def recorded_key(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            comment = archive.comment
    except (OSError, zipfile.BadZipFile):
        return None
    return comment[len(_COMMENT) :].decode("utf-8", "replace") if comment.startswith(_COMMENT) else None


def _key(book: BuiltBook) -> str:
    # The fingerprint covers the audio, titles, tags and cover; the text as written can change alone.
    text = hashlib.blake2b(digest_size=16)
    for chapter in book.chapters:
        for sentence in chapter.sentences:
            text.update(f"{sentence.paragraph}\x1f{sentence.text}\x1e".encode())
        text.update(b"\x1d")
    return book_key(book, "epub", EPUB_FORMAT, text.hexdigest(), _modified())


def _put(archive: zipfile.ZipFile, name: str, data: bytes, *, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compress_type=info.compress_type, compresslevel=9 if compress else None)


def _stem(chapter: TimedChapter) -> str:
    return f"c{chapter.number:03d}"


def _modified() -> str:
    """dcterms:modified, which EPUB requires: SOURCE_DATE_EPOCH if set (reproducible builds), else fixed."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else 315532800  # 1980-01-01, the ZIP format's first day
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(samples: int, rate: int, *, floor: bool = False) -> str:
    """A SMIL clock value to the millisecond, rounded as the transcripts round their cue times (or down, for
    the end of an audio file, so that no clip runs past it)."""
    return _clock_ms(samples * 1000 // rate if floor else max(0, round(samples * 1000 / rate)))


def _ms(value: str) -> int:
    hours, minutes, rest = value.split(":")
    seconds, ms = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(ms)


def chapter_smil(book: BuiltBook, chapter: TimedChapter) -> tuple[str, int]:
    """The chapter's Media Overlay, and its duration in milliseconds (the sum of its clips)."""
    rate, stem = book.sample_rate, _stem(chapter)
    origin, length = chapter.region[0], chapter.region[1] - chapter.region[0]
    starts = [s.start - origin for s in chapter.sentences]
    pars = []
    total = 0
    for n, start in enumerate(starts):
        begin = clock(start, rate)
        end = clock(starts[n + 1], rate) if n + 1 < len(starts) else clock(length, rate, floor=True)
        total += _ms(end) - _ms(begin)
        pars.append(
            f'    <par id="p{n + 1}"><text src="{stem}.xhtml#s{n + 1}"/>'
            f'<audio src="{stem}.m4a" clipBegin="{begin}" clipEnd="{end}"/></par>'
        )
    body = "\n".join(pars)
    smil = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">\n'
        "  <body>\n"
        f'   <seq id="seq1" epub:textref="{stem}.xhtml#{stem}" epub:type="{_section(chapter)}">\n'
        f"{body}\n"
        "   </seq>\n"
        "  </body>\n"
        "</smil>\n"
    )
    return smil, total


def chapter_xhtml(book: BuiltBook, chapter: TimedChapter) -> str:
    """The chapter's text as written: its title as a heading when it is spoken, its paragraphs, a span a
    sentence (the ids the Media Overlay points at)."""
    lines = []
    paragraph: list[str] = []
    current = object()
    for n, sentence in enumerate(chapter.sentences, 1):
        span = f'<span id="s{n}">{escape(sentence.text)}</span>'
        if sentence.paragraph is None:
            if paragraph:
                lines.append(f"    <p>{' '.join(paragraph)}</p>")
                paragraph = []
            lines.append(f'    <h1 id="s{n}">{escape(sentence.text)}</h1>')
            current = None
            continue
        if sentence.paragraph != current and paragraph:
            lines.append(f"    <p>{' '.join(paragraph)}</p>")
            paragraph = []
        current = sentence.paragraph
        paragraph.append(span)
    if paragraph:
        lines.append(f"    <p>{' '.join(paragraph)}</p>")
    return _xhtml(book, title_of(chapter), "\n".join(lines), section=_section(chapter), id=_stem(chapter))


def _section(chapter: TimedChapter) -> str:
    """What the chapter's document is, in EPUB's structural semantics: the opening credits are the title page."""
    return "titlepage" if chapter.kind is ChapterKind.OPENING else "chapter"


def _xhtml(book: BuiltBook, title: str, body: str, *, section: str, id: str = "cover") -> str:
    lang = quoteattr(book.metadata.language or "en")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang={lang} xml:lang={lang}>\n'
        f'<head>\n  <meta charset="utf-8"/>\n  <title>{escape(title)}</title>\n'
        '  <link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n'
        f'<body>\n  <section epub:type="{section}" id="{id}">\n{body}\n  </section>\n</body>\n</html>\n'
    )


def _cover_page(book: BuiltBook, cover: str) -> str:
    alt = quoteattr(f"Cover: {book.metadata.title}")
    return _xhtml(
        book, book.metadata.title, f'    <img class="cover" src="{cover}" alt={alt}/>', section="cover"
    )


def _nav(book: BuiltBook) -> str:
    items = "\n".join(
        f'        <li><a href="{_stem(c)}.xhtml">{escape(title_of(c))}</a></li>' for c in book.chapters
    )
    body = f'  <nav epub:type="toc" id="toc">\n    <h1>Contents</h1>\n    <ol>\n{items}\n    </ol>\n  </nav>'
    # The landmarks: where the title page is and where the book proper begins, for reading systems (and
    # for an EPUB reader making this book into an audiobook again: the title page is the opening credits).
    marks = [("cover", "cover.xhtml", "Cover")]  # (not the nav itself: a landmark must be in the spine)
    opening = next((c for c in book.chapters if c.kind is ChapterKind.OPENING), None)
    if opening is not None:
        marks.append(("titlepage", f"{_stem(opening)}.xhtml", "Title Page"))
    first = next((c for c in book.chapters if c.kind is not ChapterKind.OPENING), None)
    if first is not None:
        marks.append(("bodymatter", f"{_stem(first)}.xhtml", "Start of Content"))
    links = "\n".join(
        f'      <li><a epub:type="{kind}" href="{href}">{label}</a></li>' for kind, href, label in marks
    )
    body += f'\n  <nav epub:type="landmarks" id="landmarks" hidden="hidden">\n    <ol>\n{links}\n    </ol>\n  </nav>'
    lang = quoteattr(book.metadata.language or "en")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang={lang} xml:lang={lang}>\n'
        f'<head>\n  <meta charset="utf-8"/>\n  <title>{escape(book.metadata.title)}</title>\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _audio(book: BuiltBook, chapter: TimedChapter, work: Path) -> bytes:
    """The chapter's cached AAC in an M4A of its own: the frames copied, not encoded again."""
    path = work / f"{_stem(chapter)}.m4a"
    length = chapter.region[1] - chapter.region[0]
    mark = ChapterMark(title_of(chapter), 0, length)
    mp4write.write_container(book.aac_frames(chapter), [mark], path, chapters=False)
    data = path.read_bytes()
    path.unlink()
    return data


def _identifier(book: BuiltBook) -> str:
    meta = book.metadata
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'audiobook-pipeline:{meta.author}:{meta.title}')}"


def _package(book: BuiltBook, cover: str, durations: list[int]) -> str:
    meta = book.metadata
    rows = [
        f'    <dc:identifier id="pub-id">{_identifier(book)}</dc:identifier>',
        f"    <dc:title>{escape(meta.title)}</dc:title>",
        f"    <dc:language>{escape(meta.language or 'en')}</dc:language>",
        *([f"    <dc:source>{escape(meta.identifier)}</dc:source>"] if meta.identifier else []),
        f'    <dc:creator id="author">{escape(meta.author)}</dc:creator>',
        '    <meta refines="#author" property="role" scheme="marc:relators">aut</meta>',
    ]
    if meta.translator:
        rows += [
            f'    <dc:contributor id="translator">{escape(meta.translator)}</dc:contributor>',
            '    <meta refines="#translator" property="role" scheme="marc:relators">trl</meta>',
        ]
    narrator = narrator_credit(meta)
    rows += [
        f'    <dc:contributor id="narrator">{escape(narrator)}</dc:contributor>',
        '    <meta refines="#narrator" property="role" scheme="marc:relators">nrt</meta>',
    ]
    for tag, value in (
        ("publisher", meta.publisher),
        ("description", meta.description),
        ("rights", meta.copyright),
    ):
        if value:
            rows.append(f"    <dc:{tag}>{escape(' '.join(value.split()))}</dc:{tag}>")
    if meta.year and len(meta.year) == 4 and meta.year.isdigit():
        rows.append(f"    <dc:date>{meta.year}</dc:date>")
    rows.append(f'    <meta property="dcterms:modified">{_modified()}</meta>')
    for chapter, duration in zip(book.chapters, durations, strict=True):
        rows.append(
            f'    <meta property="media:duration" refines="#mo-{_stem(chapter)}">{_clock_ms(duration)}</meta>'
        )
    rows += [
        f'    <meta property="media:duration">{_clock_ms(sum(durations))}</meta>',
        f'    <meta property="media:narrator">{escape(narrator)}</meta>',
        f'    <meta property="media:active-class">{ACTIVE_CLASS}</meta>',
        '    <meta name="cover" content="cover-image"/>',
    ]
    manifest = [
        '    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '    <item id="style" href="style.css" media-type="text/css"/>',
        f'    <item id="cover-image" href="{cover}" media-type="{cover_mime(book.cover)}" properties="cover-image"/>',
        '    <item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>',
    ]
    spine = ['    <itemref idref="cover"/>']
    for chapter in book.chapters:
        stem = _stem(chapter)
        manifest += [
            f'    <item id="{stem}" href="{stem}.xhtml" media-type="application/xhtml+xml" media-overlay="mo-{stem}"/>',
            f'    <item id="mo-{stem}" href="{stem}.smil" media-type="application/smil+xml"/>',
            f'    <item id="audio-{stem}" href="{stem}.m4a" media-type="audio/mp4"/>',
        ]
        spine.append(f'    <itemref idref="{stem}"/>')
    lang = quoteattr(meta.language or "en")
    nl = "\n"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="pub-id" xml:lang={lang}>\n'
        '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"{nl.join(rows)}\n  </metadata>\n"
        f"  <manifest>\n{nl.join(manifest)}\n  </manifest>\n"
        f"  <spine>\n{nl.join(spine)}\n  </spine>\n"
        "</package>\n"
    )


def _clock_ms(ms: int) -> str:
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{ms:03d}"


_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
