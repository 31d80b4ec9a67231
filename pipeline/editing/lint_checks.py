"""The lint's checks: each paragraph and line of a manuscript looked at for likely slips, each slip a
`Finding` with its file and line. lint.py reads the files and renders the report.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model import Where
from ..speech.lexicon import Entry, Lexicon

SPLIT = "split word"
DOUBLED = "doubled word"
MISSPELT = "misspelt name"
INCONSISTENT = "inconsistent spelling"
STRAY = "stray line"
QUOTES = "unbalanced quotes"
BRACKETS = "unbalanced brackets"
_OPENER = {")": "(", "]": "["}
_CLOSER = {"(": ")", "[": "]"}
KINDS = (SPLIT, DOUBLED, MISSPELT, INCONSISTENT, STRAY, QUOTES, BRACKETS)

# Doubles that English writes on purpose: past perfect ("had had"), conjunction + demonstrative ("that
# that"), "what it is is", emphatic "do do", and repetitions a writer means (very very, ha ha, tut tut).
# A pronoun as object then subject or possessive ("told you you were", "gave her her book") is common too.
LEGITIMATE_DOUBLES = frozenset(
    "had that is do you her very ha ho no yes so tut bye well now there come".split()
)
# pyspellchecker counts words in film subtitles; 50 is its floor for the 100,000 words it knows only from a
# dictionary ("st", "trotsky", "m"). A joined-up word must be common to be proposed; a piece is a word if it
# is used at all, but two-letter pieces only if very common: the list has "de", "re", "ed" from subtitles.
COMMON = 1000
_FLOOR = 50
_TWO_LETTER_WORD = 100_000
_LETTER_NAMED = frozenset({"the", "a", "an", "letter", "by"})  # "the s", "a z": a letter's name, not a split

_HYPHENS = ("-", "‐")
_PROSE_MARKS = frozenset(".,;:!?'\"“”‘’()[]-–—…/")
# Applied in order: the ways English texts transliterate one Russian sound, reduced to one letter.
_TRANSLITERATIONS = (
    ("shch", "sc"), ("sch", "sc"), ("tz", "z"), ("ck", "k"), ("ff", "v"), ("c", "k"), ("w", "v"),
    ("y", "i"), ("j", "i"),
)  # fmt: skip
_I_BEFORE_VOWEL = re.compile(r"i(?=[aeou])")  # Nikolaiev, Nikolaev; Vasilyevich, Vasilevich
_FEET_INCHES = re.compile(r"\d['’]\s?\d{1,2}\"")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_RULE = re.compile(r"\s*([-*_=~#.•·])(?:\s*\1)*\s*")  # "* * *", "***", "-----", "=====" (Setext), "#"
_CODE = re.compile(
    r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"  # an HTML tag
    r"|&(?:[a-z]+|#\d+);"  # an HTML entity
    r"|[{}]|==|!=|=>|::|\b\w+\(\)"  # braces, operators, a call
    r"|^\s*(?:def|import|return|var|let|const|function|class)\b.*[;:{(=]\s*$"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One likely mistake: where it is, what kind, the text in question and what to do about it."""

    where: Where
    kind: str
    text: str
    suggestion: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: '{self.text}' — {self.suggestion}"


def _fold(word: str) -> str:
    """A word for comparing: lower case, one kind of apostrophe."""
    return word.casefold().replace("’", "'")


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (an adjacent transposition costs 1), or limit+1 once over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _is_transposition(a: str, b: str) -> bool:
    """Is `a` the word `b` with two neighbouring letters swapped?"""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    line: int


