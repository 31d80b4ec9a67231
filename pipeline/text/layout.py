"""Chapters from a text's own layout: blank-line blocks (blocks.py finds them and the headings among them),
the text under each heading.

In: the lines of one file with any boilerplate already cut off (manuscript.py does that). Out: chapters of
paragraphs that know their lines, the front matter, and what was deliberately not read (a table of contents).
Overrides from the book's metadata file (`chapters:` in book.yaml) add or refuse headings where layout misleads.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model import Chapter, ChapterKind, Paragraph, Where
from .blocks import (
    MARKDOWN_START,
    NOTE_START,
    Block,
    cut_blocks,
    find_headings,
    is_prose,
    split_keyword_blocks,
    table_of_contents,
    wrap_threshold,
)
from .headings import (
    CHAPTER,
    FLOATING,
    Shape,
    shape_of,
    title_case,
)
from .manuscript import Dropped
from .overrides import ChapterOverrides

log = logging.getLogger(__name__)

# A title page: title, "by" author, a credit line. More lines, or a longer line, make a credits block or prose.
_TITLE_PAGE_LINES = 4
_TITLE_PAGE_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Layout:
    """What `layout` found in one file's text."""

    chapters: tuple[Chapter, ...]
    front: tuple[Paragraph, ...]  # the text before the first heading, read or not
    dropped: tuple[Dropped, ...]


def _is_title_page(blocks: Sequence[Block]) -> bool:
    """Front matter that is only a short title page: it opens the first chapter instead of being one."""
    return is_title_page([line for b in blocks for line in b.lines])


def is_title_page(lines: Sequence[str]) -> bool:
    """A few short lines (title, author, a credit): a title page, which opens the first chapter."""
    return 0 < len(lines) <= _TITLE_PAGE_LINES and all(len(x) <= _TITLE_PAGE_WIDTH for x in lines)


def _paragraphs(block: Block, where: _Where, *, wrap: float, notes: bool) -> list[Paragraph]:
    """A block's paragraphs: one for wrapped prose, one per line for credits, verse and signatures."""
    lines = block.lines
    if MARKDOWN_START.match(lines[0]) and shape_of(lines[0]) is not None:
        lines = [shape_of(lines[0]).title, *lines[1:]]  # type: ignore[union-attr]
    starts: list[int]
    if notes and any(NOTE_START.match(line) for line in lines[1:]):
        starts = [0] + [k for k in range(1, len(lines)) if NOTE_START.match(lines[k])]
    elif all(len(line) >= wrap for line in lines[:-1]):
        starts = [0]
    else:
        # A line starting in lower case continues the one above ("The Stalinist Bureaucracy / and the ...").
        starts = [0] + [k for k in range(1, len(lines)) if not lines[k][:1].islower()]
    ends = [*starts[1:], len(lines)]
    return [
        Paragraph(" ".join(lines[a:b]), where(block.first + a)) for a, b in zip(starts, ends, strict=True)
    ]


class _Where:
    def __init__(self, path: Path, offset: int) -> None:
        self.path, self.offset = path, offset

    def __call__(self, index: int) -> Where:
        return Where(self.path, self.offset + index + 1)


def _leading_run(blocks: list[Block], lo: int, hi: int, usual_gap: int) -> int:
    """Where the short title blocks standing before heading `hi` begin (hi if none belong to it).

    An article's title and subtitle above its first section belong to that section, not to the end of the
    chapter before: they are short, not prose, and set off from that chapter by a wider gap than usual.
    """
    start = hi
    for k in range(hi - 1, lo, -1):
        block = blocks[k]
        if block.prose or block.heading or len(block.lines) > 4 or any(len(x) > 100 for x in block.lines):
            break
        if block.gap > usual_gap:
            start = k
    return start


