"""Which language each part of a sentence is in, so a French or Latin passage is read by a voice for it.

A sentence is cut into its quoted clauses and the narration between them; each part is a candidate on its
own ("Cependant, mon cher," he remarked, ... is a French clause, then English). A part is given to the
language identifier only when it could be in another language at all: it has at least two words besides
names, none of the English function words ("the", "and", "you", "I"...), and a sign of one of the languages
looked for (one of their own function words, an elision such as "l'" or "qu'", an accented letter). Most
English never gets that far, so the model is not even loaded for a book without foreign passages.

The identifier is py3langid (langid.py's model, shipped inside the wheel; nothing is downloaded), restricted
to the book's language and the languages asked for. Chosen on War and Peace (see the README): with these
rules and a threshold of 0.6 it missed 17 of 122 French, German, Latin and Italian sentences and clauses
(mostly one- and two-word exclamations such as "Voyons!") and flagged none of 29,812 English sentences and
quoted clauses as foreign that were not (two mixed clauses aside); lingua-language-detector, in the same
set-up, missed 41 of 122.

A word or two of French inside an English sentence ("the beaux yeux", "mon cher" alone) stays English.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LANGUAGES = ("fr", "de", "la", "it", "es")
THRESHOLD = 0.6  # the identifier's normalised probability for the foreign language, at least

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# English words that are in none of the languages we look for: one of them and the part is English.
_ENGLISH = frozenset(
    "the and of to is were he she his her him you your it its that this with for not but have has had been "
    "are they them their we our what which who whom would could should said my at by from or if be do does "
    "did can shall there then than when where how why yes no oh an well put out up into asked replied cried went "
    "came added continued remarked answered".split()
)
# The languages' own function words and forms of address: a part with none of them (and no elision or accent)
# is not worth asking the model about.
CUES: dict[str, frozenset[str]] = {
    "fr": frozenset(
        "le la les de du des un une et est je vous il elle nous ils ne pas que qui au aux mon ma mes ton ta "
        "tes son sa ses sont suis etes êtes sommes avez avons mais ou où donc ce cette ces tout tous tres très "
        "bien dans sur avec pour par plus moi toi lui leur y en voila voilà sans ni oui non merci monsieur "
        "madame mademoiselle messieurs mesdames cher chere chère dieu".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ich ein eine zu mit den dem des sie wir ihr er es auf aus bei nach von "
        "wie schon zum diese gut ja nein herr hoch sein mein dein".split()
    ),
    "la": frozenset("est et ad cum sic quod qui quae quos ex ab per sed ut atque nec esse sunt".split()),
    "it": frozenset("il lo gli di che e non un una mio mia tu io sono per con del della viva re".split()),
    "es": frozenset("el los las de que y no es un una por con del al su se lo mi muy".split()),
}
_ELISION = re.compile(r"(?:[cdjlmnst]|qu)['’][^\W\d_]", re.IGNORECASE)
_ACCENT = re.compile(r"[àâçéèêëîïôûùüÿœæäößñ]", re.IGNORECASE)
_QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"|«[^«»]*»|„[^„“”]*[“”]")
# Where a clause ends inside a quotation or the narration: a translator's note marker ("*", "*(2)") right
# after the foreign words it glosses, a semicolon, a dash, a sentence's end inside a quotation (the sentence
# splitter keeps a quotation whole).
_BOUNDARY = re.compile(r"\*+\s?(?:\(\d{1,2}\))?\s*|;\s*|\s*(?:--+|—)\s*|[.!?]+\s+(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Part:
    """A stretch of a sentence as written, and its language (a BCP 47 code)."""

    text: str
    language: str


def could_be_foreign(text: str, languages: Sequence[str]) -> bool:
    """The cheap test: worth asking the identifier whether `text` is in one of `languages`."""
    words = _WORD.findall(text)
    if "I" in words or any(w.lower() in _ENGLISH for w in words):
        return False
    # Names do not count; the parts of "Allez-vous" do (but a prefix such as the "non" of "non-violent" does not).
    common = [w for i, w in enumerate(words) if i == 0 or not w[0].isupper()]
    if sum(len(w.split("-")) for w in common) < 2:
        return False
    if _ACCENT.search(text) or _ELISION.search(text):
        return True
    cues = frozenset().union(*(CUES.get(language, frozenset()) for language in languages))
    return any(part.lower() in cues for w in words for part in w.split("-")[bool("-" in w) :] or [w])


@functools.lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def identify(text: str, *, book: str = "en", languages: Sequence[str] = DEFAULT_LANGUAGES) -> str:
    """The language `text` is in: one of `languages` when it clearly is, else the book's language."""
    look_for = tuple(sorted({*languages} - {book}))
    if not look_for or not could_be_foreign(text, look_for):
        return book
    language, probability = _identifier((book, *look_for)).classify(text)
    return language if language != book and probability >= THRESHOLD else book


def _clauses(text: str) -> list[str]:
    """`text` cut after each clause boundary (the boundary stays with the clause before it)."""
    cuts = [m.end() for m in _BOUNDARY.finditer(text) if 0 < m.end() < len(text)]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]


def parts(text: str, *, book: str = "en", languages: Sequence[str] = DEFAULT_LANGUAGES) -> tuple[Part, ...]:
    """`text` (one sentence as written) cut into parts of one language each, in order, nothing left out.

    Quoted clauses and the narration between them are identified on their own; neighbours in the same
    language are joined again, so an all-English sentence is one part, exactly `text`.
    """
    if not languages:
        return (Part(text, book),)
    pieces: list[str] = []
    at = 0
    for m in _QUOTED.finditer(text):
        if m.start() > at:
            pieces += _clauses(text[at : m.start()])
        pieces += _clauses(m[0])
        at = m.end()
    if at < len(text):
        pieces += _clauses(text[at:])
    found: list[Part] = []
    for piece in pieces:
        language = identify(piece, book=book, languages=languages) if piece.strip() else book
        if found and (found[-1].language == language or not any(ch.isalnum() for ch in piece)):
            found[-1] = Part(found[-1].text + piece, found[-1].language)
        elif found and not any(ch.isalnum() for ch in found[-1].text):
            found[-1] = Part(found[-1].text + piece, language)
        else:
            found.append(Part(piece, language))
    return tuple(found) or (Part(text, book),)
