"""Drafted pronunciations: for the names a book says that its lexicon lacks, an entry in the lexicon's format.

In: groups of spellings of one name (as `lexicon check` finds them: Rostov, Rostovs, Rostova) and a
phonemizer for Russian (eSpeak NG's Russian voice, handed in by the caller: the voice stage comes after this
one). Out: `Draft`s, each an `Entry` (ipa, say, spellings, forms) with where its pronunciation came from and
how sure it is, or a name left to the voice because it is not Russian.

How: `transliteration` turns the English spelling back into Russian candidates and lets pymorphy3's
dictionary choose (the dictionary also restores ё: Semenov -> Семёнов); eSpeak NG's Russian voice gives the
stress of the chosen word (its dictionary and rules put it on the right vowel for 95% of a test set of
names, against 78% for gruut-lang-ru's lexicon); `ipa` voices it with English phonemes by the lexicon's rules.
Names whose spelling is French or German (Bourienne, Bennigsen) get no Russian stress: they are left to the
voice. A name that nothing places still gets the cheapest reading, marked low-confidence: never an error.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..lexicon import ENDINGS, Entry
from ..phonemes import ipa_to_espeak, stress_pattern
from . import ipa as ipa_rules
from . import transliteration
from .ipa import mark, respell, to_ipa, vowel_count
from .transliteration import Candidate, candidates

# Cyrillic words -> what eSpeak NG's Russian voice says for each, as IPA with its stress mark, in order.
Phonemizer = Callable[[Sequence[str]], Sequence[str]]

DRAFT_VERSION = "1"  # with the sources of this package and the dictionary's version: the drafts' cache key

# Spellings no Russian name has in English translations: French and German names keep their own stress.
_FOREIGN = (
    (
        re.compile(
            r"(ierre|ière|ienne|eau|eaux|aux|ault|ois|oise|ette|elle|esse|lles|ique|yte|iche|ouis|ise|ieu|out|ene|ole|eon|ie)$"
        ),
        "French",
    ),
    (re.compile(r"[éèêàâôûçœ]|'|^(de|du|la|le|les)$"), "French"),
    (re.compile(r"(ier|iers|ard|mart|aud|oux|ourt|ont|ine|aine|ène)$"), "French"),
    (re.compile(r"[^aeiouy]e$"), "French or German"),
    (
        re.compile(r"(sen|mann|burg|berg|stein|dorf|hausen|heim|ode|witz|rode|feld|feldt|gen|ern|au|er)$"),
        "German",
    ),
    (re.compile(r"sch(?!ch)|pf|ue|ey[aeiou]|th|ck|w|q|c(?![hk])|ph|oe(?!$)|tz|[üöä]"), "not Russian"),
)
# Russian endings that make a name Russian even when the dictionary lacks it (a rule, not a guess).
_RUSSIAN = re.compile(
    r"(ov|ev|ova|eva|ovs|evs|in|ina|yn|yna|sky|ski|skii|skiy|skaya|tskaya|ich|itch|ych|vich|vitch|ovna|evna|"
    r"ichna|inichna|enko|uk|yuk|ka|sha|ya|ia|yev|iev|yov|off|eff|oy|ino|ovo|evo|oe|sk)$"
)


@dataclass(frozen=True, slots=True)
class Draft:
    """A proposed entry (or, with `ipa` None, a name left to the voice), and where it came from."""

    name: str
    ipa: str | None
    say: str | None = None
    spellings: tuple[str, ...] = ()
    forms: tuple[tuple[str, str], ...] = ()
    source: str = ""  # "dictionary" (pymorphy3 knows the word), "rule" (a Russian ending), "guess", "voice"
    confidence: str = "low"  # high, medium or low
    russian: str = ""  # the Russian word with its stress marked, as drafted
    note: str = ""  # one line for the comment: what the dictionary said, or why it was left to the voice

    def entry(self) -> Entry | None:
        if self.ipa is None:
            return None
        return Entry(self.name, self.ipa, say=self.say, spellings=self.spellings, forms=self.forms)

    def to_json(self) -> dict:
        return {
            "name": self.name, "ipa": self.ipa, "say": self.say, "spellings": list(self.spellings),
            "forms": [list(f) for f in self.forms], "source": self.source, "confidence": self.confidence,
            "russian": self.russian, "note": self.note,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> Draft:
        return cls(
            name=data["name"],
            ipa=data["ipa"],
            say=data["say"],
            spellings=tuple(data["spellings"]),
            forms=tuple((a, b) for a, b in data["forms"]),
            source=data["source"],
            confidence=data["confidence"],
            russian=data["russian"],
            note=data["note"],
        )


def data_version() -> str:
    """What the drafts depend on besides the names: these rules and the dictionary's version (cache keys)."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(here.glob("*.py")):
        digest.update(path.read_bytes())
    versions = []
    for package in ("pymorphy3", "pymorphy3-dicts-ru", "espeakng-loader"):
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=?")
    return f"draft{DRAFT_VERSION}:{digest.hexdigest()}:{','.join(versions)}"


