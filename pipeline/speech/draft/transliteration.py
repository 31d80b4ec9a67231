"""From a translation's spelling of a Russian name back to the Russian word: candidates, and the dictionary's choice.

Translations spell one name many ways (Maude's Bolkonski and Mikhaylovna, Garnett's Dounia, Razumihin,
Svidrigaïlov and -itch; -ii/-iy/-y/-i, ie/ye/e, kh/h, shch/shtch, doubled consonants). Each rule below maps a
piece of the English spelling to the Cyrillic it may stand for, with a cost: 0 for the usual reading, more for
rarer ones. A beam search walks the spelling left to right, following pymorphy3's dictionary of Russian word
forms as it goes (a DAWG), so that spellings no Russian word starts with fall behind; a candidate that is a
whole dictionary word wins by a margin, a name (surname, first name, patronymic, place) by more. When no
candidate is a dictionary word, the cheapest reading is the guess. English letters carry no soft sign (ь),
so one may follow a consonant at a small cost (Kuzminichna -> Кузьминична, Vaska -> Васька).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from ...errors import MissingDependency

CYR_VOWELS = frozenset("аеёиоуыэюя")
SOFTENABLE = frozenset("лнзстдрмвпбфкгх")  # consonants a soft sign may follow
NAME_TAGS = frozenset({"Surn", "Name", "Patr", "Geox"})

STEP = 0.05  # per rule applied: the longest match wins a tie (shch, not s + h + ch)
SOFT = 0.6  # a soft sign the English spelling does not show
OFF_DICTIONARY = 1.5  # once no Russian word starts with the candidate
KNOWN = -2.5  # a whole word of the dictionary
NAME = -1.0  # ... tagged as a name
BEAM = 40  # candidates kept at each position that are still inside the dictionary
BEAM_OUTSIDE = 8  # ... and that have left it

# (English, [(Cyrillic, cost)], where): where is None (anywhere) or "end" (only at the end of the word).
_RULES: list[tuple[str, list[tuple[str, float]], str | None]] = []


def _rule(english: str, readings: list[tuple[str, float]], where: str | None = None) -> None:
    _RULES.append((english, readings, where))


_rule("shtch", [("щ", 0)])
_rule("shch", [("щ", 0)])
_rule("stch", [("щ", 0), ("стч", 1)])
_rule("sch", [("щ", 0.3), ("ш", 1)])
_rule("tch", [("ч", 0), ("тч", 1.5)])
_rule("kh", [("х", 0), ("кх", 2)])
_rule("zh", [("ж", 0)])
_rule("ch", [("ч", 0), ("х", 1.5)])
_rule("sh", [("ш", 0), ("сх", 2)])
_rule("ts", [("ц", 0), ("тс", 0.7), ("тьс", 1.2)])
_rule("tz", [("ц", 0)])
_rule("ph", [("ф", 0)])
_rule("th", [("т", 0)])
_rule("ck", [("к", 0)])
_rule("x", [("кс", 0)])
_rule("qu", [("кв", 0)])
_rule("yu", [("ю", 0), ("ью", 0.4)])
_rule("ya", [("я", 0), ("ья", 0.3), ("ия", 0.8)])
_rule("yo", [("ё", 0), ("ьо", 1), ("йо", 0.5)])
_rule("ye", [("е", 0), ("ье", 0.3), ("э", 1)])
_rule("yi", [("ьи", 0.4), ("ый", 0.6), ("ий", 1)])
_rule("ia", [("ия", 0.3), ("ья", 0.5), ("я", 0.25), ("иа", 1)])  # Lebeziatnikov: Лебезятников
_rule("iu", [("ию", 0.5), ("ю", 0.5), ("иу", 0.8)])
_rule("io", [("ио", 0), ("ё", 1), ("ьо", 1.5)])
_rule("ie", [("ие", 0.3), ("ье", 0.3), ("е", 0.5), ("ъе", 1.5)])
_rule("ii", [("ий", 0), ("ии", 0.5)])
_rule("iy", [("ий", 0)])
_rule("yy", [("ый", 0)])
_rule("ij", [("ий", 0.2)], "end")
_rule("ey", [("ей", 0)])
_rule("ay", [("ай", 0)])
_rule("oy", [("ой", 0)])
_rule("uy", [("уй", 0)])
_rule("ai", [("ай", 0), ("аи", 0.6)])
_rule("ei", [("ей", 0), ("еи", 1)])
_rule("oi", [("ой", 0), ("ои", 0.6)])
_rule("ui", [("уй", 0.5), ("уи", 0.5)])
_rule("ou", [("у", 0.4), ("оу", 1)])  # Garnett's Dounia
_rule("oo", [("у", 0.3), ("оо", 1)])
_rule("ee", [("ее", 0.2), ("и", 0.8)])  # Maude's Alexeevich
_rule("ï", [("й", 0), ("и", 0.5)])  # Garnett's Svidrigaïlov
_rule("off", [("ов", 0), ("офф", 1)], "end")
_rule("eff", [("ев", 0), ("ефф", 1)], "end")
for _double, _single in (
    ("ss", "с"), ("ll", "л"), ("nn", "н"), ("tt", "т"), ("kk", "к"), ("pp", "п"), ("rr", "р"),
    ("mm", "м"), ("ff", "ф"), ("dd", "д"), ("zz", "з"), ("bb", "б"), ("gg", "г"),
):  # fmt: skip
    _rule(_double, [(_single, 0.2), (_single * 2, 0.2)])
_rule("i", [("ий", 0.2), ("и", 0.3), ("ый", 0.7), ("ой", 1.2)], "end")
_rule("y", [("ий", 0.2), ("ый", 0.4), ("и", 0.6), ("ой", 1.2), ("й", 0.3)], "end")
_rule("ski", [("ский", 0), ("ски", 1)], "end")
_rule("sky", [("ский", 0), ("ски", 1)], "end")
_rule("tski", [("цкий", 0), ("тский", 0.3)], "end")
_rule("tsky", [("цкий", 0), ("тский", 0.3)], "end")
_SINGLE: dict[str, list[tuple[str, float]]] = {
    "a": [("а", 0), ("я", 1.2)], "b": [("б", 0)], "c": [("ц", 0.5), ("к", 0.5)], "d": [("д", 0)],
    "e": [("е", 0), ("ё", 0.3), ("э", 0.8), ("ье", 1), ("о", 0.5)], "f": [("ф", 0)],
    "g": [("г", 0), ("ж", 1.5)], "h": [("х", 0.5), ("г", 1.2)],
    "i": [("и", 0), ("ы", 0.7), ("й", 0.8), ("ь", 1.2)], "j": [("й", 0.5), ("дж", 0.5), ("ж", 1)],
    "k": [("к", 0)], "l": [("л", 0)], "m": [("м", 0)], "n": [("н", 0)], "o": [("о", 0), ("ё", 0.3)],
    "p": [("п", 0)], "q": [("к", 0)], "r": [("р", 0)], "s": [("с", 0), ("з", 1.5)], "t": [("т", 0)],
    "u": [("у", 0), ("ю", 1)], "v": [("в", 0)], "w": [("в", 0)],
    "y": [("ы", 0.3), ("й", 0.3), ("и", 0.5), ("ь", 0.8)], "z": [("з", 0), ("ц", 1.5)],
    "é": [("е", 0), ("э", 0.5)], "è": [("е", 0), ("э", 0.5)], "ë": [("ё", 0), ("е", 0.5)],
}  # fmt: skip
for _letter, _readings in _SINGLE.items():
    if _letter in "lsnmrtk":  # Kiril: Кирилл; the English spelling dropped a double letter
        _readings = [*_readings, (_readings[0][0] * 2, 0.5)]
    _rule(_letter, _readings)

_BY_FIRST: dict[str, list[tuple[str, list[tuple[str, float]], str | None]]] = {}
for _english, _readings, _where in _RULES:
    _BY_FIRST.setdefault(_english[0], []).append((_english, _readings, _where))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A Russian reading of an English spelling: `known` if the dictionary has the word, `name` if as a name."""

    word: str
    cost: float
    known: bool
    name: bool
    tag: str = ""  # pymorphy3's best tag for a known word (Surn, Name, Patr, Geox or the part of speech)


