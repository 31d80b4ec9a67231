"""The lexicon file, pronunciations.yaml: its entries read and checked, every error naming the line.

The format is documented in the comment block at the top of the file. `read(path)` gives the entries, the
`known:` words and the line `known:` stands on; `Lexicon.load` builds the matcher from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..text import yamlfile
from .phonemes import PRIMARY, ipa_to_espeak, stress_pattern

FIELDS = ("ipa", "say", "spellings", "case_sensitive", "forms")
KNOWN = "known"  # the reserved top-level key: words an English voice already says right
# Endings an entry may allow by name; said unstressed after the name, whose stress is kept.
# "": the English plural, whose sound depends on the name's last sound (s, z or ɪz).
ENDINGS: dict[str, str] = {
    "s": "", "es": "ɪz", "ist": "ɪst", "ists": "ɪsts", "ism": "ɪzəm", "isms": "ɪzəmz",
    "ite": "aɪt", "ites": "aɪts", "ian": "iən", "ians": "iənz",
}  # fmt: skip
_APOSTROPHES = "'’ʼ"
_SIBILANTS = ("s", "z", "ʃ", "ʒ", "tʃ", "dʒ")
_VOICELESS = ("p", "t", "k", "f", "θ", "x")


@dataclass(frozen=True, slots=True)
class Entry:
    """One name or term. `spellings` are the other written forms; `forms` the allowed (ending, IPA) pairs."""

    name: str
    ipa: str
    say: str | None = None
    spellings: tuple[str, ...] = ()
    case_sensitive: bool = False
    forms: tuple[tuple[str, str], ...] = ()
    line: int = 0

    @property
    def written(self) -> tuple[str, ...]:
        return (self.name, *self.spellings)

    def pronunciation(self, ending: str = "", *, possessive: bool = False) -> str:
        """The IPA for the name with an allowed ending and/or a possessive 's (KeyError if not allowed)."""
        ipa = self.ipa
        if ending:
            ipa += _ending_ipa(ipa, dict(self.forms)[ending.lower()])
        if possessive:
            ipa += _ending_ipa(ipa, "")
        return ipa


def _ending_ipa(stem_ipa: str, ending: str) -> str:
    if ending:
        return ending
    stem = stem_ipa.rstrip(" ˈˌ.ː")
    if stem.endswith(_SIBILANTS):
        return "ɪz"
    return "s" if stem.endswith(_VOICELESS) else "z"


def read(path: Path) -> tuple[list[Entry], tuple[str, ...], int]:
    """(entries, known words, the line of `known:`) from a lexicon file; ConfigError with file and line."""
    data = yamlfile.load(path)
    if data is None:
        return [], (), 1
    if not isinstance(data, yamlfile.LineDict):
        raise ConfigError(
            "a lexicon is a mapping of names to pronunciations",
            path=path,
            line=1,
            fix="write one entry per name, e.g. `Kirov: ˈkiːrəf`",
        )
    known = _known(data.get(KNOWN, []), data.lines.get(KNOWN, 1), path)
    entries = [_entry(name, value, data.lines[name], path) for name, value in data.items() if name != KNOWN]
    return entries, known, data.lines.get(KNOWN, 1)


def _known(raw: Any, line: int, path: Path) -> tuple[str, ...]:
    """The `known:` list: single words, each written once."""
    if raw is None:
        raw = []
    if isinstance(raw, str):
        raw = raw.split()
    fix = "write `known: [Moscow, Kremlin]`: single words an English voice already says right"
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise ConfigError("known must be a list of words", path=path, line=line, fix=fix)
    words = [w.strip() for w in raw]
    for word in words:
        if len(word.split()) != 1:
            raise ConfigError(f"known: {word!r} is not one word", path=path, line=line, fix=fix)
    return tuple(dict.fromkeys(words))