def foreign(spelling: str, *, best: Candidate | None = None) -> str | None:
    """Why `spelling` is not a Russian name's (its language or letters), or None if it may be one."""
    word = spelling.lower().replace("’", "'")
    if len(transliteration.fold(word)) < 3:
        return "too short to place"
    if _RUSSIAN.search(word) and not re.search(r"[éèêàâôûç']|ck|th|w|q|ph", word):
        return None
    for pattern, language in _FOREIGN:
        match = pattern.search(word)
        if match and language == "German" and best is not None and best.name and best.tag == "Geox":
            continue  # Yekaterinburg, Orenburg: Russian places with a German ending
        if match:
            return (
                f"{language}-looking {match.group(0)!r}"
                if language != "not Russian"
                else (f"{match.group(0)!r} is not in Russian transliteration")
            )
    return None


@dataclass
class _Word:
    spelling: str
    best: Candidate
    stressed: int = 0
    ipa: str = ""
    say: str = ""
    how: str = ""


@dataclass
class _Group:
    spellings: tuple[str, ...]
    plurals: dict[str, str] = field(default_factory=dict)  # plural spelling -> its singular
    words: list[_Word] = field(default_factory=list)
    left: str | None = None


def _stress_from(espeak_ipa: str, word: str) -> int:
    """The stressed vowel of `word` by eSpeak NG's Russian IPA; ё always; else the first vowel."""
    count = vowel_count(word)
    if "ё" in word.lower():
        return next(i for i, ch in enumerate(c for c in word.lower() if c in ipa_rules.VOWELS) if ch == "ё")
    nuclei, stressed, pending = 0, None, False
    for ch in espeak_ipa:
        if ch == "ˈ":
            pending = True
        elif ch in "aɑʌəeiɨouɵɛɪʊæɐy":
            if pending:
                stressed, pending = nuclei, False
            nuclei += 1
    if stressed is None or nuclei != count:
        return 0 if stressed is None or stressed >= count else stressed
    return stressed


def _plurals(spellings: tuple[str, ...]) -> dict[str, str]:
    """English plurals in a group (Rostovs, Miloradoviches) -> the singular the group also has."""
    lowered = {s.lower(): s for s in spellings}
    found = {}
    for s in spellings:
        for ending in ("es", "s"):
            base = s[: -len(ending)]
            if s.lower().endswith(ending) and base.lower() in lowered:
                found[s] = lowered[base.lower()]
                break
    return found


