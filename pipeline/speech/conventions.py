"""Old editions' conventions a narrator reads without thinking: regnal numerals, forms of address, "&c.",
clock times, vulgar fractions, letters standing alone, and capitals used for emphasis.

Each rule is one function from text to text, called by `normalise.speakable` at its place in the order
(see there). None of them touches the pronoun "I", an initial ("M. N. Riutin") or an acronym ("GPU").
"""

from __future__ import annotations

import re

from .numbers import cardinal, ordinal, roman_value

# -- regnal numerals -------------------------------------------------------------------------------------------

# Monarchs' and popes' names that take a numeral ("Louis XVI", "Pius IX", "Alexander I"). A name outside this
# list keeps its letters: "Prince V." and "Brother V." are initials, not numerals.
REGNAL_NAMES = frozenset(
    """
    Alexander Alexis Alfonso Alphonso Amadeus Anne Augustus Basil Benedict Boleslaw Boniface Boris Canute
    Carlos Casimir Catherine Charles Christian Christina Clement Clovis Conrad Constantine Cosimo Darius David
    Edmund Edward Eric Erik Ethelred Ferdinand Feodor Fernando Francis Franz Frederick Friedrich George Gregory
    Gustavus Gustav Haakon Harold Henri Henry Innocent Isabella Ivan James Joanna John Joseph Juan Julius Karl
    Leo Leopold Louis Ludwig Magnus Malcolm Manuel Margaret Maria Mary Matthias Maximilian Mehmed Michael Murad
    Napoleon Nicholas Olaf Otto Paul Pedro Peter Philip Philippe Pius Ptolemy Ramses Richard Robert Rudolf
    Rudolph Selim Sigismund Sixtus Stanislaus Stephen Suleiman Theodore Umberto Urban Valdemar Vasili Victor
    Victoria Vladimir Wilhelm William
    """.split()
)
# After "Alexander I" these make "I" the speaker: "Peter I think", "Mary I know". (A king's "I" is followed
# by what a king does in a history: "Alexander I was", "Alexander I and Napoleon".)
_PRONOUN_NEXT = frozenset(
    "am think know suppose hope beg mean feel believe wish want shall will should would could can must do "
    "don't didn't dare fear trust see say".split()
)
_REGNAL = re.compile(
    r"(?<![\w.])(?P<name>[A-Z][a-z]+)"  # one of REGNAL_NAMES (checked in _regnal: a set is quicker than a regex)
    r"(?P<gap>\s+)(?P<roman>[IVXLCDM]+)(?P<possessive>['’]s)?(?![\w'’]|\.\w|\.\s?[A-Z]\.)"
    # Old editions put a full stop after the numeral ("Louis XVIII. was seated"): not a sentence end.
    r"(?P<stop>\.(?=\s+[a-z]|,))?"
)
_NEXT_WORD = re.compile(r"\W*([\w'’]+)")


def _regnal(m: re.Match[str]) -> str:
    if m["name"] not in REGNAL_NAMES:
        return m[0]
    value = roman_value(m["roman"])
    if value is None:
        return m[0]
    if m["roman"] == "I":
        following = _NEXT_WORD.match(m.string, m.end())
        if following and following[1].lower() in _PRONOUN_NEXT:
            return m[0]
    said = "-".join(part.capitalize() for part in ordinal(value).split("-"))
    said = " ".join(word if word == "hundred" else word.capitalize() for word in said.split())
    return f"{m['name']} the {said}{m['possessive'] or ''}"


# "Louis XIV, XV, and XVI": the numerals that follow a regnal one in a list are the same name's.
_MORE_NUMERALS = re.compile(
    r"(?P<said>\b(?P<name>[A-Z][a-z]+) the (?:[A-Z][a-z]+[- ])*"
    r"(?:First|Second|Third|[A-Z][a-z]+th))(?P<more>(?:,? (?:and |or )?(?:[IVXLCDM]{2,}|V|X)\b(?!['’]\w|\.\w))+)"
)


def _more(m: re.Match[str]) -> str:
    if m["name"] not in REGNAL_NAMES:
        return m[0]

    def said(n: re.Match[str]) -> str:
        value = roman_value(n[0])
        return f"the {'-'.join(p.capitalize() for p in ordinal(value).split('-'))}" if value else n[0]

    return m["said"] + re.sub(r"[IVXLCDM]+", said, m["more"])


