"""Finds a book's files and reads them into a `Book`: manuscript text, metadata file, lexicon path.

SOURCE is a manuscript folder (its text files in name order, or one EPUB; its book.yaml, its
pronunciations.yaml), a single text file or an .epub. The lexicon is the one given, else pronunciations.yaml beside the manuscript, else the
one in the current folder, else none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Book
from . import manuscript, metadata, structure
from .locate import LEXICON_NAME as LEXICON_NAME  # where the inputs are: found by `locate`
from .locate import folder_of as folder_of
from .locate import lexicon_path as lexicon_path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Loaded:
    book: Book
    dropped: tuple[structure.Dropped, ...]
    metadata_path: Path | None


def load(source: Path, *, strict_encoding: bool = False) -> Loaded:
    """Read the manuscript at `source` (folder or file) into a Book with resolved metadata.

    `strict_encoding` (or `strict_encoding: true` in book.yaml): bytes that are not valid text are an error,
    not a warning."""
    if not source.exists():
        raise InputError(
            "no such file or folder",
            path=source,
            fix="give a manuscript folder (like script/) or a .txt file",
        )
    files = manuscript.manuscript_files(source)
    meta_path = metadata.find(folder_of(source))
    meta_file = metadata.read(meta_path)
    strict = strict_encoding or bool(meta_file.values.get("strict_encoding"))
    overrides = None
    if meta_file.chapters is not None and meta_path is not None:
        overrides = structure.overrides_from_yaml(
            meta_file.chapters, path=meta_path, line=meta_file.chapters_line
        )
    if files[0].suffix.lower() == ".epub":
        return _load_epub(source, files[0], meta_file, meta_path, overrides)
    chapters = []
    dropped = []
    guessed: dict[str, str | None] = {}
    for i, path in enumerate(files):
        detected = structure.detect_chapters(
            manuscript.read_text(path, strict=strict), path=path, overrides=overrides, first_file=(i == 0)
        )
        chapters.extend(detected.chapters)
        dropped.extend(detected.dropped)
        if not guessed:
            g = detected.guessed
            guessed = {"title": g.title, "author": g.author, "translator": g.translator, "year": g.year}
    # Chapters of punctuation alone (only "* * *", or "..."), whose titles are not spoken either, would
    # make a book with no audio at all.
    if not any(c.words or (c.speak_title and any(ch.isalnum() for ch in c.title)) for c in chapters):
        raise InputError(
            "no text to read was found in the manuscript",
            path=files[0],
            fix="check that the file holds the book's text, not only a licence or contents list",
        )
    meta = metadata.resolve(
        meta_file, guessed=guessed, fallback_title=files[0].stem.replace("-", " ").title()
    )
    book = Book(metadata=meta, chapters=tuple(chapters), source=source, files=files)
    return Loaded(book=book, dropped=tuple(dropped), metadata_path=meta_path)


def _load_epub(
    source: Path,
    path: Path,
    meta_file: metadata.MetadataFile,
    meta_path: Path | None,
    overrides: structure.ChapterOverrides | None,
) -> Loaded:
    """An EPUB's chapters and metadata; book.yaml beside it wins where both say something."""
    from .epub_chapters import read_epub  # here, not above: it loads lxml, which only an EPUB needs

    read = read_epub(path, overrides=overrides, alt_text=bool(meta_file.values.get("alt_text", False)))
    meta = metadata.resolve(
        meta_file, guessed=dict(read.guessed), fallback_title=path.stem.replace("-", " ").title()
    )
    # The EPUB's cover unless book.yaml names one.
    cover = read.cover if meta.cover is None else None
    book = Book(metadata=meta, chapters=read.chapters, source=source, files=(path,), cover_image=cover)
    return Loaded(book=book, dropped=read.dropped, metadata_path=meta_path)