def layout(
    lines: Sequence[str],
    *,
    start: int,
    end: int,
    path: Path,
    line_offset: int = 0,
    overrides: ChapterOverrides | None = None,
    first_file: bool = True,
) -> Layout:
    """Chapters of lines[start:end]; Where lines are 1-based in the real file (line_offset + index + 1).

    The text before the first heading is the book's front matter in the first file: an opening chapter, or
    the start of the first chapter when it is only a short title page; in a later file it is the start of
    that file's first chapter.
    """
    overrides = overrides or ChapterOverrides()
    where = _Where(path, line_offset)
    blocks = split_keyword_blocks(cut_blocks(lines, start, end, overrides))
    for block in blocks:
        block.shape = shape_of(block.lines[0]) if len(block.lines) == 1 else None
        block.prose = is_prose(block)
    dropped: list[Dropped] = []
    toc = table_of_contents(blocks) if overrides.automatic else None
    if toc is not None:
        lo, hi = toc
        text = "\n".join(line for b in blocks[lo:hi] for line in b.lines)
        dropped.append(
            Dropped(text, where(blocks[lo].first), "table of contents (each chapter is read where it begins)")
        )
        del blocks[lo:hi]
    for block in blocks:
        block.shape = None
    find_headings(blocks, overrides)
    wrap = wrap_threshold(blocks)
    gaps = Counter(b.gap for b in blocks[1:] if not b.heading)
    usual_gap = gaps.most_common(1)[0][0] if gaps else 1
    heads = [i for i, b in enumerate(blocks) if b.heading]
    if not heads:
        return _single_chapter(blocks, where, path=path, wrap=wrap, dropped=dropped)

    front_blocks = blocks[: heads[0]]
    front = tuple(p for b in front_blocks for p in _paragraphs(b, where, wrap=wrap, notes=False))
    chapters: list[Chapter] = []
    pending: list[Paragraph] = []
    # A folded title page opens the first chapter, so that chapter reads its headings in their place in the
    # text ("War and Peace. By Leo Tolstoy. Book One: 1805. Chapter one.") instead of announcing its title first.
    folded = False
    if front and not first_file:
        pending = list(front)
    elif front and not overrides.opening:
        text = "\n".join(line for b in front_blocks for line in b.lines)
        dropped.append(Dropped(text, front[0].where, "front matter (book.yaml has chapters: opening: false)"))
    elif front and _is_title_page(front_blocks):
        pending, folded = list(front), True
    elif front:
        chapters.append(Chapter(overrides.opening_title, front, front[0].where, ChapterKind.OPENING, False))

    stack: list[tuple[int, str]] = []  # open containers (BOOK ONE before its CHAPTER I): rank and title
    bounds = [
        _leading_run(blocks, heads[k - 1], heads[k], usual_gap) if k else heads[0] for k in range(len(heads))
    ]
    for k, index in enumerate(heads):
        block = blocks[index]
        shape = block.shape or Shape("title", CHAPTER, block.lines[0])
        rank = shape.rank
        if rank == FLOATING:
            rank = min((r for r, _ in stack), default=CHAPTER)
        while stack and stack[-1][0] >= rank:
            stack.pop()
        title = shape.title
        if block.subtitle:
            title += " " if title.endswith((".", ":", "—", "–", "-")) else ": "
            title += title_case(block.subtitle)
        body_end = bounds[k + 1] if k + 1 < len(heads) else len(blocks)
        body = [b for b in blocks[index + 1 : body_end] if not (b.shape and b.shape.kind == "subtitle")]
        following = blocks[body_end : heads[k + 1]] if k + 1 < len(heads) else []
        leading = [p for b in following for p in _paragraphs(b, where, wrap=wrap, notes=False)]
        nxt = blocks[heads[k + 1]].shape if k + 1 < len(heads) else None
        heading = [Paragraph(title, where(block.first))] if folded else []
        if not body and nxt is not None and nxt.rank != FLOATING and nxt.rank > rank:
            stack.append((rank, title))
            pending += heading + leading  # a title block above a container belongs to its first chapter
            continue
        paragraphs = [
            *pending,
            *heading,
            *(p for b in body for p in _paragraphs(b, where, wrap=wrap, notes=shape.notes)),
        ]
        if not paragraphs:
            log.warning(
                "%s: heading %r has no text under it; it is kept as a chapter that only speaks its title",
                where(block.first),
                title,
            )
        full = " — ".join([*(t for _, t in stack), title])
        kind = ChapterKind.FOOTNOTES if shape.notes else ChapterKind.BODY
        chapters.append(Chapter(full, tuple(paragraphs), where(block.first), kind, speak_title=not folded))
        pending, folded = leading, False
    return Layout(tuple(chapters), front, tuple(dropped))


def _single_chapter(
    blocks: list[Block], where: _Where, *, path: Path, wrap: float, dropped: list[Dropped]
) -> Layout:
    """No headings at all: the file is one chapter, named after the file (a book split one chapter a file)."""
    paragraphs = tuple(p for b in blocks for p in _paragraphs(b, where, wrap=wrap, notes=False))
    if not paragraphs:
        return Layout((), (), tuple(dropped))
    title = re.sub(r"[_-]+", " ", path.stem).strip() or path.stem
    log.info("%s: no chapter headings found; the file is one chapter titled %r", path, title)
    chapter = Chapter(title, paragraphs, paragraphs[0].where, ChapterKind.BODY, speak_title=False)
    return Layout((chapter,), (), tuple(dropped))