def _entry(name: Any, value: Any, line: int, path: Path) -> Entry:
    """Check one entry of the file and build it; every error names the line of the offending key."""

    def fail(message: str, at: int, fix: str) -> ConfigError:
        return ConfigError(f"{name}: {message}", path=path, line=at, fix=fix)

    if not isinstance(name, str) or not name.strip():
        raise ConfigError("an entry's name must be text", path=path, line=line, fix="quote the name")
    if isinstance(value, str) or value is None:  # the short form, `Pravda: ˈprɑːvdə`
        value = yamlfile.LineDict(ipa=value)
        value.lines["ipa"] = line
    if not isinstance(value, yamlfile.LineDict):
        raise fail("expected an IPA string or a mapping of fields", line, f"fields are: {', '.join(FIELDS)}")
    at = value.lines
    for field in value:
        if field not in FIELDS:
            raise fail(f"unknown field {field!r}", at[field], f"fields are: {', '.join(FIELDS)}")

    ipa = value.get("ipa")
    if not isinstance(ipa, str) or not ipa.strip():
        raise fail(
            "no pronunciation (ipa) given",
            at.get("ipa", line),
            "add e.g. `ipa: ˈkiːrəf`, stress mark ˈ included",
        )
    ipa = " ".join(ipa.split())
    try:
        ipa_to_espeak(ipa)
        patterns = stress_pattern(ipa)
    except ValueError as exc:
        raise fail(str(exc), at["ipa"], "use IPA symbols for English sounds") from None
    if len(patterns) != len(ipa.split()):
        raise fail(f"a word of {ipa!r} has no vowel", at["ipa"], "join it to its neighbour, or add the vowel")
    for word, pattern in zip(ipa.split(), patterns, strict=True):
        if pattern.count("1") != 1:
            raise fail(
                f"{word!r} needs exactly one primary stress mark ˈ (it has {pattern.count('1')})",
                at["ipa"],
                f"put {PRIMARY} before the stressed syllable",
            )

    say = value.get("say")
    if say is not None and (not isinstance(say, str) or not say.strip()):
        raise fail("say must be a non-empty respelling", at["say"], "write e.g. `say: KEE-rof`, or remove it")

    spellings = value.get("spellings", [])
    if isinstance(spellings, str):
        spellings = [spellings]
    if not isinstance(spellings, list) or not all(isinstance(s, str) and s.strip() for s in spellings):
        raise fail(
            "spellings must be a list of words", at.get("spellings", line), "write `spellings: [Kiroff]`"
        )

    case_sensitive = value.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise fail(
            "case_sensitive must be true or false", at["case_sensitive"], "write `case_sensitive: true`"
        )

    forms = _forms(value.get("forms", []), fail, at.get("forms", line))
    return Entry(
        name=name.strip(),
        ipa=ipa,
        say=say.strip() if say else None,
        spellings=tuple(dict.fromkeys(s.strip() for s in spellings if s.strip() != name.strip())),
        case_sensitive=case_sensitive,
        forms=forms,
        line=line,
    )


def _forms(raw: Any, fail, line: int) -> tuple[tuple[str, str], ...]:
    fix = f"list known endings ({', '.join(ENDINGS)}) or map an ending to its IPA: {{ovtsy: ɔːftsi}}"
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list):
        unknown = [f for f in raw if not isinstance(f, str) or f.lower() not in ENDINGS]
        if unknown:
            raise fail(f"unknown ending {unknown[0]!r} in forms", line, fix)
        pairs = [(f.lower(), ENDINGS[f.lower()]) for f in raw]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
        for ending, ipa in pairs:
            if not isinstance(ending, str) or not ending.isalpha() or not isinstance(ipa, str):
                raise fail(f"forms: {ending!r} must be an ending in letters mapped to IPA", line, fix)
            if PRIMARY in ipa:
                raise fail(f"forms: the ending {ending!r} is said unstressed", line, f"remove {PRIMARY}")
            try:
                ipa_to_espeak(ipa)
            except ValueError as exc:
                raise fail(f"forms: {exc}", line, "use IPA symbols for English sounds") from None
    else:
        raise fail("forms must be a list of endings or a mapping", line, fix)
    return tuple((ending.lower(), ipa) for ending, ipa in pairs)
