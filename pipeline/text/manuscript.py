"""Reading a manuscript: which files, their text whatever the encoding, and where in it the book is.

Cuts off what is not the book (a Project Gutenberg header, licence and footer; a web page's "Last updated"
trailer) and guesses title, author, translator and year from the text itself for when the metadata file
does not give them. structure.py finds the chapters in what is left.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Paragraph, Where
from .headings import is_date, is_title_like, title_case
from .locate import EPUB as EPUB  # which files: found by `locate`, still named here
from .locate import SUFFIXES as SUFFIXES
from .locate import manuscript_files as manuscript_files

log = logging.getLogger(__name__)

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Anything but whitespace and the invisible format characters (zero-width spaces and joiners, BOM, bidi marks)
# a file of nothing else would pass for text.
_VISIBLE = re.compile(r"[^\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_PG_START = re.compile(r"\s*\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG", re.IGNORECASE)
_PG_END = re.compile(r"\s*\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG", re.IGNORECASE)
_PG_END_LINE = re.compile(r"\s*End of (?:the )?Project Gutenberg", re.IGNORECASE)
_PG_FIELD = re.compile(
    r"(?P<key>Title|Author|Translators?|Translated by|Original publication)\s*:\s*(?P<value>.+)",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"(?:Last (?:updated|modified|revised)|Page (?:last )?updated)(?: on)?\s*:?\s*.*\d.*", re.IGNORECASE
)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_BY = re.compile(r"(?:by|written by)\s+(?P<name>.+)", re.IGNORECASE)
_TRANSLATOR = re.compile(
    r"(?:Translat(?:ion|ed|or|ors)(?: by)?|Translated from .* by)\s*:?\s+(?P<name>.+)", re.IGNORECASE
)
_WHEN = re.compile(
    r"(?:Written|First (?:published|printing|printed)|Published|Date)\s*:\s*(?P<when>.+)", re.IGNORECASE
)
_NAME = re.compile(r"(?:[A-Z][a-z’'-]+|[A-Z]\.|[A-Z]{2,})(?:\s+(?:[A-Z][a-z’'-]+|[A-Z]\.|[A-Z]{2,})){1,3}")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """Title, author, translator and year as the text itself states them (None where it does not)."""

    title: str | None = None
    author: str | None = None
    translator: str | None = None
    year: str | None = None


@dataclass(frozen=True, slots=True)
class Dropped:
    """Text deliberately not read aloud: the text itself, where it starts, and why it was left out."""

    text: str
    where: Where
    reason: str


def read_text(path: Path, *, strict: bool = False) -> str:
    """Decode one manuscript file: UTF-8 (BOM or not), UTF-16/32 with a BOM, else Windows-1252; newlines as \\n.

    Bytes that are not UTF-8 are read as Windows-1252 with a warning naming the file, the line, the bytes and
    what they were read as; with `strict` they are an InputError instead."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            "manuscript file not found", path=path, fix="check the path, or run from the book's folder"
        ) from None
    except IsADirectoryError:
        raise InputError(
            "is a folder, not a text file", path=path, fix="give the folder itself as the source"
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror}", path=path, fix="check its permissions"
        ) from None
    text = _decode(data, path, strict=strict)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _VISIBLE.search(text):
        raise InputError("the manuscript is empty", path=path, fix="put the book's text in it, or remove it")
    controls = sum(1 for c in text[:65536] if c < " " and c not in "\n\t\f\v")
    if controls > len(text[:65536]) * 0.1:
        line = text.count("\n", 0, next(i for i, c in enumerate(text) if c < " " and c not in "\n\t\f\v")) + 1
        raise InputError(
            "this looks like a binary file, not text (it is mostly control characters)",
            path=path,
            line=line,
            fix="export the manuscript as plain text (.txt) or Markdown (.md)",
        )
    return text


