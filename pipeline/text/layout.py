"""Chapters from a text's own layout: blank-line blocks, the headings among them, the text under each.

In: the lines of one file with any boilerplate already cut off (manuscript.py does that). Out: chapters of
paragraphs that know their lines, the front matter, and what was deliberately not read (a table of contents).
Overrides from the book's metadata file (`chapters:` in book.yaml) add or refuse headings where layout misleads.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Chapter, ChapterKind, Paragraph, Where, count_words
from .headings import (
    CHAPTER,
    FLOATING,
    SECTION,
    Shape,
    is_contents,
    is_title_like,
    key_of,
    shape_of,
    title_case,
)
from .manuscript import Dropped
from .overrides import ChapterOverrides

log = logging.getLogger(__name__)

_SETEXT = re.compile(r"={3,}|-{3,}")
_MARKDOWN_START = re.compile(r"#{1,6}\s")
_NOTE_START = re.compile(r"(?:\[\d{1,3}\]|\d{1,3}[.)])\s")
_FIELD = re.compile(r"[A-Z][\w/&.’' -]{0,40}:\s+\S")  # "Translation: John G. Wright."
_PAGE_NUMBER = re.compile(r"(?:\s{2,}|\.{2,}\s*|\s)\d{1,4}$")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# A title page: title, "by" author, a credit line. More lines, or a longer line, make a credits block or prose.
_TITLE_PAGE_LINES = 4
_TITLE_PAGE_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Layout:
    """What `layout` found in one file's text."""

    chapters: tuple[Chapter, ...]
    front: tuple[Paragraph, ...]  # the text before the first heading, read or not
    dropped: tuple[Dropped, ...]


@dataclass(slots=True)
class _Block:
    """A run of non-blank lines (stripped), the index of its first line, and the blank lines before it."""

    first: int
    lines: list[str]
    gap: int
    shape: Shape | None = None
    heading: bool = False
    subtitle: str | None = None
    prose: bool = False
    words: int = field(default=0)


def _is_field_block(lines: Sequence[str]) -> bool:
    return all(_FIELD.match(line) for line in lines)


def _is_prose(block: _Block) -> bool:
    """Running text, as opposed to a title, a dateline, a signature or a list of credits."""
    if block.shape is not None and len(block.lines) == 1 and block.shape.kind != "title":
        return False
    if _is_field_block(block.lines):
        return False
    if len(block.lines) > 1 and all(shape_of(line) is not None for line in block.lines):
        return False  # a list of headings: a table of contents
    text = " ".join(block.lines)
    return block.words >= 15 or (block.words >= 4 and bool(_SENTENCE_END.search(text)))


def _blocks(lines: Sequence[str], start: int, end: int, overrides: ChapterOverrides) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    first = gap = 0

    def flush() -> None:
        nonlocal current, gap
        if current:
            blocks.append(_Block(first, current, gap))
            current, gap = [], 0

    for index in range(start, end):
        line = lines[index].strip()
        if not line:
            flush()
            gap += 1
            continue
        # A Markdown heading or a heading the user named stands alone even without blank lines around it.
        alone = bool(_MARKDOWN_START.match(line)) or overrides.forces(line)
        if alone or (current and (_MARKDOWN_START.match(current[-1]) or overrides.forces(current[-1]))):
            flush()
        if not current:
            first = index
        current.append(line)
        if alone:
            flush()
    flush()
    for block in blocks:
        # A Setext heading ("Title" over "=====" or "-----") reads as the Markdown heading it is.
        if len(block.lines) == 2 and _SETEXT.fullmatch(block.lines[1]):
            block.lines = ["#" * (1 if block.lines[1][0] == "=" else 2) + " " + block.lines[0]]
    return blocks


def _split_keyword_blocks(blocks: list[_Block]) -> list[_Block]:
    """A chapter keyword line at the top of a block is a heading; the line under it a subtitle or the text."""
    result: list[_Block] = []
    for block in blocks:
        shape = shape_of(block.lines[0])
        if len(block.lines) > 1 and shape is not None and shape.kind == "keyword":
            second = block.lines[1]
            # Right under the heading a closing full stop does not make it a sentence: "MARLEY'S GHOST."
            bare = second.removesuffix(".")
            if len(block.lines) == 2 and is_title_like(bare) and _title(bare):
                result.append(_Block(block.first, block.lines, block.gap, subtitle=second))
                continue
            result.append(_Block(block.first, block.lines[:1], block.gap))
            result.append(_Block(block.first + 1, block.lines[1:], 0))
            continue
        result.append(block)
    for block in result:
        block.words = count_words(" ".join(block.lines))
    return result