class Checker:
    """Runs the per-paragraph checks file by file, and the whole-book spelling checks at the end."""

    def __init__(self, lexicon: Lexicon, words: Mapping[str, int]) -> None:
        self.lexicon = lexicon
        self.words = words
        self.findings: list[Finding] = []
        # Single-word written forms of every entry, folded: the name's own form or one of its spellings.
        self.forms: dict[str, tuple[Entry, str]] = {}
        for entry in lexicon.entries:
            for written in entry.written:
                if " " not in written.strip():
                    self.forms[_fold(written)] = (entry, written)
        self.name_uses: dict[str, dict[str, list[Where]]] = defaultdict(lambda: defaultdict(list))
        self.others: dict[str, list[Where]] = defaultdict(list)  # capitalised words in no list or lexicon
        self.misspelt: dict[str, tuple[str, list[Where]]] = {}  # as written -> (suggestion, uses)
        self.near: dict[str, Entry | None] = {}
        self.order: dict[Path, int] = {}  # the files (an EPUB's members) in reading order, as they come

    def place(self, where: Where) -> tuple[int, str, int]:
        """Where a use stands in the book: file in reading order, then line."""
        return (self.order.get(where.path, len(self.order)), where.path.as_posix(), where.line)

    def is_word(self, word: str) -> bool:
        """Is this piece a word in its own right (so two of them side by side are not a split word)?"""
        folded = _fold(word)
        if len(folded) == 1:
            return folded in "ai" or word.isupper()  # capitals alone are initials and variables: "B in D's"
        count = self.words.get(folded, 0)
        return count >= _TWO_LETTER_WORD if len(folded) == 2 else count > _FLOOR

    def file(self, path: Path, lines: Sequence[str], start: int, end: int) -> None:
        self.order.setdefault(path, len(self.order))
        paragraph: list[int] = []
        paragraphs: list[list[int]] = []
        for index in range(start, end):
            if lines[index].strip():
                paragraph.append(index)
            elif paragraph:
                paragraphs.append(paragraph)
                paragraph = []
        if paragraph:
            paragraphs.append(paragraph)
        texts = ["\n".join(lines[i] for i in p) for p in paragraphs]
        for number, indexes in enumerate(paragraphs):
            following = texts[number + 1] if number + 1 < len(texts) else ""
            self.paragraph(path, indexes, texts[number], following, lines)

    def block(self, where: Where, text: str, following: str) -> None:
        """One paragraph as a reader found it (an EPUB's): its text on one line, at its element's line."""
        self.order.setdefault(where.path, len(self.order))
        index = max(where.line, 1) - 1
        self.paragraph(where.path, [index], text, following, {index: text})

    def paragraph(
        self,
        path: Path,
        indexes: list[int],
        text: str,
        following: str,
        lines: Sequence[str] | Mapping[int, str],
    ) -> None:
        starts = [0]
        for index in indexes[:-1]:
            starts.append(starts[-1] + len(lines[index]) + 1)

        def line_at(offset: int) -> int:
            return indexes[bisect.bisect_right(starts, offset) - 1] + 1

        stray = {index + 1 for index in indexes if self.stray(Where(path, index + 1), lines[index])}
        tokens = [_Token(m.group(), m.start(), m.end(), line_at(m.start())) for m in _WORD.finditer(text)]
        previous_double = False
        for i, (a, b) in enumerate(itertools.pairwise(tokens)):
            if a.line in stray or not text[a.end : b.start].isspace():
                previous_double = False
                continue
            # A run of one word ("the the the") is one finding, not one per pair.
            previous_double = self.doubled(path, a, b, report=not previous_double)
            before = tokens[i - 1].text if i else ""
            after = tokens[i + 2].text if i + 2 < len(tokens) else ""
            hyphenated = text[b.end : b.end + 1] in _HYPHENS or text[a.start - 1 : a.start] in _HYPHENS
            if not hyphenated:  # "to re-establish" is not "tore"
                self.split(path, a, b, before, after)
        for token in tokens:
            if token.text[0].isupper():
                self.name(Where(path, token.line), token.text)
        self.balance(path, text, following, line_at)

    def doubled(self, path: Path, a: _Token, b: _Token, *, report: bool) -> bool:
        if _fold(a.text) != _fold(b.text) or _fold(a.text) in LEGITIMATE_DOUBLES:
            return False
        if report:
            self.findings.append(
                Finding(Where(path, a.line), DOUBLED, f"{a.text} {b.text}", f"delete one '{b.text}'")
            )
        return True

    def foreign(self, word: str) -> bool:
        """A lower-case word that is not English (names, capitalised, may be anything)."""
        return bool(word) and word[0].islower() and not self.is_word(word)

    def split(self, path: Path, a: _Token, b: _Token, before: str, after: str) -> None:
        """A word broken in two: "m ore" (not two words), "Trot sky" (two words, but a lexicon name)."""
        # The tail of a split word is lower case: "Trot sky", "m ore"; "New York" is two words.
        if not b.text[0].islower() or "'" in a.text or "’" in a.text:
            return
        joined = a.text + b.text
        stem = _POSSESSIVE.sub("", joined)
        entry = self.lexicon.entry_for(joined) if len(joined) >= 4 else None
        if entry is not None and not self.lexicon.entry_for(a.text) and not self.lexicon.entry_for(b.text):
            hint = f"join it: {stem} (a name in the lexicon)"
        elif (
            self.words.get(_fold(stem), 0) < COMMON
            or (self.is_word(a.text) and self.is_word(b.text))
            or len(b.text) == 1  # "by e", "the e": a letter named, not half a word
            or (len(a.text) == 1 and _fold(before) in _LETTER_NAMED)
            # Among words that are not English ("A ces pleurs", "a b c d") it is another language or a list.
            or self.foreign(before)
            or self.foreign(after)
        ):
            return
        else:
            hint = f"join it: {stem}"
        self.findings.append(Finding(Where(path, a.line), SPLIT, f"{a.text} {b.text}", hint))

    def name(self, where: Where, word: str) -> None:
        """Note a capitalised word: a use of a lexicon name, a near miss of one, or another unknown name."""
        stem = _POSSESSIVE.sub("", word)
        folded = _fold(stem)
        known = self.forms.get(folded)
        if known is None and self.lexicon.entry_for(word) is not None:
            known = next((v for k, v in self.forms.items() if folded.startswith(k)), None)  # name + ending
        if known is not None:
            entry, written = known
            if written != entry.name and _is_transposition(folded, _fold(entry.name)):
                # Listed as a spelling so that it is at least said right, but a swapped pair of letters is
                # a misprint, not a way of writing the name: the text should still be corrected.
                hint = f"a misprint of {entry.name} (the lexicon lists it as a spelling, line {entry.line})"
                self.misspelt.setdefault(stem, (f"{hint}; write {entry.name}", []))[1].append(where)
            else:
                self.name_uses[entry.name][written].append(where)
            return
        if len(stem) < 4 or folded in self.words or (stem.isupper() and len(stem) < 6):
            return
        if folded not in self.near:
            self.near[folded] = self.near_name(folded)
        near = self.near[folded]
        if near is not None:
            hint = f"did you mean {near.name}? (lexicon line {near.line})"
            self.misspelt.setdefault(stem, (hint, []))[1].append(where)
        elif len(stem) >= 6 and not stem.isupper():  # capitals: Roman numerals, acronyms, shouted headings
            self.others[stem].append(where)

    def near_name(self, folded: str) -> Entry | None:
        """The lexicon name this word is a slip of: one edit (a swapped pair counts as one), two in long names.

        Slips keep the first letter; a name plus an ending (Rostova, Nikolaievs) is not a slip. Two edits
        are allowed from eight letters on only: shorter, they join distinct names (Repnin, Lenin).
        """
        limit = 2 if len(folded) >= 8 else 1
        for form, (entry, _written) in self.forms.items():
            if len(form) < 4 or form[0] != folded[0] or folded.startswith(form):
                continue
            if _distance(folded, form, limit) <= limit:
                return entry
        return None

    def stray(self, where: Where, line: str) -> bool:
        text = line.strip()
        if not text or _RULE.fullmatch(text):
            return False
        tokens = text.split()
        letters = sum(c.isalnum() for c in text)
        # Prose punctuation is not a sign of junk: '"No."' is a line of dialogue.
        symbols = sum(not c.isalnum() and not c.isspace() and c not in _PROSE_MARKS for c in text)
        reason = None
        if len(tokens) >= 3 and len({_fold(t) for t in tokens}) == 1 and _WORD.fullmatch(tokens[0]):
            reason = "one word repeated"
        elif symbols >= 3 and symbols > letters:
            reason = "mostly not letters"
        elif _CODE.search(text):
            reason = "looks like code or markup"
        if reason:
            self.findings.append(
                Finding(where, STRAY, text, f"{reason}: delete it if it is not part of the book")
            )
        return reason is not None

    def balance(self, path: Path, text: str, following: str, line_at: Callable[[int], int]) -> None:
        """Brackets and double quotes that open and do not close (or close unopened) in one paragraph.

        Single quotes are not checked: apostrophes look the same. A quotation left open is fine when the
        next paragraph opens one again: that is how a quotation running over paragraphs is printed.
        """

        def add(pos: int, kind: str, suggestion: str) -> None:
            self.findings.append(Finding(Where(path, line_at(pos)), kind, _excerpt(text, pos), suggestion))

        stack: list[tuple[str, int]] = []
        for m in re.finditer(r"[()\[\]]", text):
            char, pos = m.group(), m.start()
            if char in "([":
                stack.append((char, pos))
            elif stack and stack[-1][0] == _OPENER[char]:
                stack.pop()
            elif char == ")" and not stack and re.search(r"(?:^|\s)\w{1,3}$", text[:pos]):
                continue  # an enumeration: "1)", "a)", "iv)"
            else:
                add(pos, BRACKETS, f"'{char}' closes nothing")
        for char, pos in stack:
            add(pos, BRACKETS, f"'{char}' is not closed in its paragraph: add '{_CLOSER[char]}'")
        continues = following.lstrip()[:1] in ("“", '"')
        opened: int | None = None
        for m in re.finditer(r"[“”]", text):
            if m.group() == "”":
                if opened is None:
                    add(m.start(), QUOTES, "'”' closes no quotation")
                opened = None
            else:
                if opened is not None:
                    add(opened, QUOTES, "'“' is not closed before the next '“'")
                opened = m.start()
        if opened is not None and not continues:
            add(opened, QUOTES, "'“' is not closed: add '”'")
        inches = {m.end() - 1 for m in _FEET_INCHES.finditer(text)}  # 5'11"
        straight = [m.start() for m in re.finditer('"', text) if m.start() not in inches]
        if len(straight) % 2 and not continues:
            add(straight[-1], QUOTES, "an odd number of '\"' in the paragraph")

    def finish(self) -> tuple[Finding, ...]:
        for stem, (hint, uses) in self.misspelt.items():
            more = _lines(uses[1:])
            also = f" (also line{'s' if len(more) > 1 else ''} {', '.join(more)})" if more else ""
            self.findings.append(Finding(uses[0], MISSPELT, stem, hint + also))
        for name, uses in self.name_uses.items():
            if len(uses) > 1:
                self.findings.append(_inconsistent(uses, f"the lexicon's name is {name}", self.place))
        for group in _similar_groups(self.others):
            self.findings.append(_inconsistent(group, "these look like one name", self.place))
        return tuple(sorted(self.findings, key=lambda f: (*self.place(f.where), KINDS.index(f.kind))))


