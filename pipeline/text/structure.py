"""Chapter detection: one file's text in, its chapters, what it says about itself and what was not read out.

The contract the build relies on: every word of the text ends up in exactly one chapter (its title or a
paragraph) or in `dropped` with a reason; paragraphs know their 1-based line in the real file.
manuscript.py cuts the boilerplate and guesses metadata, layout.py finds the headings and the text under them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..model import Chapter
from .layout import layout
from .manuscript import Dropped, FrontMatter, find_body, guess_front_matter
from .overrides import ChapterOverrides, overrides_from_yaml

__all__ = [
    "ChapterOverrides",
    "DetectedText",
    "Dropped",
    "FrontMatter",
    "detect_chapters",
    "overrides_from_yaml",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectedText:
    """One file's chapters, what the text says about itself, and what was deliberately not read aloud."""

    chapters: tuple[Chapter, ...]
    guessed: FrontMatter
    dropped: tuple[Dropped, ...]  # in the order of the file


def detect_chapters(
    text: str,
    *,
    path: Path,
    overrides: ChapterOverrides | None = None,
    line_offset: int = 0,
    first_file: bool = True,
) -> DetectedText:
    """Chapters of one file's text. `line_offset` lines of the real file precede `text` (Where lines count them).

    The text before the first heading is the front matter, read as an opening chapter, in the first file of
    a book; a short title page (a few short lines: title, author, credit) and, in a later file
    (`first_file=False`), any such text opens the first chapter instead. A file with no headings
    is one chapter named after the file; a file with nothing to read (only a licence, say) gives no chapters,
    and the caller decides whether that is an error.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body = find_body(lines, path=path, line_offset=line_offset)
    found = layout(
        lines,
        start=body.start,
        end=body.end,
        path=path,
        line_offset=line_offset,
        overrides=overrides,
        first_file=first_file,
    )
    if not found.chapters:
        log.warning("%s: nothing to read in this file once its boilerplate is left out", path)
    dropped = sorted([*body.dropped, *found.dropped], key=lambda d: d.where.line)
    return DetectedText(found.chapters, guess_front_matter(body.fields, found.front), tuple(dropped))
