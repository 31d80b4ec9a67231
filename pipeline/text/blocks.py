"""A text cut into blocks, and which blocks are headings.

In: the lines of one file (boilerplate already cut off) and the book's chapter overrides. Out: `Block`s, runs
of non-blank lines with the blank lines before them, marked as headings, prose, a table of contents.
layout.py turns them into chapters.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..model import count_words
from .headings import (
    CHAPTER,
    SECTION,
    Shape,
    is_contents,
    is_title_like,
    key_of,
    shape_of,
)
from .overrides import ChapterOverrides

_SETEXT = re.compile(r"={3,}|-{3,}")
MARKDOWN_START = re.compile(r"#{1,6}\s")
NOTE_START = re.compile(r"(?:\[\d{1,3}\]|\d{1,3}[.)])\s")
_FIELD = re.compile(r"[A-Z][\w/&.’' -]{0,40}:\s+\S")  # "Translation: John G. Wright."
_PAGE_NUMBER = re.compile(r"(?:\s{2,}|\.{2,}\s*|\s)\d{1,4}$")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(slots=True)
class Block:
    """A run of non-blank lines (stripped), the index of its first line, and the blank lines before it."""

    first: int
    lines: list[str]
    gap: int
    shape: Shape | None = None
    heading: bool = False
    subtitle: str | None = None
    prose: bool = False
    words: int = field(default=0)


def is_field_block(lines: Sequence[str]) -> bool:
    return all(_FIELD.match(line) for line in lines)


def is_prose(block: Block) -> bool:
    """Running text, as opposed to a title, a dateline, a signature or a list of credits."""
    if block.shape is not None and len(block.lines) == 1 and block.shape.kind != "title":
        return False
    if is_field_block(block.lines):
        return False
    if len(block.lines) > 1 and all(shape_of(line) is not None for line in block.lines):
        return False  # a list of headings: a table of contents
    text = " ".join(block.lines)
    return block.words >= 15 or (block.words >= 4 and bool(_SENTENCE_END.search(text)))


def cut_blocks(lines: Sequence[str], start: int, end: int, overrides: ChapterOverrides) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    first = gap = 0

    def flush() -> None:
        nonlocal current, gap
        if current:
            blocks.append(Block(first, current, gap))
            current, gap = [], 0

    for index in range(start, end):
        line = lines[index].strip()
        if not line:
            flush()
            gap += 1
            continue
        # A Markdown heading or a heading the user named stands alone even without blank lines around it.
        alone = bool(MARKDOWN_START.match(line)) or overrides.forces(line)
        if alone or (current and (MARKDOWN_START.match(current[-1]) or overrides.forces(current[-1]))):
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


def split_keyword_blocks(blocks: list[Block]) -> list[Block]:
    """A chapter keyword line at the top of a block is a heading; the line under it a subtitle or the text."""
    result: list[Block] = []
    for block in blocks:
        shape = shape_of(block.lines[0])
        if len(block.lines) > 1 and shape is not None and shape.kind == "keyword":
            second = block.lines[1]
            # Right under the heading a closing full stop does not make it a sentence: "MARLEY'S GHOST."
            bare = second.removesuffix(".")
            if len(block.lines) == 2 and is_title_like(bare) and title(bare):
                result.append(Block(block.first, block.lines, block.gap, subtitle=second))
                continue
            result.append(Block(block.first, block.lines[:1], block.gap))
            result.append(Block(block.first + 1, block.lines[1:], 0))
            continue
        result.append(block)
    for block in result:
        block.words = count_words(" ".join(block.lines))
    return result


def title(line: str) -> Shape | None:
    shape = shape_of(line)
    return shape if shape is not None and shape.kind == "title" else None


def table_of_contents(blocks: list[Block]) -> tuple[int, int] | None:
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


def numbered_chains(blocks: list[Block], candidates: list[int]) -> set[int]:
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


def wrap_threshold(blocks: list[Block]) -> float:
    """Half the width the text is hard-wrapped at: shorter lines inside a block are lines on purpose."""
    widths = sorted(len(line) for b in blocks if len(b.lines) > 1 for line in b.lines[:-1])
    # Never under 30: no one wraps prose that narrow, and a signature ("JOHN SMITH") is its own line.
    return max(widths[int(len(widths) * 0.9)] / 2 if widths else 0.0, 30.0)


def find_headings(blocks: list[Block], overrides: ChapterOverrides) -> None:
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
    for index in numbered_chains(blocks, numbered):
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
            and title(nxt.lines[0])
            and not after.heading
        ):
            block.subtitle = nxt.lines[0]
            nxt.shape = Shape("subtitle", SECTION, nxt.lines[0])
    # One top-level Markdown heading before all others is the book's title: front matter, not a chapter.
    headings = [b for b in blocks if b.heading]
    tops = [b for b in headings if b.shape and b.shape.kind == "markdown" and b.shape.rank == 0]
    if len(tops) == 1 and len(headings) > 1 and headings[0] is tops[0]:
        tops[0].heading = False
