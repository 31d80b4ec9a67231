"""The editor's lint: likely mistakes in a manuscript, each pointed at its file and line; nothing is changed.

In: the manuscript's text files (and the lexicon, if there is one). Out: `Finding`s of seven kinds — split
words, doubled words, misspelt names, inconsistent spellings, stray lines, unbalanced quotes, unbalanced
brackets. It works on the raw lines of each file (a Project Gutenberg header and licence are skipped, as the
book never reads them), so it needs no chapter detection and every line number is the one in the editor.
English words come from pyspellchecker's list: pure Python, no dependencies, one 650 kB file for English,
and each word's frequency, which tells a real word ("ore") from a dictionary oddity ("m").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..errors import InputError
from ..speech.english import english_words
from ..speech.lexicon import Lexicon
from ..text.manuscript import find_body, read_text
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
    "lint_texts",
    "render",
]


def lint(
    files: Sequence[Path], *, lexicon: Lexicon | None = None, words: Mapping[str, int] | None = None
) -> tuple[Finding, ...]:
    """Every finding in the files, in file and line order; `words` replaces the English word list."""
    for f in files:
        if Path(f).suffix.lower() == ".epub":
            raise InputError(
                "lint checks text manuscripts (.txt, .md) line by line; it does not read EPUBs yet",
                path=Path(f),
                fix="`audiobook chapters` and `audiobook spoken` show what is read from an EPUB",
            )
    return lint_texts([(Path(f), read_text(Path(f))) for f in files], lexicon=lexicon, words=words)


def lint_texts(
    texts: Iterable[tuple[Path, str]],
    *,
    lexicon: Lexicon | None = None,
    words: Mapping[str, int] | None = None,
) -> tuple[Finding, ...]:
    """Like `lint`, on texts already read: (path, text) pairs, the path only used to report lines."""
    checker = Checker(lexicon or Lexicon.empty(), english_words() if words is None else words)
    for path, text in texts:
        lines = text.split("\n")
        body = find_body(lines, path=path)
        checker.file(path, lines, body.start, body.end)
    return checker.finish()


def render(findings: Sequence[Finding]) -> str:
    """The findings for a terminal: grouped by kind, by file and line within a kind, and a count at the end."""
    if not findings:
        return "no findings"
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_kind[finding.kind].append(finding)
    order = sorted(by_kind, key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
    out: list[str] = []
    for kind in order:
        group = sorted(by_kind[kind], key=lambda f: (str(f.where.path), f.where.line))
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
