"""The editor's lint: likely mistakes in a manuscript, each pointed at its file and line; nothing is changed.

In: the manuscript's text files (and the lexicon, if there is one). Out: `Finding`s of seven kinds — split
words, doubled words, misspelt names, inconsistent spellings, stray lines, unbalanced quotes, unbalanced
brackets. It works on the raw lines of each file (a Project Gutenberg header and licence are skipped, as the
book never reads them), so it needs no chapter detection and every line number is the one in the editor.
An EPUB has no lines to edit as such: it is linted paragraph by paragraph as the EPUB reader reads it (what
the book does not read, a contents list or a licence page, is not linted), each finding at the member file
and line of its paragraph ("book.epub/OEBPS/ch05.xhtml:12"). Its chapter titles, taken from the table of
contents, are not linted.
English words come from pyspellchecker's list: pure Python, no dependencies, one 650 kB file for English,
and each word's frequency, which tells a real word ("ore") from a dictionary oddity ("m").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..model import Book, Paragraph
from ..speech.english import english_words
from ..speech.lexicon import Lexicon
from ..text import source as book_source
from ..text.epub_chapters import read_epub
from ..text.manuscript import find_body, manuscript_files, read_text
from .lint_checks import (
    BRACKETS,
    DOUBLED,
    INCONSISTENT,
    KINDS,
    MISSPELT,
    QUOTES,
    SPLIT,
    STRAY,
    Checker,
    Finding,
)

__all__ = [
    "BRACKETS",
    "DOUBLED",
    "INCONSISTENT",
    "KINDS",
    "MISSPELT",
    "QUOTES",
    "SPLIT",
    "STRAY",
    "Finding",
    "english_words",
    "lint",
    "lint_book",
    "lint_source",
    "lint_texts",
    "render",
]


def lint_source(
    source: Path, *, lexicon: Lexicon | None = None, words: Mapping[str, int] | None = None
) -> tuple[Finding, ...]:
    """Every finding in the manuscript at `source`, found as build finds it: a folder's text files, a text
    file, an .epub or a folder holding one (read with its book.yaml, as build reads it)."""
    files = manuscript_files(Path(source))
    if files[0].suffix.lower() == ".epub":
        return lint_book(book_source.load(Path(source)).book, lexicon=lexicon, words=words)
    return lint(files, lexicon=lexicon, words=words)


def lint(
    files: Sequence[Path], *, lexicon: Lexicon | None = None, words: Mapping[str, int] | None = None
) -> tuple[Finding, ...]:
    """Every finding in the files, in file and line order; `words` replaces the English word list."""
    texts = [Path(f) for f in files if Path(f).suffix.lower() != ".epub"]
    checker = Checker(lexicon or Lexicon.empty(), english_words() if words is None else words)
    _check_texts(checker, [(path, read_text(path)) for path in texts])
    for path in (Path(f) for f in files if Path(f).suffix.lower() == ".epub"):
        _check_paragraphs(checker, [c.paragraphs for c in read_epub(path).chapters])
    return checker.finish()


def lint_book(
    book: Book, *, lexicon: Lexicon | None = None, words: Mapping[str, int] | None = None
) -> tuple[Finding, ...]:
    """Every finding in a book's paragraphs as they are read, each at the file and line it came from."""
    checker = Checker(lexicon or Lexicon.empty(), english_words() if words is None else words)
    _check_paragraphs(checker, [c.paragraphs for c in book.chapters])
    return checker.finish()


def lint_texts(
    texts: Iterable[tuple[Path, str]],
    *,
    lexicon: Lexicon | None = None,
    words: Mapping[str, int] | None = None,
) -> tuple[Finding, ...]:
    """Like `lint`, on texts already read: (path, text) pairs, the path only used to report lines."""
    checker = Checker(lexicon or Lexicon.empty(), english_words() if words is None else words)
    _check_texts(checker, texts)
    return checker.finish()


def _check_texts(checker: Checker, texts: Iterable[tuple[Path, str]]) -> None:
    for path, text in texts:
        lines = text.split("\n")
        body = find_body(lines, path=path)
        checker.file(path, lines, body.start, body.end)


def _check_paragraphs(checker: Checker, chapters: Sequence[Sequence[Paragraph]]) -> None:
    """Each chapter's paragraphs in order (a quotation may run on into the next paragraph of its chapter)."""
    for paragraphs in chapters:
        for k, paragraph in enumerate(paragraphs):
            following = paragraphs[k + 1].text if k + 1 < len(paragraphs) else ""
            checker.block(paragraph.where, paragraph.text, following)


def render(findings: Sequence[Finding]) -> str:
    """The findings for a terminal: grouped by kind, in the book's order within a kind (file and line, as
    `lint` sorts them), and a count at the end."""
    if not findings:
        return "no findings"
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_kind[finding.kind].append(finding)
    order = sorted(by_kind, key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
    out: list[str] = []
    for kind in order:
        group = by_kind[kind]
        out.append(f"{kind} ({len(group)})")
        out.extend(f"  {f.where}: '{f.text}' — {f.suggestion}" for f in group)
        out.append("")
    counts = ", ".join(f"{len(by_kind[k])} {_plural(k, len(by_kind[k]))}" for k in order)
    total = len(findings)
    out.append(f"{total} finding{'s' if total != 1 else ''}: {counts}")
    return "\n".join(out)


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    head, _, last = kind.rpartition(" ")
    return f"{head} {last}s" if head and last in ("word", "name", "line", "spelling") else kind