def regnal_numerals(text: str) -> str:
    """ "Louis XVI" -> "Louis the Sixteenth", "Alexander I was" -> "Alexander the First was";
    "Alexander, I was" and "Peter I think" keep their pronoun. "Louis XIV, XV, and XVI" -> "... the Fifteenth,
    and the Sixteenth"."""
    text = _REGNAL.sub(_regnal, text)
    return _MORE_NUMERALS.sub(_more, text) if ", " in text or " and " in text else text


# -- forms of address -------------------------------------------------------------------------------------------

# French forms of address as English editions print them, with or without a full stop ("Mme" is the
# French spelling). "M." is Monsieur only before a name, never after another initial ("A. M. Smith") and
# never as an initial itself ("M. N. Riutin", "M.N.").
_NAME_AHEAD = r"(?=\s+(?:[A-ZÀ-Ý][a-zà-ÿ'’-]+(?!\.)\b|de\b|d['’]|le\b|la\b))"
_ADDRESS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w.])Mmes\b\.?"), "Mesdames"),
    (re.compile(r"(?<![\w.])Mme\b\.?"), "Madame"),
    (re.compile(r"(?<![\w.])Mlles\b\.?"), "Mesdemoiselles"),
    (re.compile(r"(?<![\w.])Mlle\b\.?"), "Mademoiselle"),
    (re.compile(r"(?<![\w.])MM\." + _NAME_AHEAD), "Messieurs"),
    (re.compile(r"(?<![\w.])(?<![A-Z]\.\s)(?<![A-Z]\.)M\." + _NAME_AHEAD), "Monsieur"),
)
NEVER_FINAL = frozenset({"M.", "MM.", "Mme.", "Mlle.", "Mmes.", "Mlles."})


def forms_of_address(text: str) -> str:
    """ "Mlle Scherer" -> "Mademoiselle Scherer", "M. Dessalles" -> "Monsieur Dessalles"."""
    for _ in range(text.count("M") + 1):  # "MM. M. Lannes": one read frees the one before it
        before = text
        for pattern, said in _ADDRESS:
            text = pattern.sub(said, text)
        if text == before:
            break
    return text


# -- "&c." ------------------------------------------------------------------------------------------------------

_ET_CETERA = re.compile(r"&\s?c\b\.?")
_CLOSERS_TO_END = re.compile(r"[\s\"”’'»)\]]*\Z")


def et_cetera(text: str) -> str:
    """ "&c." -> "et cetera" (with the full stop kept where it also ended the sentence)."""

    def said(m: re.Match[str]) -> str:
        ends = m[0].endswith(".") and _CLOSERS_TO_END.match(m.string, m.end())
        return " et cetera. " if ends else " et cetera "  # never glued to a word: "N&c"

    return _ET_CETERA.sub(said, text)


# -- clock times ------------------------------------------------------------------------------------------------

_MERIDIEM = re.compile(
    r"(?<![\d.,:])(?P<h>1[0-2]|0?[1-9])(?:[.:](?P<m>[0-5]\d))?\s*(?P<half>[AaPp])\.?\s?[Mm]\b\.?"
)
# "10.30" is a time after these words (and before "o'clock"); elsewhere "3.25" is a decimal number.
_TIME_BEFORE = r"(?:at|by|about|till|until|before|after|from|to|past|towards|since|and|or)"
_DOTTED_TIME = re.compile(
    rf"(?P<before>\b(?:{_TIME_BEFORE}|{_TIME_BEFORE.title()})\s)"
    r"(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d.,]\d|\d|\s*(?:%|per\b|percent\b))"
    r"|(?<![\d.,])(?P<h2>[01]?\d|2[0-3])\.(?P<m2>[0-5]\d)(?=\s*o['’]clock)"
)


def _clock(hour: int, minute: int) -> str:
    if minute == 0:
        return cardinal(hour)
    return f"{cardinal(hour)} {'oh ' if minute < 10 else ''}{cardinal(minute)}"


