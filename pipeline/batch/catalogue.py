"""A catalogue of books, read: a folder of books, or a CSV or YAML list of sources with per-book metadata.

In: the catalogue's path. Out: one `Entry` per book (its source, what the catalogue says about it, and
where that was said, for messages), and `book_folder`, the DIR/Author/Title/ layout Audiobookshelf scans.
A bad list is an InputError naming the file and line; `schedule` builds the books.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files
from ..errors import InputError
from ..text import manuscript, metadata, source, yamlfile

BOOK_SUFFIXES = (*manuscript.SUFFIXES, ".epub")
CATALOGUE_SUFFIXES = (".csv", ".yaml", ".yml")
OVERRIDES = (*metadata.KNOWN_KEYS, "source", "lexicon")


@dataclass(frozen=True, slots=True)
class Entry:
    """One book of the catalogue: where it is, what the catalogue says about it, and where that was said."""

    source: Path
    where: str  # "catalogue.csv:4" or the book's path: for messages
    metadata: tuple[tuple[str, str], ...] = ()  # title, author, ... over what the book itself says
    voice: str | None = None
    rate: int | None = None
    lexicon: Path | None = None
    size: int = 0  # bytes of text: the longest books go first


def read_catalogue(path: Path) -> list[Entry]:
    """The books of a catalogue folder or list; InputError (with the file and line) for a bad catalogue."""
    if not path.exists():
        raise InputError(
            "no such catalogue", path=path, fix="give a folder of books, or a .csv or .yaml list of them"
        )
    if path.is_dir():
        entries = _folder_entries(path)
        if not entries:
            raise InputError(
                "no books in this folder",
                path=path,
                fix="put manuscript folders or .txt files in it (one book each), or give a .csv/.yaml list",
            )
        return entries
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    else:
        raise InputError(
            f"a catalogue is a folder or a .csv/.yaml list, not a {suffix or 'file without an extension'}",
            path=path,
            fix="to make one book, use `audiobook build`",
        )
    entries = [_entry(path, line, row) for line, row in rows]
    if not entries:
        raise InputError("the catalogue lists no books", path=path, fix="add one line per book")
    return entries


def _readable(candidate: Path) -> bool:
    """Whether a catalogue folder's entry is a book the text stage can read."""
    if candidate.name.startswith(".") or candidate.stem.upper().startswith("README"):
        return False
    if candidate.is_dir():
        return any(
            p.suffix.lower() in manuscript.SUFFIXES and not p.name.startswith(".")
            for p in candidate.iterdir()
        )
    if candidate.suffix.lower() == ".epub":
        return _reads_epub()
    return candidate.suffix.lower() in manuscript.SUFFIXES


def _reads_epub() -> bool:
    try:
        from ..text import epub  # noqa: F401  (another issue adds the reader)
    except ImportError:
        return False
    return True


def _folder_entries(folder: Path) -> list[Entry]:
    entries = []
    for candidate in sorted(folder.iterdir()):
        if candidate.name in (source.LEXICON_NAME, *metadata.METADATA_NAMES) or not _readable(candidate):
            continue
        entries.append(Entry(candidate, where=str(candidate), size=_size(candidate)))
    return entries


def _size(book: Path) -> int:
    try:
        files = [book] if book.is_file() else [p for p in book.iterdir() if p.is_file()]
        return sum(p.stat().st_size for p in files)
    except OSError:
        return 0


def _csv_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8 text", path=path, fix="save the list as UTF-8 CSV") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "source" not in header:
        raise InputError(
            "the first line must name the columns, one of them `source`",
            path=path,
            line=1,
            fix="start the file with e.g. `source,title,author`",
        )
    for name in header:
        if name and name not in OVERRIDES:
            raise InputError(
                f"unknown column {name!r}", path=path, line=1, fix=f"use columns from: {', '.join(OVERRIDES)}"
            )
    rows = []
    for row in reader:
        if None in row:
            raise InputError(
                "this line has more fields than the header names",
                path=path,
                line=reader.line_num,
                fix="quote fields that contain commas",
            )
        values = {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        if values:
            rows.append((reader.line_num, values))
    return rows


def _yaml_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    data = yamlfile.load(path)
    if isinstance(data, dict) and set(data) == {"books"}:
        data = data["books"]
    if not isinstance(data, list):
        raise InputError(
            "the catalogue must be a list of books (or `books:` with a list)",
            path=path,
            line=1,
            fix="write one `- source: path/to/book` item per book",
        )
    rows = []
    for i, item in enumerate(data):
        line = getattr(item, "line", 0) or None
        if isinstance(item, str):
            item = {"source": item}
        if not isinstance(item, dict):
            raise InputError(
                f"item {i + 1} is not a book", path=path, line=line, fix="write `- source: path/to/book`"
            )
        for key in item:
            if key not in OVERRIDES:
                raise InputError(
                    f"unknown key {key!r}",
                    path=path,
                    line=getattr(item, "lines", {}).get(key, line),
                    fix=f"use one of: {', '.join(OVERRIDES)}",
                )
        rows.append((line or 0, dict(item)))
    return rows


def _entry(catalogue: Path, line: int, row: dict[str, Any]) -> Entry:
    where = f"{catalogue}:{line}"

    def bad(message: str, fix: str) -> InputError:
        return InputError(message, path=catalogue, line=line or None, fix=fix)

    if "source" not in row or not str(row["source"]).strip():
        raise bad("this book has no source", "give the path of its manuscript folder or .txt file")
    base = catalogue.parent
    book = (base / str(row["source"]).strip()).resolve()
    if not book.exists():
        raise bad(f"the book {book} does not exist", "fix the path (relative paths start at the catalogue)")
    if book.is_file() and book.suffix.lower() not in BOOK_SUFFIXES:
        raise bad(f"{book.name} is not a book", "give a manuscript folder, or a .txt or .md file")
    if book.suffix.lower() == ".epub" and not _reads_epub():
        raise bad(f"{book.name}: EPUB is not read yet", "convert it to text, or give its manuscript folder")
    values: list[tuple[str, str]] = []
    voice = rate = lexicon = None
    for key, value in row.items():
        if key == "source" or value is None or value == "":
            continue
        if key == "chapters":
            raise bad("chapter overrides belong in the book's book.yaml", "move `chapters:` there")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise bad(f"{key} must be text, not {type(value).__name__}", f'write it as `{key}: "..."`')
        text = str(value).strip()
        if key == "rate":
            try:
                rate = int(text)
            except ValueError:
                raise bad(f"rate must be a whole number, not {text!r}", "write e.g. 175") from None
            low, high = metadata.RATES
            if not low <= rate <= high:
                raise bad(f"rate {rate} is out of range", f"choose from {low} to {high} words per minute")
        elif key == "voice":
            voice = text
        elif key == "lexicon":
            lexicon = (base / text).resolve()
            if not lexicon.is_file():
                raise bad(f"the lexicon {lexicon} does not exist", "fix the path, or leave the field empty")
        elif key == "cover":
            cover = (base / text).resolve()
            if not cover.is_file():
                raise bad(f"the cover image {cover} does not exist", "fix the path, or leave the field empty")
            values.append((key, str(cover)))
        else:
            values.append((key, text))
    return Entry(book, where, tuple(values), voice, rate, lexicon, _size(book))


def book_folder(output_dir: Path, meta) -> Path:
    """DIR/Author/Title/: the layout Audiobookshelf scans."""
    author = files.safe_filename(meta.author or "Unknown author", suffix="", max_bytes=120)
    title = files.safe_filename(meta.title or "Untitled", suffix="", max_bytes=120)
    return output_dir / author / title