def _decode(data: bytes, path: Path, *, strict: bool = False) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count("\n".encode(encoding)) + 1
                raise InputError(
                    f"the file starts with a {encoding} mark but is not valid {encoding}",
                    path=path,
                    line=line,
                    fix="save the file again as UTF-8",
                ) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "this looks like a binary file, not text (it contains NUL bytes)",
            path=path,
            line=line,
            fix="export the manuscript as plain text (UTF-8 .txt) or Markdown (.md); "
            "UTF-16 files need a byte-order mark",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few Windows-1252 bytes pasted in (a smart quote from a word processor) keeps its
    # UTF-8 and reads only those bytes as Windows-1252; read whole as Windows-1252, every “ in it would
    # come out as â€œ. More well-formed UTF-8 characters than broken bytes means the file is UTF-8.
    replaced = data.decode("utf-8", "replace")
    broken = replaced.count("\ufffd")
    mostly_utf8 = sum(1 for ch in replaced if ch > "\x7f") - broken > broken
    guesses = _guessed(data, utf8=mostly_utf8)
    line, raw, read_as = guesses[0]
    shown = "; ".join(f"line {n}: {b.hex(' ')} as {r!r}" for n, b, r in guesses[:5])
    more = f" and {len(guesses) - 5} more places" if len(guesses) > 5 else ""
    what = "not valid UTF-8" if mostly_utf8 else "not UTF-8"
    if strict:
        raise InputError(
            f"{what}: the bytes {raw.hex(' ')} would be read as Windows-1252 {read_as!r} "
            f"({len(guesses)} place{'s' if len(guesses) != 1 else ''}: {shown}{more})",
            path=path,
            line=line,
            fix="save the file as UTF-8 (or drop --strict-encoding / `strict_encoding: true` to accept the guess)",
        )
    log.warning(
        "%s:%d: %s; read these bytes as Windows-1252: %s%s (save the file as UTF-8 to be sure)",
        path,
        line,
        what,
        shown,
        more,
    )
    return data.decode("utf-8", _CP1252_BYTES) if mostly_utf8 else _cp1252(data)


def _guessed(data: bytes, *, utf8: bool) -> list[tuple[int, bytes, str]]:
    """(line, bytes, read as) for each run of bytes that had to be guessed: the runs that are not UTF-8 in a
    UTF-8 file, else every run of bytes above ASCII."""
    runs: list[tuple[int, bytes, str]] = []
    if utf8:
        at = 0
        while at < len(data):
            try:
                data[at:].decode("utf-8")
                break
            except UnicodeDecodeError as exc:
                start, end = at + exc.start, at + exc.end
                while end < len(data):  # one run: the bad bytes that follow each other
                    try:
                        data[end : end + 4].decode("utf-8")
                        break
                    except UnicodeDecodeError as more:
                        if more.start != 0:
                            break
                        end += more.end
                raw = data[start:end]
                runs.append((data[:start].count(b"\n") + 1, raw, _cp1252(raw)))
                at = end
    else:
        for m in re.finditer(rb"[\x80-\xff]+", data):
            runs.append((data[: m.start()].count(b"\n") + 1, m[0], _cp1252(m[0])))
    return runs


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the five bytes cp1252 leaves undefined are Latin-1 controls


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(_cp1252(bytes([b])) for b in exc.object[exc.start : exc.end]), exc.end


_CP1252_BYTES = "audiobook-cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)


@dataclass(frozen=True, slots=True)
class Body:
    """Where the book is in a file's lines, [start, end), once boilerplate is cut off; and what was cut."""

    start: int
    end: int
    fields: dict[str, str]  # the Project Gutenberg header's Title/Author/Translator lines, lower-case keys
    dropped: tuple[Dropped, ...]


def find_body(lines: Sequence[str], *, path: Path, line_offset: int = 0) -> Body:
    """Cut a Project Gutenberg header, footer and licence, and a web page's trailer, off a file's lines."""

    def where(index: int) -> Where:
        return Where(path, line_offset + index + 1)

    dropped: list[Dropped] = []
    start, end, fields = _gutenberg(lines, where, dropped)
    end = _trailer(lines, start, end, where, dropped)
    return Body(start, end, fields, tuple(sorted(dropped, key=lambda d: d.where.line)))