def draft(groups: Iterable[Sequence[str]], *, russian: Phonemizer) -> tuple[Draft, ...]:
    """A draft for each group of spellings of one name (most used first), in the groups' order."""
    prepared: list[_Group] = []
    pending: list[_Word] = []
    for spellings in groups:
        group = _Group(tuple(dict.fromkeys(s.strip() for s in spellings if s.strip())))
        if not group.spellings:
            continue
        group.plurals = _plurals(group.spellings)
        first = group.spellings[0]
        group.left = foreign(first, best=next(iter(candidates(first)), None) if foreign(first) else None)
        if group.left is None:
            for spelling in group.spellings:
                if spelling in group.plurals:
                    continue
                found = candidates(spelling)
                if foreign(spelling, best=found[0] if found else None) is not None:
                    continue
                if not found or vowel_count(found[0].word) == 0:
                    continue
                word = _Word(spelling, found[0])
                group.words.append(word)
                pending.append(word)
        prepared.append(group)
    said = list(russian([w.best.word for w in pending])) if pending else []
    for word, espeak_ipa in zip(pending, said, strict=True):
        word.stressed = _stress_from(espeak_ipa, word.best.word)
    for group in prepared:
        _feminines(group)
    for word in pending:
        word.ipa = to_ipa(word.best.word, word.stressed)
        word.say = respell(word.best.word, word.stressed)
    out: list[Draft] = []
    claimed: set[str] = set()
    for group in prepared:
        out.extend(_drafts_of(group, claimed))
    return tuple(out)


_MASCULINE = re.compile(r"(ov|ev|yov|in|yn)$")


def _feminines(group: _Group) -> None:
    """A feminine surname beside its masculine in one group (Rostova, Rostov) is the masculine's Russian word
    plus -а, stressed where the masculine is: До́лохов, До́лохова. An end-stressed -ин moves the stress to the
    ending (Ильи́н, Ильина́)."""
    by_spelling = {w.spelling.lower(): w for w in group.words}
    for word in group.words:
        stem = by_spelling.get(word.spelling.lower()[:-1]) if word.spelling.lower().endswith("a") else None
        if (
            stem is None
            or not _MASCULINE.search(stem.spelling.lower())
            or not stem.best.word.endswith(("в", "н"))
        ):
            continue
        russian = stem.best.word + "а"
        last = vowel_count(stem.best.word) - 1
        stressed = stem.stressed
        if stem.best.word.endswith(("ин", "ын")) and stem.stressed == last:
            stressed = last + 1
        word.best = Candidate(russian, stem.best.cost, stem.best.known, stem.best.name, stem.best.tag)
        word.stressed = stressed
        word.how = "feminine"


def _how(word: _Word) -> tuple[str, str, str]:
    """(source, confidence, note) for a drafted word."""
    best = word.best
    marked = mark(best.word.capitalize(), word.stressed)
    kinds = {"Surn": "surname", "Name": "first name", "Patr": "patronymic", "Geox": "place"}
    if best.name:
        return (
            "dictionary",
            "high",
            f"{marked}: {kinds[best.tag]} in pymorphy3's dictionary; stress by eSpeak NG ru",
        )
    if best.known:
        return "dictionary", "medium", f"{marked}: a word in pymorphy3's dictionary; stress by eSpeak NG ru"
    if _RUSSIAN.search(word.spelling.lower()):
        return (
            "rule",
            "medium",
            f"{marked}: not in the dictionary; Russian ending, stress by eSpeak NG ru's rules",
        )
    return "guess", "low", f"{marked}: nothing places it; a best guess, stress by eSpeak NG ru's rules"


