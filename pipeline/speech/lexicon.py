"""The pronunciation lexicon: how names and terms are said, loaded from pronunciations.yaml
(`lexicon_file` reads and checks the file).

In: a spoken sentence and the engine's notation. Out: the sentence with every whole-word match of a name
(its spellings, possessives and allowed derived forms) replaced by the engine's form, in one pass, plus the
names of the entries used. The file format is documented in the comment block at the top of the file.
Its one reserved key, `known:`, lists words checked and found right as the voice reads them: they are never
rewritten, only excluded from `editing.lexicon_check.check`'s list of names that may need an entry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Notation
from . import lexicon_file
from .lexicon_file import ENDINGS, FIELDS, KNOWN, Entry
from .phonemes import ipa_to_espeak

log = logging.getLogger(__name__)

__all__ = ["ENDINGS", "FIELDS", "KNOWN", "Applied", "Entry", "Lexicon", "Occurrence"]

_APOSTROPHES = "'’ʼ"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where an entry matches in a text: [start, end) covers the name with its ending and possessive;
    `stem` is the spelling as written there, without them."""

    entry: Entry
    start: int
    end: int
    stem: str


@dataclass(frozen=True, slots=True)
class Applied:
    """A sentence after the lexicon, and the entry names used in it, once per use, in order."""

    text: str
    used: tuple[str, ...]


def _key(written: str, *, case_sensitive: bool) -> str:
    """How a written form is looked up: one kind of apostrophe, single spaces, and case folded unless kept."""
    text = " ".join(written.split())
    for mark in _APOSTROPHES[1:]:
        text = text.replace(mark, "'")
    return text if case_sensitive else text.lower()