def _excerpt(text: str, pos: int, width: int = 30) -> str:
    start, end = max(0, pos - width), min(len(text), pos + width)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def _inconsistent(
    uses: Mapping[str, list[Where]], why: str, place: Callable[[Where], tuple[int, str, int]]
) -> Finding:
    """One finding naming every variant and its lines, placed where the second variant first appears."""
    variants = sorted(uses.items(), key=lambda kv: place(kv[1][0]))
    where = variants[1][1][0]
    text = " / ".join(f"{written} ({', '.join(_lines(uses_))})" for written, uses_ in variants)
    return Finding(where, INCONSISTENT, text, f"{why}: choose one spelling and use it throughout")


def _lines(uses: Sequence[Where]) -> list[str]:
    """Line numbers once each, with the file's name when a book's uses span several files."""
    several = len({w.path for w in uses}) > 1
    seen = dict.fromkeys(f"{w.path.name}:{w.line}" if several else str(w.line) for w in uses)
    return list(seen)


def _transliteration(name: str) -> str:
    """A key under which the usual ways of writing one Russian name agree: Nicolaiev, Nikolaiev, Nicolaev."""
    key = _strip_accents(_fold(name))
    for written, said in _TRANSLITERATIONS:
        key = key.replace(written, said)
    return _I_BEFORE_VOWEL.sub("", key)