def _drafts_of(group: _Group, claimed: set[str]) -> list[Draft]:
    if group.left is not None:
        return [Draft(group.spellings[0], None, source="voice", note=f"left to the voice: {group.left}")]
    entries: list[dict] = []  # by IPA: one entry per pronunciation
    for word in group.words:
        same = next((e for e in entries if e["ipa"] == word.ipa), None)
        if same is not None:
            same["spellings"].append(word.spelling)
            continue
        stem = next(
            (
                e
                for e in entries
                if word.spelling.lower().startswith(e["name"].lower())
                and word.ipa.startswith(e["ipa"])
                and "ˈ" not in word.ipa[len(e["ipa"]) :]
                and word.spelling[len(e["name"]) :].isalpha()
            ),
            None,
        )
        if stem is not None:
            ending = word.spelling[len(stem["name"]) :].lower()
            stem["forms"][ending] = word.ipa[len(stem["ipa"]) :]
            continue
        entries.append({"name": word.spelling, "ipa": word.ipa, "word": word, "spellings": [], "forms": {}})
    for plural, singular in group.plurals.items():
        owner = next((e for e in entries if singular in (e["name"], *e["spellings"])), None)
        if owner is not None:
            owner["forms"].setdefault(plural[len(singular) :].lower(), "")
    drafts = []
    for e in entries:
        written = [e["name"], *e["spellings"]]
        if any(w.lower() in claimed for w in written):
            continue
        claimed.update(w.lower() for w in written)
        source, confidence, note = _how(e["word"])
        forms = tuple(
            (ending, ENDINGS[ending] if not tail and ending in ENDINGS else tail)
            for ending, tail in e["forms"].items()
            if tail or ending in ENDINGS
        )
        drafts.append(
            Draft(
                name=e["name"],
                ipa=e["ipa"],
                say=e["word"].say,
                spellings=tuple(e["spellings"]),
                forms=forms,
                source=source,
                confidence=confidence,
                russian=mark(e["word"].best.word.capitalize(), e["word"].stressed),
                note=note,
            )
        )
    return drafts


def check_ipa(ipa: str) -> bool:
    """Does `ipa` pass the lexicon's own checks (English phonemes, one primary stress per word)?"""
    try:
        ipa_to_espeak(ipa)
        return all(p.count("1") == 1 for p in stress_pattern(ipa))
    except ValueError:
        return False


# -- YAML ------------------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[^\s:#'\"\[\]{},&*!|>%@`-][^:#\[\]{},]*$")


def _scalar(text: str) -> str:
    return text if _PLAIN.match(text) and text.strip() == text else json.dumps(text, ensure_ascii=False)


def render(drafts: Sequence[Draft], *, book: str) -> str:
    """The drafts as a lexicon file: entries with a comment each, then the names left to the voice."""
    lines = [
        f"# Drafted pronunciations for {book}, by `audiobook lexicon draft`: review before trusting them.",
        "# Each entry's comment says where its pronunciation came from (a dictionary word, a rule, a fallback",
        "# guess) and how sure the draft is. Hear one: audiobook say NAME --lexicon THIS-FILE",
        "# Move the entries you keep to pronunciations.yaml; it always wins over a draft.",
        "",
    ]
    left = [d for d in drafts if d.ipa is None]
    for d in drafts:
        if d.ipa is None:
            continue
        lines.append(f"{_scalar(d.name)}:  # {d.note}; {d.source}, confidence {d.confidence}")
        lines.append(f"  ipa: {_scalar(d.ipa)}")
        if d.say:
            lines.append(f"  say: {_scalar(d.say)}")
        if d.spellings:
            lines.append(f"  spellings: [{', '.join(_scalar(s) for s in d.spellings)}]")
        if d.forms:
            if all(ENDINGS.get(ending) == tail for ending, tail in d.forms):
                lines.append(f"  forms: [{', '.join(_scalar(e) for e, _ in d.forms)}]")
            else:
                pairs = ", ".join(
                    f"{_scalar(e)}: {_scalar(t) if t else _scalar(ENDINGS.get(e, ''))}" for e, t in d.forms
                )
                lines.append(f"  forms: {{{pairs}}}")
        lines.append("")
    if left:
        lines.append(
            f"# Left to the voice ({len(left)}): not Russian by their spelling, so no Russian stress."
        )
        lines.extend(f"#   {d.name}: {d.note.removeprefix('left to the voice: ')}" for d in left)
    return "\n".join(lines).rstrip() + "\n"
