"""The names a book says that its pronunciation lexicon lacks (`lexicon check`; and what the build drafts).

`check(book, lexicon)` reads what the narrator will say (spoken titles and sentences, after normalisation)
and lists the words that look like names and that neither an entry nor the file's `known:` list covers,
grouped with their likely spelling variants and every place they occur.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..model import Book, Where
from . import normalise
from .english import english_words
from .lexicon import ENDINGS, Lexicon
from .narration import Voice
from .said import Said

log = logging.getLogger(__name__)

# English words come from pyspellchecker's list (speech.english, which the editor's lint uses too): it knows inflections (workers,
# reinstated) and settled names (Moscow, Leningrad, Kremlin, David). eSpeak NG's dictionary is no word list:
# it reads every word by its rules, so "eSpeak has a rule for it" says nothing about a name being right.

# Endings that mark a Russian (or Soviet Georgian, Ukrainian) surname even when the word list knows the word:
# frequency lists carry kirov, trotsky, bukharin, which an English voice still says wrong.
RUSSIAN_ENDINGS = (
    "ov", "ev", "iev", "yev", "yov", "off", "eff", "ieff", "sky", "ski", "skii", "skiy", "skaya", "tskaya",
    "enko", "vich", "ovich", "evich", "itch", "ovna", "evna", "shvili", "idze", "adze",
)  # fmt: skip
# Endings that are Russian too but common in English words (Berlin, Geneva): they only name the reason for a
# capitalised word that is not English anyway.
WEAK_ENDINGS = ("in", "ina", "yn", "ova", "eva", "aya", "ich", "ko")
# A word with a Russian ending is still English when it is this common (whisky, risky, Latin): counts in the
# word list run from 50 (in a dictionary, never seen in its corpus) to millions.
COMMON = 1000

_LONGEST_FIRST = tuple(sorted(ENDINGS, key=len, reverse=True))
_TOKEN = re.compile(r"\[\[.*?\]\]|[^\W\d_]+(?:['’][^\W\d_]+)*", re.DOTALL)
_POSSESSIVE = re.compile(r"['’]s\Z", re.IGNORECASE)
_SENTENCE_MARK = re.compile(r"[.!?:]")


def english_count(word: str, words: Mapping[str, int] | None = None) -> tuple[int | None, str]:
    """(corpus count, the word found) for `word` or its stem before an English ending (Bonapartist ->
    bonaparte); (None, word) when it is not an English word."""
    words = english_words() if words is None else words
    word = word.lower().replace("’", "'")
    if word in words:
        return words[word], word
    for ending in _LONGEST_FIRST:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3:
            for candidate in (stem, stem + "e"):
                if candidate in words:
                    return words[candidate], candidate
    return None, word


def _ending(word: str, endings: tuple[str, ...]) -> str | None:
    word = word.lower()
    return next((e for e in endings if word.endswith(e) and len(word) - len(e) >= 2), None)


def skeleton(word: str) -> str:
    """A spelling reduced to what transliterations agree on: Nicolaiev, Nikolayev and Nikolaev -> nikolav."""
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(ch for ch in text if ch.isalpha())
    for old, new in (("ck", "k"), ("ph", "f"), ("c", "k"), ("kh", "h"), ("w", "v"), ("y", "i"), ("x", "ks")):
        text = text.replace(old, new)
    text = re.sub(r"ff\Z", "v", text)
    text = re.sub(r"(.)\1+", r"\1", text)
    return re.sub(r"([aeiou])[aeiou]+", r"\1", text)


def distance(a: str, b: str) -> int:
    """Edits between two spellings, a swap of neighbours counted as one (Trostky -> Trotsky is 1)."""
    previous2, previous = [], list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


_INFLECTION = re.compile(r"(?:a|e|i|s|as|es|is)\Z")  # Rostova, Rostovs, Bolkonskaya (skeleton bolkonska)


def alike(a: str, b: str) -> bool:
    """Two spellings of one name? The same skeleton (a transliteration), the same stem before an inflection
    (Rostov, Rostova, Rostovs), or a misprint: two neighbours swapped, or on long names one letter more or
    less. A changed letter is not enough: Kuragin and Karagin are two families."""
    sa, sb = skeleton(a), skeleton(b)
    if sa == sb:
        return len(sa) >= 3  # Dieu and Dio both reduce to "di": too little left to compare
    stem_a, stem_b = _INFLECTION.sub("", sa), _INFLECTION.sub("", sb)
    if stem_a == stem_b and len(stem_a) >= 4:
        return True
    if distance(sa, sb) != 1 or min(len(sa), len(sb)) < 5:
        return False
    if len(sa) == len(sb):  # one substitution or one swap: only the swap is a misprint of the same name
        return sorted(sa) == sorted(sb)
    return min(len(sa), len(sb)) >= 8


# -- the check --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """One occurrence: the word as written there, and the line it is on."""

    word: str
    where: Where


@dataclass(frozen=True, slots=True)
class NameGroup:
    """A name the lexicon does not cover, in every spelling the book uses (most used first)."""

    spellings: tuple[str, ...]
    places: tuple[Place, ...]  # in book order
    reason: str
    resembles: str | None = None  # an entry it may be a variant of: add the spelling there

    @property
    def name(self) -> str:
        return self.spellings[0]

    @property
    def wheres(self) -> tuple[Where, ...]:
        return tuple(dict.fromkeys(p.where for p in self.places))


@dataclass(frozen=True, slots=True)
class Variants:
    """An entry the book writes in more than one way: a transliteration, or a misprint to correct."""

    entry: str
    spellings: tuple[tuple[str, int], ...]  # (spelling, times), most used first
    places: tuple[Place, ...]  # where the spellings other than the most used one are


@dataclass(frozen=True, slots=True)
class CheckReport:
    groups: tuple[NameGroup, ...]
    variants: tuple[Variants, ...]
    checked: int  # distinct capitalised or Russian-looking words looked at
    lexicon: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.groups

    def render(self) -> str:
        file = self.lexicon.name if self.lexicon else "pronunciations.yaml"
        lines: list[str] = []
        if self.ok:
            lines.append(f"No names missing: {self.checked} capitalised or Russian-looking words checked.")
        else:
            lines.append(f"{len(self.groups)} name{'s' * (len(self.groups) != 1)} not in {file}:")
        for group in self.groups:
            also = f", also written {', '.join(group.spellings[1:])}" if len(group.spellings) > 1 else ""
            lines.append(f"  {group.name}{also} ({group.reason}; {_times(len(group.places))})")
            if group.resembles:
                lines.append(
                    f"    looks like {group.resembles}: add it to that entry's spellings if it is the same"
                )
            lines.extend(f"    {where}" for where in _by_line(group.places))
        if not self.ok:
            lines.append(
                f"Add each to {file} with its IPA, or to its `known:` list if the voice already says it right."
            )
        if self.variants:
            lines.append("Notes: names in the lexicon written more than one way (check for misprints):")
        for note in self.variants:
            ways = ", ".join(f"{word} {_times(times)}" for word, times in note.spellings)
            lines.append(f"  {note.entry}: {ways}")
            lines.extend(f"    {where}" for where in _by_line(note.places))
        return "\n".join(lines)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _by_line(places: tuple[Place, ...]) -> list[str]:
    """One row per spelling and file: "Nicolaiev  script/book.txt:24, 46, 50"."""
    lines: dict[tuple[str, Path], list[int]] = defaultdict(list)
    for place in places:
        at = lines[(place.word, place.where.path)]
        if place.where.line not in at:
            at.append(place.where.line)
    return [f"{word}  {path}:{', '.join(map(str, at))}" for (word, path), at in lines.items()]


@dataclass(frozen=True, slots=True)
class _Said:
    text: str
    where: Where
    heading: bool  # a spoken title: every word may be capitalised


def _said(book: Book, said: Said) -> Iterator[_Said]:
    """What the narrator says, piece by piece, as `narration` builds it (before the lexicon)."""
    voice = Voice.of(book)  # the same arguments as narration's, so each paragraph is normalised once
    for chapter in book.chapters:
        if chapter.speak_title:
            yield _Said(said.heading(chapter, voice), chapter.where, True)
        for paragraph in chapter.paragraphs:
            for sentence in said.sentences(chapter, paragraph.text, voice):
                yield _Said(sentence.spoken, paragraph.where, False)


@dataclass(frozen=True, slots=True)
class _Seen:
    order: int  # the n-th word looked at: book order
    word: str  # as written, possessive removed
    where: Where
    initial: bool  # capitalised by its place (a sentence's or a title's first word), not by being a name


def _lowercase_suspect(key: str, lexicon: Lexicon, words: Mapping[str, int] | None) -> str | None:
    """Why a word written in lower case may still be a name: a strong Russian ending and no English word.
    (The weak endings would catch French and German words in lower case: prochain, demain.)"""
    # The ending first: most words have none, and then need no word list.
    ending = _ending(key, RUSSIAN_ENDINGS) if key.endswith(RUSSIAN_ENDINGS) else None
    if not ending or len(key) < 2 or lexicon.is_known(key) or english_count(key, words)[0] is not None:
        return None
    return f"Russian-looking ending -{ending}"


def _classify(
    key: str, seen: list[_Seen], lowercase: set[str], lexicon: Lexicon, words: Mapping[str, int] | None
) -> str | None:
    """Why the word `key` (lower-case) looks like a name the lexicon should have; None if it does not."""
    capitalised = [s for s in seen if s.word[0].isupper()]
    if not capitalised:
        return _lowercase_suspect(key, lexicon, words)
    if len(key) < 2 or lexicon.is_known(key):
        return None
    count, found = english_count(key, words)
    strong = _ending(key, RUSSIAN_ENDINGS) or _ending(found, RUSSIAN_ENDINGS)
    if strong and (count is None or count < COMMON):
        return f"Russian-looking ending -{strong}"
    if count is not None:
        return None
    # Capitalised only where every word is, and written in lower case elsewhere: an ordinary word the list
    # lacks (an archaic spelling, a coinage), not a name.
    if all(s.initial for s in capitalised) and key in lowercase:
        return None
    if all(s.word.isupper() for s in capitalised) and normalise.roman_value(key.upper()) is not None:
        return None  # Louis XV: a numeral, said by the speech stage's rules, not a name
    weak = _ending(key, WEAK_ENDINGS)
    return f"Russian-looking ending -{weak}" if weak else "not an English word"


def _starts_sentence(previous: re.Match[str] | None, gap: str) -> bool:
    """Is a word capitalised by its place: first in the text, or after a full stop, ! ? or colon that is
    not the dot of an initial ("A. Lehrer" is one name, not a sentence ending in A)?"""
    if previous is None:
        return True
    mark = _SENTENCE_MARK.search(gap)
    return mark is not None and not (
        gap[mark.start()] == "." and len(previous[0]) == 1 and previous[0].isupper()
    )


def check(
    book: Book, lexicon: Lexicon, *, words: Mapping[str, int] | None = None, said: Said | None = None
) -> CheckReport:
    """The words the narrator will say that look like names and that the lexicon does not cover; `words`
    answers for the English word list (`english.RememberedWords` to ask it through a memo), `said` for
    what the paragraphs say (`said.Said`, remembered between builds)."""
    seen: dict[str, list[_Seen]] = defaultdict(list)  # every capitalised word, and suspect lower-case ones
    lowercase: set[str] = set()
    suspect = functools.cache(lambda key: _lowercase_suspect(key, lexicon, words) is not None)
    covered: dict[str, list[Place]] = defaultdict(list)  # entry name -> where each spelling is used
    counter = itertools.count()
    for piece in _said(book, said or Said()):
        text = piece.text
        occurrences = lexicon.find_all(text)
        for occurrence in occurrences:
            covered[occurrence.entry.name].append(Place(occurrence.stem, piece.where))
        spans = [(o.start, o.end) for o in occurrences]
        previous: re.Match[str] | None = None
        for match in _TOKEN.finditer(text):
            before, previous = previous, match
            word = match[0]
            if "'" in word or "’" in word:
                word = _POSSESSIVE.sub("", word)
            if word.startswith("[[") or (spans and any(s <= match.start() < e for s, e in spans)):
                continue
            key = word.lower().replace("’", "'")
            if word.islower():
                lowercase.add(key)
                if suspect(key):
                    seen[key].append(_Seen(next(counter), word, piece.where, False))
                continue
            # Only a capitalised word needs to know whether its place capitalises it.
            initial = piece.heading or _starts_sentence(
                before, text[before.end() if before else 0 : match.start()]
            )
            seen[key].append(_Seen(next(counter), word, piece.where, initial))
    reasons = {
        key: why for key, places in seen.items() if (why := _classify(key, places, lowercase, lexicon, words))
    }
    return CheckReport(
        groups=_group(reasons, seen, lexicon),
        variants=_variants(covered),
        checked=len(seen) + len(covered),
        lexicon=lexicon.path,
    )


def _neighbourhood(word: str) -> set[str]:
    """Index keys two alike() spellings always share: the skeleton with one letter left out (any one edit,
    a swap included, leaves two skeletons with a common such form), and the stem before an inflection."""
    sk = skeleton(word)
    return {sk, "stem:" + _INFLECTION.sub("", sk), *(sk[:i] + sk[i + 1 :] for i in range(len(sk)))}


def _similar(words: list[str]) -> Iterator[tuple[str, str]]:
    """The pairs of `words` that are alike(), found through a shared neighbourhood key, not all pairs."""
    index: dict[str, list[str]] = defaultdict(list)
    for word in words:
        for key in _neighbourhood(word):
            index[key].append(word)
    pairs = {tuple(sorted((a, b))) for bucket in index.values() for a in bucket for b in bucket if a < b}
    yield from ((a, b) for a, b in sorted(pairs) if alike(a, b))


def _group(reasons: dict[str, str], seen: dict[str, list[_Seen]], lexicon: Lexicon) -> tuple[NameGroup, ...]:
    """Join likely variants into one group each (union-find), ordered by where each group first occurs."""
    parent = {k: k for k in reasons}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in _similar(list(reasons)):
        parent[root(a)] = root(b)
    members: dict[str, list[str]] = defaultdict(list)
    for k in reasons:
        members[root(k)].append(k)
    # An uncovered name that is alike() a single-word spelling of an entry may be a variant of that entry.
    entry_of = {fold(w): e.name for e in lexicon.entries for w in e.written if len(w.split()) == 1}
    resembles: dict[str, str] = {}
    for a, b in _similar([*reasons, *(w for w in entry_of if w not in reasons)]):
        for name, spelling in ((a, b), (b, a)):
            if name in reasons and spelling in entry_of:
                resembles.setdefault(name, entry_of[spelling])
    groups: list[tuple[int, NameGroup]] = []  # with the place of each group's first occurrence
    for keys in members.values():
        places = sorted((s for k in keys for s in seen[k]), key=lambda s: s.order)
        spellings = Counter(s.word.lower() for s in places)
        written = {}  # each spelling in its most used capitals
        for word, _ in Counter(s.word for s in places).most_common():
            written.setdefault(word.lower(), word)
        ranked = sorted(written, key=lambda w: -spellings[w])  # stable: ties keep the order of most used
        why = sorted((reasons[k] for k in keys), key=lambda r: not r.startswith("Russian"))
        group = NameGroup(
            spellings=tuple(written[w] for w in ranked),
            places=tuple(Place(s.word, s.where) for s in places),
            reason=why[0],
            resembles=next((resembles[k] for k in ranked if k in resembles), None),
        )
        groups.append((places[0].order, group))
    return tuple(group for _, group in sorted(groups, key=lambda pair: pair[0]))


def _variants(covered: dict[str, list[Place]]) -> tuple[Variants, ...]:
    notes = []
    for entry, places in covered.items():
        counts = Counter(fold(p.word) for p in places)
        if len(counts) < 2:
            continue
        shown = {key: next(p.word for p in places if fold(p.word) == key) for key in counts}
        ranked = counts.most_common()
        main = ranked[0][0]
        notes.append(
            Variants(
                entry=entry,
                spellings=tuple((shown[key], n) for key, n in ranked),
                places=tuple(p for p in places if fold(p.word) != main),
            )
        )
    return tuple(notes)


def fold(word: str) -> str:
    """`word` as spellings are compared: single spaces, lower case, straight apostrophes."""
    return " ".join(word.split()).lower().replace("’", "'")