@functools.cache
def morph():
    """pymorphy3's analyser with its Russian dictionaries (loaded once: about 0.2 s)."""
    try:
        import pymorphy3

        return pymorphy3.MorphAnalyzer(lang="ru")
    except ImportError as exc:
        raise MissingDependency(
            f"pymorphy3 or its Russian dictionaries are not installed ({exc})",
            fix="reinstall them: pip install pymorphy3 pymorphy3-dicts-ru (or `make setup`)",
        ) from exc
    except Exception as exc:  # a damaged dictionary file: pymorphy3 raises whatever its reader met
        raise MissingDependency(
            f"pymorphy3's Russian dictionary could not be read ({type(exc).__name__}: {exc})",
            fix="reinstall it: pip install --force-reinstall pymorphy3-dicts-ru",
        ) from exc


def fold(word: str) -> str:
    """The spelling as the rules read it: lower case, letters only (ï and é kept, other accents dropped)."""
    text = unicodedata.normalize("NFC", word.lower())
    kept = []
    for ch in text:
        if ch in "ïéèë":
            kept.append(ch)
        elif ch.isalpha():
            kept.append(unicodedata.normalize("NFKD", ch)[0])
    return "".join(ch for ch in kept if ch.isalpha())


def candidates(spelling: str, *, limit: int = 6) -> tuple[Candidate, ...]:
    """The best Russian readings of `spelling`, best first (never empty for a word with letters)."""
    analyser = morph()
    dawg = analyser.dictionary.words.dct
    english = fold(spelling)
    n = len(english)
    # At each position of the English spelling: Cyrillic so far -> (cost, DAWG node or None once outside).
    at: list[dict[str, tuple[float, int | None]]] = [{} for _ in range(n + 1)]
    at[0][""] = (0.0, dawg.ROOT)
    for i in range(n):
        ranked = sorted(at[i].items(), key=lambda item: item[1][0])
        inside = [s for s in ranked if s[1][1] is not None][:BEAM]
        outside = [s for s in ranked if s[1][1] is None][:BEAM_OUTSIDE]
        for text, (cost, node) in inside + outside:
            for pattern, readings, where in _BY_FIRST.get(english[i], ()):
                if not english.startswith(pattern, i):
                    continue
                j = i + len(pattern)
                if where == "end" and j != n:
                    continue
                if where is None and pattern in ("i", "y") and j == n:
                    continue  # a final -i or -y is read by the "end" rules (-ий, -ый, -и)
                for cyrillic, price in readings:
                    if cyrillic == "о" and pattern == "e" and (not text or text[-1] not in "жшчщц"):
                        continue  # e for ё after a hushing consonant is written о: Balashev, Балашов
                    for piece, soft in ((cyrillic, 0.0), (cyrillic + "ь", SOFT)):
                        if soft and cyrillic[-1] not in SOFTENABLE:
                            continue
                        total = cost + price + soft + STEP
                        if piece[0] == "й" and text and text[-1] not in CYR_VOWELS:
                            total += 1.5  # й after a consonant: Konovnitsyn is -цын
                        following = node
                        if node is not None:
                            following = dawg.follow_bytes(piece.encode("utf-8"), node)
                            if following is None:
                                total += OFF_DICTIONARY
                        elif "ё" in piece:
                            total += 1.0  # ё only where the dictionary shows it
                        new = text + piece
                        old = at[j].get(new)
                        if old is None or old[0] > total:
                            at[j][new] = (total, following)
    found = []
    for text, (cost, node) in at[n].items():
        known = node is not None and dawg.follow_char(1, node) is not None  # 1: the DAWG's payload separator
        tag, name = "", False
        if known:
            cost += KNOWN
            tags = [p.tag for p in analyser.parse(text) if p.is_known]
            grammemes = {g for t in tags for g in t.grammemes}
            name = bool(grammemes & NAME_TAGS) and "Fixd" not in grammemes
            tag = next(
                (g for g in ("Surn", "Name", "Patr", "Geox") if g in grammemes), str(tags[0].POS or "")
            )
            if name:
                cost += NAME
        cost += 0.01 * len(text)  # of two equal readings, the shorter (Sonia: Соня, not Сония)
        found.append(Candidate(text, round(cost, 3), known, name, tag))
    found.sort(key=lambda c: (c.cost, c.word))
    return tuple(found[:limit])


def lemma_of(word: str) -> str | None:
    """The dictionary's nominative for a Russian word form, if it knows the word (Ростова -> ростов)."""
    for parse in morph().parse(word):
        if parse.is_known:
            return parse.normal_form
    return None