def clock_times(text: str) -> str:
    """ "3 p.m." -> "three P M", "10.30 a.m." -> "ten thirty A M", "at 10.30" -> "at ten thirty"."""

    def meridiem(m: re.Match[str]) -> str:
        said = f"{_clock(int(m['h']), int(m['m'] or 0))} {m['half'].upper()} M"
        if m[0].endswith(".") and _CLOSERS_TO_END.match(m.string, m.end()):
            said += "."
        return said

    def dotted(m: re.Match[str]) -> str:
        if m["h"] is not None:
            return m["before"] + _clock(int(m["h"]), int(m["m"]))
        return _clock(int(m["h2"]), int(m["m2"]))

    return _DOTTED_TIME.sub(dotted, _MERIDIEM.sub(meridiem, text))


# -- vulgar fractions -------------------------------------------------------------------------------------------

_FRACTIONS = {
    "½": ("one half", "a half"),
    "⅓": ("one third", "a third"),
    "⅔": ("two thirds", "two thirds"),
    "¼": ("one quarter", "a quarter"),
    "¾": ("three quarters", "three quarters"),
    "⅕": ("one fifth", "a fifth"),
    "⅛": ("one eighth", "an eighth"),
    "⅜": ("three eighths", "three eighths"),
    "⅝": ("five eighths", "five eighths"),
    "⅞": ("seven eighths", "seven eighths"),
}
_FRACTION = re.compile(r"(?P<whole>(?<![\d.,])\d+)?\s?(?P<fraction>[" + "".join(_FRACTIONS) + "])")


def fractions(text: str) -> str:
    """ "2½" -> "two and a half", "¾" -> "three quarters"."""

    def said(m: re.Match[str]) -> str:
        alone, after_whole = _FRACTIONS[m["fraction"]]
        if m["whole"] is None:
            return f" {alone} " if m.start() > 0 else f"{alone} "
        return f"{cardinal(int(m['whole']))} and {after_whole} "

    return _FRACTION.sub(said, text)


# -- letters standing alone -----------------------------------------------------------------------------------

# eSpeak NG reads a lone "A" as the article ("Plan A was" -> "plan uh was"); after these words it is the
# letter. "Eh" is how its English voices say the letter's name. Other letters it reads by name already.
_LETTER_CUES = (
    "letter|letters|Plan|plan|Point|point|Section|section|Appendix|Exhibit|Form|Class|class|Type|type|"
    "Grade|grade|Vitamin|vitamin|Block|Room|Platform|Gate|Square|square|Battery|Company|Group|group|"
    "from|Mister|Madame|Monsieur"
)
_LETTER_A = re.compile(rf"(?P<cue>\b(?:{_LETTER_CUES}) )A(?![\w'’.]|\.\s?[A-Z]\.)")


def lone_letters(text: str) -> str:
    """ "Plan A was better" -> "Plan Eh was better": the letter's name, not the article."""
    return _LETTER_A.sub(lambda m: m["cue"] + "Eh", text)


# -- capitals for emphasis ------------------------------------------------------------------------------------

_CAPS_RUN = re.compile(r"(?<![\w'’])[A-Z]{2,}(?:['’][A-Z]+)?(?![\w'’])")
_SHORT_WORDS = frozenset(
    "AN AM AS AT BE BY DO GO HE IF IN IT ME MY NO OF OH ON OR SO TO UP WE THE AND BUT NOT NOR FOR YOU "
    "ALL ARE WAS HAD HAS HIS HER HIM SHE ONE TWO NEW OLD OUR WHO WHY HOW NOW YES MAY CAN".split()
)


def _word_like(word: str) -> bool:
    """A word, not an acronym: USSR, GPU, TASS and TIA keep their capitals (the lexicon says them)."""
    if roman_value(word) is not None:
        return False
    if word in _SHORT_WORDS:
        return True
    letters = re.sub(r"['’]", "", word)
    vowels = sum(ch in "AEIOUY" for ch in letters[1:]) + (letters[0] in "AEIOU")
    return len(letters) >= 4 and vowels >= 2


def capitals_for_emphasis(text: str) -> str:
    """In a sentence written in lower case, a word in capitals for emphasis is read as the word ("I did NOT
    say" -> "I did Not say", as eSpeak NG reads a capital word)); a sentence all in capitals and acronyms are left as they are."""
    if not any(ch.islower() for ch in text):
        return text
    runs = [m for m in _CAPS_RUN.finditer(text) if _word_like(m[0])]
    if not runs:
        return text
    pieces, at = [], 0
    for m in runs:
        pieces += [text[at : m.start()], m[0].capitalize()]
        at = m.end()
    return "".join([*pieces, text[at:]])