def _similar_groups(names: Mapping[str, list[Where]]) -> list[dict[str, list[Where]]]:
    """Names outside the lexicon that look like one name written differently, grouped.

    Two kinds of pair: the same name in two transliterations (c/k, y/i, ff/v: Volkonsky, Volkonski), and a
    one-letter slip — a name used once or twice beside one used at least five times, the two one edit apart
    (not in the last two letters, where Russian endings vary: Rostova, Rostovs; Platon, Platov).
    """
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    by_key: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_key[_transliteration(name)].append(name)
    for group in by_key.values():
        for other in group[1:]:
            parent[root(other)] = root(group[0])
    uses = {name: len(dict.fromkeys(names[name])) for name in names}
    buckets: dict[str, list[str]] = defaultdict(list)  # one letter deleted: names one edit apart share one
    for name in names:
        folded = _strip_accents(_fold(name))
        for i in range(len(folded) - 2):
            buckets[folded[:i] + folded[i + 1 :]].append(name)
        buckets[folded].append(name)
    for bucket in buckets.values():
        for a, b in itertools.combinations(sorted(set(bucket)), 2):
            rare, common = sorted((a, b), key=lambda n: uses[n])
            if uses[rare] > 2 or uses[common] < 5:
                continue
            fa, fb = _strip_accents(_fold(a)), _strip_accents(_fold(b))
            if fa != fb and fa[-2:] == fb[-2:] and fa[0] == fb[0] and _distance(fa, fb, 1) == 1:
                parent[root(a)] = root(b)
    groups: dict[str, dict[str, list[Where]]] = defaultdict(dict)
    for name in names:
        groups[root(name)][name] = names[name]
    return [g for g in groups.values() if len(g) > 1]