def _title(line: str) -> Shape | None:
    shape = shape_of(line)
    return shape if shape is not None and shape.kind == "title" else None


def _table_of_contents(blocks: list[_Block]) -> tuple[int, int] | None:
    """The blocks [lo, hi) of a table of contents: heading lines listed before the same headings begin.

    It is a run of heading-shaped lines (or lines ending in page numbers) that starts at a "Contents" line
    in the first quarter of the text, or else before any prose; and it ends where its first entry recurs
    last within the run: the real headings follow it directly, and then the text.
    """
    listed = [
        not b.prose and all(shape_of(x) is not None or _PAGE_NUMBER.search(x) for x in b.lines)
        for b in blocks
    ]
    run_end = [len(blocks)] * (len(blocks) + 1)
    for i in range(len(blocks) - 1, -1, -1):
        run_end[i] = run_end[i + 1] if listed[i] else i
    at: dict[str, list[int]] = {}
    for i, block in enumerate(blocks):
        at.setdefault(key_of(block.lines[0]), []).append(i)
    quarter = max(len(blocks) // 4, 1)
    contents = next((i for i, b in enumerate(blocks[:quarter]) if is_contents(b.lines[0])), None)
    if contents is not None:
        starts: Iterable[int] = [contents + 1] if contents + 1 < len(blocks) else []
    else:
        first_prose = next((i for i, b in enumerate(blocks) if b.prose), len(blocks))
        starts = range(first_prose)
    for i in starts:
        if not listed[i]:
            continue
        same = at[key_of(blocks[i].lines[0])]
        later = same[bisect_left(same, run_end[i]) - 1]
        if later > i and (contents is not None or sum(len(b.lines) for b in blocks[i:later]) >= 2):
            return (contents if contents is not None else i), later
    if contents is not None and run_end[contents + 1] - 1 > contents + 1:
        return contents, run_end[contents + 1] - 1  # nothing recurs: keep the last heading above the text
    return None


def _numbered_chains(blocks: list[_Block], candidates: list[int]) -> set[int]:
    """Numbered lines that count 1, 2, 3... with prose between them: section headings, not a list."""
    accepted: set[int] = set()
    chain: list[int] = []

    def prose_between(lo: int, hi: int) -> bool:
        return any(blocks[k].prose for k in range(lo + 1, min(hi, len(blocks))))

    def close() -> None:
        if len(chain) >= 2 and prose_between(chain[-1], chain[-1] + 4):
            accepted.update(chain)

    for index in candidates:
        number = blocks[index].shape.number  # type: ignore[union-attr]
        if chain and number == blocks[chain[-1]].shape.number + 1 and prose_between(chain[-1], index):  # type: ignore[operator,union-attr]
            chain.append(index)
        elif number == 1:
            close()
            chain = [index]
    close()
    return accepted


def _wrap_threshold(blocks: list[_Block]) -> float:
    """Half the width the text is hard-wrapped at: shorter lines inside a block are lines on purpose."""
    widths = sorted(len(line) for b in blocks if len(b.lines) > 1 for line in b.lines[:-1])
    # Never under 30: no one wraps prose that narrow, and a signature ("JOHN SMITH") is its own line.
    return max(widths[int(len(widths) * 0.9)] / 2 if widths else 0.0, 30.0)


def _find_headings(blocks: list[_Block], overrides: ChapterOverrides) -> None:
    structured = False
    for block in blocks:
        line = block.lines[0]
        if overrides.refuses(line):
            continue
        if overrides.forces(line):
            block.shape = shape_of(line) or Shape("title", CHAPTER, line)
            block.heading = True
        elif overrides.automatic and (len(block.lines) == 1 or block.subtitle):
            block.shape = shape_of(line)
            if block.shape is not None and block.shape.kind in {"keyword", "markdown", "named"}:
                block.heading = True
                structured = structured or block.shape.kind != "named"
    gaps = Counter(b.gap for b in blocks[1:] if not b.heading)
    usual_gap = gaps.most_common(1)[0][0] if gaps else 1
    numbered = [i for i, b in enumerate(blocks) if b.shape and b.shape.kind == "numbered" and not b.heading]
    for index in _numbered_chains(blocks, numbered):
        blocks[index].heading = True
    for index, block in enumerate(blocks):
        if block.heading or block.shape is None or block.shape.kind != "title":
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        spaced = index == 0 or block.gap > usual_gap or not structured
        if after is not None and after.prose and not after.heading and spaced:
            block.heading = True
    # A keyword heading alone, then one short title-like line, then text: the line is the chapter's title.
    for index, block in enumerate(blocks[:-2]):
        nxt, after = blocks[index + 1], blocks[index + 2]
        if (
            block.heading
            and block.shape
            and block.shape.kind == "keyword"
            and block.subtitle is None
            and not nxt.heading
            and len(nxt.lines) == 1
            and _title(nxt.lines[0])
            and not after.heading
        ):
            block.subtitle = nxt.lines[0]
            nxt.shape = Shape("subtitle", SECTION, nxt.lines[0])
    # One top-level Markdown heading before all others is the book's title: front matter, not a chapter.
    headings = [b for b in blocks if b.heading]
    tops = [b for b in headings if b.shape and b.shape.kind == "markdown" and b.shape.rank == 0]
    if len(tops) == 1 and len(headings) > 1 and headings[0] is tops[0]:
        tops[0].heading = False


def _is_title_page(blocks: Sequence[_Block]) -> bool:
    """Front matter that is only a short title page: it opens the first chapter instead of being one."""
    lines = [line for b in blocks for line in b.lines]
    return 0 < len(lines) <= _TITLE_PAGE_LINES and all(len(x) <= _TITLE_PAGE_WIDTH for x in lines)


def _paragraphs(block: _Block, where: _Where, *, wrap: float, notes: bool) -> list[Paragraph]:
    """A block's paragraphs: one for wrapped prose, one per line for credits, verse and signatures."""
    lines = block.lines
    if _MARKDOWN_START.match(lines[0]) and shape_of(lines[0]) is not None:
        lines = [shape_of(lines[0]).title, *lines[1:]]  # type: ignore[union-attr]
    starts: list[int]
    if notes and any(_NOTE_START.match(line) for line in lines[1:]):
        starts = [0] + [k for k in range(1, len(lines)) if _NOTE_START.match(lines[k])]
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


def _leading_run(blocks: list[_Block], lo: int, hi: int, usual_gap: int) -> int:
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
    blocks = _split_keyword_blocks(_blocks(lines, start, end, overrides))
    for block in blocks:
        block.shape = shape_of(block.lines[0]) if len(block.lines) == 1 else None
        block.prose = _is_prose(block)
    dropped: list[Dropped] = []
    toc = _table_of_contents(blocks) if overrides.automatic else None
    if toc is not None:
        lo, hi = toc
        text = "\n".join(line for b in blocks[lo:hi] for line in b.lines)
        dropped.append(
            Dropped(text, where(blocks[lo].first), "table of contents (each chapter is read where it begins)")
        )
        del blocks[lo:hi]
    for block in blocks:
        block.shape = None
    _find_headings(blocks, overrides)
    wrap = _wrap_threshold(blocks)
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
    blocks: list[_Block], where: _Where, *, path: Path, wrap: float, dropped: list[Dropped]
) -> Layout:
    """No headings at all: the file is one chapter, named after the file (a book split one chapter a file)."""
    paragraphs = tuple(p for b in blocks for p in _paragraphs(b, where, wrap=wrap, notes=False))
    if not paragraphs:
        return Layout((), (), tuple(dropped))
    title = re.sub(r"[_-]+", " ", path.stem).strip() or path.stem
    log.info("%s: no chapter headings found; the file is one chapter titled %r", path, title)
    chapter = Chapter(title, paragraphs, paragraphs[0].where, ChapterKind.BODY, speak_title=False)
    return Layout((chapter,), (), tuple(dropped))
