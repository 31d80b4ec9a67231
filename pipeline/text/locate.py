"""Where a book's inputs are: the manuscript's files, its metadata file and its lexicon, found without
reading any of them (so a no-op rebuild can hash them and stop; `manuscript`, `metadata` and `source` read
them). Every path here is also named where it is read: `manuscript.manuscript_files`, `metadata.find`,
`source.lexicon_path`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError

SUFFIXES = (".txt", ".md")
EPUB = ".epub"
METADATA_NAMES = ("book.yaml", "book.yml", "metadata.yaml", "metadata.yml")
LEXICON_NAME = "pronunciations.yaml"


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", path.name)]


def manuscript_files(source: Path) -> tuple[Path, ...]:
    """The files of a manuscript: SOURCE itself (a text file or an .epub), or a folder's *.txt and *.md files in
    natural order, or the one .epub it holds.

    In a folder, hidden files and README files are not part of the book and are skipped.
    """
    source = Path(source)
    if not source.exists():
        raise InputError(
            "the manuscript source does not exist",
            path=source,
            fix="give a .txt, .md or .epub file, or a folder of them",
        )
    if source.is_file():
        if source.suffix.lower() not in (*SUFFIXES, EPUB):
            raise InputError(
                f"not a manuscript file (it is {source.suffix or 'without an extension'})",
                path=source,
                fix="give a .txt, .md or .epub file, or the folder holding it",
            )
        return (source,)
    visible = [
        p
        for p in source.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.stem.upper().startswith("README")
    ]
    files = sorted((p for p in visible if p.suffix.lower() in SUFFIXES), key=_natural_key)
    epubs = sorted((p for p in visible if p.suffix.lower() == EPUB), key=_natural_key)
    if epubs and (files or len(epubs) > 1):
        others = ", ".join(p.name for p in [*epubs, *files][:4])
        raise InputError(
            f"the folder holds more than one book to read ({others})",
            path=source,
            fix="keep one EPUB, or only the text files, in the folder (or give the file to read as SOURCE)",
        )
    if epubs:
        return (epubs[0],)
    if not files:
        raise InputError(
            "the folder has no .txt or .md files, nor an .epub",
            path=source,
            fix="put the manuscript in it as one or more .txt or .md files, or one .epub",
        )
    return tuple(files)


def metadata_file(folder: Path) -> Path | None:
    """The metadata file in a manuscript folder, if there is one."""
    for name in METADATA_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def folder_of(source: Path) -> Path:
    return source if source.is_dir() else source.parent


def lexicon_path(source: Path, given: Path | None = None) -> Path | None:
    """The lexicon to use: `given`, else beside the manuscript, else in the current folder, else None."""
    if given is not None:
        if not given.is_file():
            raise InputError(
                f"the lexicon {given} does not exist",
                path=given,
                fix="check the --lexicon path, or leave it out to use pronunciations.yaml",
            )
        return given
    for candidate in (folder_of(source) / LEXICON_NAME, Path.cwd() / LEXICON_NAME):
        if candidate.is_file():
            return candidate
    return None