def _gutenberg(
    lines: Sequence[str], where: Callable[[int], Where], dropped: list[Dropped]
) -> tuple[int, int, dict[str, str]]:
    """The lines [start, end) between a Project Gutenberg header and footer, and the header's fields."""
    start, end = 0, len(lines)
    fields: dict[str, str] = {}
    head = next((i for i, line in enumerate(lines[:2000]) if _PG_START.match(line)), None)
    if head is not None:
        key = None
        for line in lines[:head]:
            match = _PG_FIELD.fullmatch(line.strip())
            if match:
                key = match["key"].lower().replace("translated by", "translator").rstrip("s")
                if key in fields:
                    key = None  # the first of two equal fields wins; do not extend it
                else:
                    fields[key] = match["value"].strip()
            elif key and line[:1].isspace() and line.strip():
                # An indented line continues the field above; a capital starts a subtitle.
                more = line.strip()
                fields[key] += (" " if more[0].islower() else ": ") + more
            else:
                key = None
        dropped.append(Dropped("\n".join(lines[: head + 1]), where(0), "Project Gutenberg header"))
        start = head + 1
    tail = next((i for i in range(len(lines) - 1, start - 1, -1) if _PG_END.match(lines[i])), None)
    if tail is not None:
        # The "End of the Project Gutenberg EBook of ..." line just above the marker belongs to the footer.
        for i in range(tail - 1, max(start, tail - 12) - 1, -1):
            if _PG_END_LINE.match(lines[i]):
                tail = i
                break
    else:
        tail = next((i for i in range(len(lines) - 1, start - 1, -1) if _PG_END_LINE.match(lines[i])), None)
    if tail is not None:
        dropped.append(Dropped("\n".join(lines[tail:]), where(tail), "Project Gutenberg footer and licence"))
        end = tail
    return start, end, fields


def _trailer(
    lines: Sequence[str], start: int, end: int, where: Callable[[int], Where], dropped: list[Dropped]
) -> int:
    """Cut a web page's trailer ("Last updated on: 14 November 2014") standing alone at the very end."""
    while True:
        last = next((i for i in range(end - 1, start - 1, -1) if lines[i].strip()), None)
        if last is None or not _TRAILER.fullmatch(lines[last].strip()):
            return end
        if last > start and lines[last - 1].strip():
            return end  # part of a paragraph, not a line of its own
        dropped.append(Dropped(lines[last].strip(), where(last), "web-page trailer"))
        end = last


def _clean_name(text: str) -> str:
    text = text.strip().strip(",;")
    # "John G. Wright." loses its full stop; "A. L." keeps the one after an initial.
    if text.endswith(".") and not re.search(r"\b[A-Z]\.$", text):
        text = text[:-1]
    return text.strip()


def guess_front_matter(fields: dict[str, str], front: Sequence[Paragraph]) -> FrontMatter:
    """Title, author, translator and year: the Gutenberg header's fields first, else the front matter."""
    title = fields.get("title")
    author = fields.get("author")
    translator = fields.get("translator")
    year_text = fields.get("original publication")
    year = _YEAR.search(year_text).group(1) if year_text and _YEAR.search(year_text) else None
    lines = [p.text.strip() for p in front]
    names: list[str] = []
    titles: list[str] = []
    for line in lines:
        by = _BY.fullmatch(line)
        translated = _TRANSLATOR.match(line)
        when = _WHEN.fullmatch(line)
        if by and not author:
            author = _clean_name(by["name"])
        elif translated and not translator:
            translator = _clean_name(translated["name"])
        elif when and not year and _YEAR.search(when["when"]):
            year = _YEAR.search(when["when"]).group(1)  # type: ignore[union-attr]
        elif ":" not in line and is_title_like(line) and not is_date(line):
            (
                names
                if _NAME.fullmatch(line) and not re.search(r"\b(?:the|of|and|on|in)\b", line, re.IGNORECASE)
                else titles
            ).append(line)
    if not author and names and (titles or len(names) > 1):
        author = names[1] if not titles and len(names) > 1 else names[0]
    if not title:
        candidates = titles or [n for n in names if n != author]
        title = candidates[0] if candidates else None
    if not year:
        found = next((_YEAR.search(line) for line in lines if _YEAR.search(line)), None)
        year = found.group(1) if found else None
    return FrontMatter(
        title=title_case(title) if title else None,
        author=title_case(author) if author else None,
        translator=translator,
        year=year,
    )