class Lexicon:
    """Entries and the one compiled pattern that finds them all. Immutable once built."""

    def __init__(
        self, entries: Iterable[Entry], *, path: Path | None = None, known: Iterable[str] = ()
    ) -> None:
        self._entries = tuple(entries)
        self.path = path
        self.known: frozenset[str] = frozenset(_key(word, case_sensitive=False) for word in known)
        self._exact: dict[str, Entry] = {}  # case-sensitive spellings, as written
        self._folded: dict[str, Entry] = {}  # the others, lower-cased
        self._exact_folded: dict[str, Entry] = {}  # case-sensitive spellings lower-cased, to find clashes
        for entry in self._entries:
            for written in entry.written:
                self._claim(entry, written, path)
        self._pattern = _compile(self._entries)

    def _claim(self, entry: Entry, written: str, path: Path | None) -> None:
        exact, folded = _key(written, case_sensitive=True), _key(written, case_sensitive=False)
        # Two case-sensitive spellings clash only in the same capitals; any other pair clashes case-blind.
        rival = self._folded.get(folded) or (
            self._exact.get(exact) if entry.case_sensitive else self._exact_folded.get(folded)
        )
        if rival is not None and rival is not entry:
            raise ConfigError(
                f"{entry.name!r} claims the spelling {written!r}, which {rival.name!r} (line {rival.line}) already has",
                path=path,
                line=entry.line,
                fix="keep the spelling in one entry only",
            )
        if entry.case_sensitive:
            self._exact[exact] = entry
            self._exact_folded[folded] = entry
        else:
            self._folded[folded] = entry

    @classmethod
    def empty(cls) -> Lexicon:
        return cls(())

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read and check a lexicon file; ConfigError with file and line for anything wrong in it."""
        entries, known, known_line = lexicon_file.read(path)
        lexicon = cls(entries, path=path, known=known)
        for word in known:
            if (entry := lexicon.entry_for(word)) is not None:
                raise ConfigError(
                    f"{word!r} is both a known word and read by the entry {entry.name!r} (line {entry.line})",
                    path=path,
                    line=known_line,
                    fix="keep it in one place: the entry if the voice gets it wrong, else `known:`",
                )
        log.debug("lexicon %s: %d entries", path, len(lexicon))
        return lexicon

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    def entry_for(self, word: str) -> Entry | None:
        """The entry that `word` (a spelling, possessive or allowed form, as written) would be read by."""
        match = self._pattern.fullmatch(word.strip()) if self._entries else None
        found = self._resolve(match, word) if match else None
        return found[0] if found else None

    def is_known(self, word: str) -> bool:
        """Is `word` in the file's `known:` list (any capitals, either apostrophe)?"""
        return _key(word, case_sensitive=False) in self.known

    def find_all(self, text: str) -> tuple[Occurrence, ...]:
        """Every place in `text` that `apply` would rewrite, in order."""
        if not self._entries:
            return ()
        found = []
        for match in self._pattern.finditer(text):
            resolved = self._resolve(match, text)
            if resolved is not None:
                found.append(Occurrence(resolved[0], match.start(), match.end(), match.group("stem")))
        return tuple(found)

    def apply(self, text: str, *, notation: str) -> Applied:
        """Replace every match in `text` by the engine's form of its pronunciation (see module docstring)."""
        if not self._entries:
            return Applied(text, ())
        if notation not in (Notation.ESPEAK, Notation.IPA, Notation.TEXT):
            raise ValueError(f"unknown notation {notation!r}")
        used: list[str] = []

        def replace(match: re.Match[str]) -> str:
            found = self._resolve(match, text)
            if found is None:
                return match.group(0)
            entry, ending, possessive = found
            used.append(entry.name)
            if notation == Notation.TEXT:
                if entry.say is None:
                    return match.group(0)
                return entry.say + (match.group("ending") or "") + (match.group("possessive") or "")
            ipa = entry.pronunciation(ending, possessive=possessive)
            form = f"[[{_mnemonics(ipa) if notation == Notation.ESPEAK else ipa}]]"
            # eSpeak only starts phoneme input after a space: "([[" or "“[[" would be read as text.
            start = match.start()
            return form if start == 0 or text[start - 1].isspace() else " " + form

        return Applied(self._pattern.sub(replace, text), tuple(used))

    def _resolve(self, match: re.Match[str], text: str) -> tuple[Entry, str, bool] | None:
        """(entry, ending, possessive) for a match, or None: protected text, a form the entry does not
        allow, a case-sensitive name in other capitals, or an acronym inside a line of capitals."""
        stem = match.group("stem")
        if stem is None:
            return None
        entry = self._exact.get(_key(stem, case_sensitive=True)) or self._folded.get(
            _key(stem, case_sensitive=False)
        )
        if entry is None:
            return None
        ending = (match.group("ending") or "").lower()
        if ending and ending not in dict(entry.forms):
            return None
        if entry.case_sensitive and stem.isupper() and self._among_capitals(text, match.start(), match.end()):
            return None
        return entry, ending, match.group("possessive") is not None

    def _among_capitals(self, text: str, start: int, end: int) -> bool:
        """Is a match inside a run of capitals (a shouted heading), where IS is more likely the verb?
        Neighbours that are themselves case-sensitive entries (GPU, TASS) do not make such a run."""
        before = _NEIGHBOUR_BEFORE.search(text, max(0, start - 100), start)  # a window: no rescans from 0
        after = _NEIGHBOUR_AFTER.match(text, end)
        words = (m.group(1) for m in (before, after) if m is not None)
        return any(len(w) > 1 and w.isupper() and w not in self._exact for w in words)


@lru_cache(maxsize=4096)
def _mnemonics(ipa: str) -> str:
    return ipa_to_espeak(ipa)


_NEIGHBOUR_BEFORE = re.compile(r"([^\W\d_]+)[^\w\[\]]*$")
_NEIGHBOUR_AFTER = re.compile(r"[^\w\[\]]*([^\W\d_]+)")


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many words, as a trie: fast on a big lexicon, longest spelling first at every branch."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def piece(ch: str) -> str:
        if ch == "'":
            return f"[{_APOSTROPHES}]"
        return r"\s+" if ch == " " else re.escape(ch)

    def build(node: dict[str, Any]) -> str:
        branches = [piece(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word may end here: the optional group is greedy, so longer spellings are tried first.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _compile(entries: tuple[Entry, ...]) -> re.Pattern[str]:
    words = {_key(w, case_sensitive=False) for e in entries for w in e.written}
    endings = sorted({ending for e in entries for ending, _ in e.forms}, key=len, reverse=True)
    ending_group = "|".join(re.escape(e) for e in endings) or "(?!)"
    return re.compile(
        r"(?P<protected>\[\[.*?\]\])"  # phoneme input already in the text: matched, so never rewritten
        rf"|(?<!\w)(?P<stem>{_trie_pattern(words) or '(?!)'})"
        rf"(?P<ending>{ending_group})?(?P<possessive>[{_APOSTROPHES}]s)?(?!\w)",
        re.IGNORECASE | re.DOTALL,
    )
