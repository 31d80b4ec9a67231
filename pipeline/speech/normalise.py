"""Speech stage: one paragraph as written -> its sentences, each with the words a narrator says.

Contract: every word of the paragraph is in exactly one `Sentence.text`; `Sentence.spoken` has no digits, no
brackets, quotes or ellipses, and keeps every word of the sentence (abbreviations expanded, numbers as words).
Footnote markers such as "[1]" are not read in running text: the footnotes chapter announces each note
("Footnote one."), so reading "see footnote one" mid-sentence would only interrupt it twice. Acronyms keep
their case (the lexicon decides how they sound) and phoneme markup inside [[...]] is passed through untouched.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from dataclasses import dataclass

import sentencex

from ..model import ChapterKind, Piece
from . import conventions, language
from .numbers import cardinal, roman_value, say_numbers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str  # as written in the manuscript
    spoken: str  # speakable text (may be empty: a sentence with nothing to say)
    # Set only when part of the sentence is in another language than the book's: `spoken` cut into pieces
    # of one language each, in order (their texts joined by spaces are `spoken`).
    pieces: tuple[Piece, ...] = ()


# -- abbreviations ---------------------------------------------------------------------------------------------

# As a narrator reads them. A lower-case first letter in the text gives a lower-case expansion.
ABBREVIATIONS: dict[str, str] = {
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Messrs.": "Messieurs",
    "Mme.": "Madame",
    "Mlle.": "Mademoiselle",
    "Dr.": "Doctor",
    "Prof.": "Professor",
    "Gen.": "General",
    "Col.": "Colonel",
    "Capt.": "Captain",
    "Lt.": "Lieutenant",
    "Sgt.": "Sergeant",
    "Rev.": "Reverend",
    "Jr.": "Junior",
    "Sr.": "Senior",
    "Mt.": "Mount",
    "Cf.": "Compare",
    "cf.": "compare",
    "Co.": "Company",
    "Bros.": "Brothers",
    "Inc.": "Incorporated",
    "Ltd.": "Limited",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "vs.": "versus",
    "viz.": "namely",
    "approx.": "approximately",
    "Eds.": "the editors",  # the signature "– Eds." at a note's end reads "The editors."
    "Vol.": "Volume",
    "vol.": "volume",
    "Fig.": "Figure",
    "Jan.": "January",
    "Feb.": "February",
    "Mar.": "March",
    "Apr.": "April",
    "Jun.": "June",
    "Jul.": "July",
    "Aug.": "August",
    "Sep.": "September",
    "Sept.": "September",
    "Oct.": "October",
    "Nov.": "November",
    "Dec.": "December",
}
# Read so only before a number: "No. 5" is "Number five"; "No. I refuse" is not an abbreviation.
ABBREVIATIONS_BEFORE_NUMBER: dict[str, str] = {
    "No.": "Number",
    "no.": "number",
    "Nos.": "Numbers",
    "nos.": "numbers",
    "p.": "page",
    "pp.": "pages",
    "Ch.": "Chapter",
    "ch.": "chapter",
}
# "St. Petersburg" is a saint; "Baker St." a street.
_SAINT = re.compile(r"(?<![^\W\d_.])St\.(?=\s+[^\W\d_])")
_STREET = re.compile(r"(?<![^\W\d_.])St\.(?!\w)")

# Abbreviations after which sentencex may cut but a sentence never ends ("Co." and "etc." can end one).
_NEVER_FINAL = frozenset(ABBREVIATIONS) - {"Co.", "Bros.", "Inc.", "Ltd.", "etc.", "Eds.", "Jr.", "Sr."}
_NEVER_FINAL |= frozenset(ABBREVIATIONS_BEFORE_NUMBER) | {"St."} | conventions.NEVER_FINAL


def _alternation(keys: object) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_ABBREVIATION = re.compile(rf"(?<![^\W\d_.])(?:{_alternation(ABBREVIATIONS)})(?!\w)")
_NUMBER_ABBREVIATION = re.compile(rf"(?<![^\W\d_.])(?:{_alternation(ABBREVIATIONS_BEFORE_NUMBER)})(?=\s*\d)")
_CLOSERS_TO_END = re.compile(r"[\s\"”’'»)\]]*\Z")


def _expand(m: re.Match[str], said: str) -> str:
    written = m[0]
    if written[0].islower():
        said = said[0].lower() + said[1:]
    if not any(ch.isalnum() for ch in m.string[: m.start()]):
        said = said[0].upper() + said[1:]
    if _CLOSERS_TO_END.match(m.string, m.end()):
        said += "."  # the abbreviation's dot was also the sentence's full stop
    return said


def _abbreviations(text: str) -> str:
    text = _ABBREVIATION.sub(lambda m: _expand(m, ABBREVIATIONS[m[0]]), text)
    text = _NUMBER_ABBREVIATION.sub(lambda m: _expand(m, ABBREVIATIONS_BEFORE_NUMBER[m[0]]), text)
    text = _SAINT.sub(lambda m: _expand(m, "Saint"), text)
    return _STREET.sub(lambda m: _expand(m, "Street"), text)


# "N.K. Krupskaya" -> "N. K. Krupskaya": each initial a letter of its own, never glued into a word.
_GLUED_INITIAL = re.compile(r"(?<![^\W\d_])([^\W\d_])\.(?=[^\W\d_])")


def _initials(text: str) -> str:
    def space(m: re.Match[str]) -> str:
        following = m.string[m.end()]
        return f"{m[1]}. " if m[1].isupper() and following.isupper() else m[0]

    return _GLUED_INITIAL.sub(space, text)


# -- Roman numerals ---------------------------------------------------------------------------------------------

# Only after these words is a capital I, V or X a number; "I" alone is the pronoun.
_NUMBERED = (
    "Chapter|Book|Part|Volume|Act|Scene|Section|Canto|Appendix|Epilogue|Letter|Article|Lecture|World War"
)
_ROMAN_AFTER_WORD = re.compile(
    rf"\b(?P<word>{_NUMBERED}|{_NUMBERED.upper()})\s+(?P<roman>[IVXLCDM]+)\b(?!['’]\w)"
)


def _roman_after_word(m: re.Match[str]) -> str:
    value = roman_value(m["roman"])
    if value is None:
        return m[0]
    said = cardinal(value)
    return f"{m['word']} {said.capitalize() if 'War' in m['word'] else said}"


# -- punctuation: what is a pause and what is silent ---------------------------------------------------------------

_MARKUP = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_PLACEHOLDERS = re.compile("[\U000f0000-\U0010ffff]")  # private use: stands in for [[...]] while we work
_FOOTNOTE_MARK = re.compile(r"(?:\s*\[\s*\d{1,3}\s*\])+")
# A translator's note marker, "*" or "*(2)" (the note itself is read after the passage: see narration).
_NOTE_MARK = re.compile(r"\s*\*+\s?(?:\(\d{1,2}\))?")
_LEAD_NUMBER = re.compile(r"\A\s*(\d{1,3})[.)]\s+(?=\S)")
_ELLIPSIS = re.compile(r"\s*(?:…+|\.{3,}|\.(?:\s\.){2,})\s*")  # "etc. ..." keeps the dot of "etc."
_DASH = re.compile(r"\s*(?:-{2,}|[–—―])\s*")
_HYPHEN = re.compile(r"\s*-\s*")
_BRACKET = re.compile(r"\s*[()\[\]{}]\s*")
_DOUBLE_QUOTE = re.compile(r"[\"“”„‟«»‹›〝〞＂]+")
_SINGLE_QUOTE = re.compile(r"['‘’‚‛`´]+")
_SILENT_SYMBOL = re.compile(r"[*_#~^|•\\]")
_SLASH = re.compile(r"\s*/\s*")
_SYMBOL_WORDS = {"&": "and", "%": "percent", "§": "section", "°": "degrees"}
_SYMBOL = re.compile("[" + "".join(_SYMBOL_WORDS) + "]")
_PUNCT_RUN = re.compile(r"[,;:.!?](?:\s*[,;:.!?])+")
_STRENGTH = "?!.;:,"  # a run of marks keeps its strongest: "Go!”." -> "Go!"


def _ellipsis(m: re.Match[str]) -> str:
    return "." if _CLOSERS_TO_END.match(m.string, m.end()) else ", "


def _between_words(m: re.Match[str]) -> bool:
    text = m.string
    return m.start() > 0 and text[m.start() - 1].isalnum() and m.end() < len(text) and text[m.end()].isalnum()


def _silent(m: re.Match[str]) -> str:
    """Drop what matched, without gluing the words either side into one."""
    return " " if _between_words(m) else ""


def _quote(m: re.Match[str]) -> str:
    if m[0] in "'’" and _between_words(m):
        return "'"  # an apostrophe inside a word: "Stalin’s", "doesn’t"
    return _silent(m)


def _strongest(m: re.Match[str]) -> str:
    return min((ch for ch in m[0] if not ch.isspace()), key=_STRENGTH.index)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" (?=[,;:.!?])", "", text)
    text = _initials(_PUNCT_RUN.sub(_strongest, text))  # a dropped mark may have glued "A.:B" into "A.B"
    text = re.sub(r"([,;:!?])(?=[^\W_])", r"\1 ", text)
    text = re.sub(r"\A[\s,;:.]+", "", text)
    text = re.sub(r"[\s,]+\Z", "", text)
    return text.strip()


def _lead_number(m: re.Match[str]) -> str:
    words = cardinal(int(m[1]))
    return words[0].upper() + words[1:] + ". "


def speakable(text: str, *, language: str = "en") -> str:
    """One sentence as written -> the words a narrator says (see the module docstring for what changes).

    In another language than English only the marks are dealt with (quotes, brackets, dashes are pauses or
    silent): that language's voice reads its own numbers and abbreviations.
    """
    text = _PLACEHOLDERS.sub(" ", text)
    kept: list[str] = []

    def hide(m: re.Match[str]) -> str:
        kept.append(m[0])
        return chr(0xF0000 + len(kept) - 1)

    text = _MARKUP.sub(hide, text)
    english = language.split("-")[0].lower() == "en"
    # Silent marks go first, so that no later rule can find a new "Chapter I" or "Jan." where they were.
    text = _FOOTNOTE_MARK.sub(_silent, text)
    text = _NOTE_MARK.sub(" ", text)
    if english:
        text = conventions.fractions(
            text
        )  # before the quotes: "½" is a number, not a letter an apostrophe joins
    text = _DOUBLE_QUOTE.sub(_quote, text)
    text = _SINGLE_QUOTE.sub(_quote, text)
    if english:
        text = conventions.et_cetera(text)
    text = _SILENT_SYMBOL.sub(" ", text)
    if english:
        text = _SYMBOL.sub(lambda m: f" {_SYMBOL_WORDS[m[0]]} ", text)
    text = _BRACKET.sub(", ", text)
    text = _ELLIPSIS.sub(_ellipsis, text)
    if english:
        text = _abbreviations(text)
        text = _initials(text)
        text = _ROMAN_AFTER_WORD.sub(_roman_after_word, text)
        text = _LEAD_NUMBER.sub(_lead_number, text)
        text = conventions.clock_times(text)
        text = say_numbers(text)
        # After the initials ("M.N." is two letters, "M. Krug" Monsieur) and the numbers (one read may free a
        # word glued to it: "0M. Krug", "0AM").
        text = conventions.capitals_for_emphasis(text)
        text = conventions.forms_of_address(text)
        text = conventions.regnal_numerals(text)
        text = conventions.lone_letters(text)
        # Again: reading a number can free a word glued to it ("0Chapter I" -> "zero Chapter I").
        text = _ROMAN_AFTER_WORD.sub(_roman_after_word, text)
    # Dashes and slashes last: until the numbers are read, "1926–27" is a range and "1/2" a fraction.
    text = _DASH.sub(", ", text)
    text = _HYPHEN.sub(lambda m: "-" if m[0] == "-" and _between_words(m) else ", ", text)
    text = _SLASH.sub(", ", text)
    text = _tidy(text)
    if english:
        # Tidying may have joined a word to its full stop ("Jan ." and "Jan:." become "Jan."): read such an
        # abbreviation now, as a second reading of this text would; and an initial of "M:.Krug".
        text = _abbreviations(text)
        text = conventions.forms_of_address(text)
    return _PLACEHOLDERS.sub(lambda m: kept[ord(m[0]) - 0xF0000], text)


# -- headings ---------------------------------------------------------------------------------------------------

_HEADING_BREAK = re.compile(r"\s*[—–―]\s*|\s*--+\s*|\s+-\s+(?!\d)")
_LONE_ROMAN = re.compile(r"\A\s*(?P<roman>[IVXLCDM]+)\.?\s*\Z")
_CAPS_WORD = re.compile(r"[^\W\d_]+")
# Short words an all-capitals heading spells that are words, not acronyms ("THE GPU" -> "The GPU").
_SMALL_WORDS = frozenset(
    "A AN THE OF AND OR NOR BUT IN ON AT TO BY FOR AS UP OUT OFF ONE TWO SIX TEN NEW OLD OUR HIS HER HOW WHY "
    "WHO WAR MAN MEN DAY END ALL NOT NO PART ACT LAST".split()
)
_LOWER_IN_TITLES = frozenset("A AN THE OF AND OR NOR BUT IN ON AT TO BY FOR AS".split())


def _looks_like_word(word: str) -> bool:
    """In an all-capitals heading: CHAPTER and BOOK are words to title-case, USSR and TASS acronyms to keep."""
    vowels = sum(ch in "AEIOU" or (ch == "Y" and i > 0) for i, ch in enumerate(word))
    return word in _SMALL_WORDS or len(word) >= 5 or (len(word) == 4 and vowels >= 2)


def _title_case(text: str) -> str:
    def case(m: re.Match[str]) -> str:
        word = m[0]
        if not word.isupper():
            return word  # already said: "CHAPTER eighteen"
        if m.start() > 0 and word in _LOWER_IN_TITLES:
            return word.lower()
        return word.capitalize() if _looks_like_word(word) else word

    return _CAPS_WORD.sub(case, text)


def _heading_part(part: str, *, all_caps: bool) -> str:
    if lone := _LONE_ROMAN.match(part):
        value = roman_value(lone["roman"])
        if value is not None:
            return cardinal(value).capitalize()
    part = _ROMAN_AFTER_WORD.sub(_roman_after_word, part)
    if all_caps:
        part = _title_case(part)
    said = speakable(part)
    return said[:1].upper() + said[1:]


def speakable_heading(title: str) -> str:
    """A chapter title as announced: "CHAPTER IV" -> "Chapter four", "Book One: 1805 — Chapter I" ->
    "Book One: eighteen oh-five. Chapter one", "1. A Grandiose “Amalgam”" -> "One. A Grandiose Amalgam"."""
    all_caps = not any(ch.islower() for ch in title)
    said = [s for part in _HEADING_BREAK.split(title) if (s := _heading_part(part, all_caps=all_caps))]
    joined = [s if s[-1] in ".?!:;" else s + "." for s in said[:-1]]
    return " ".join([*joined, *said[-1:]])


# -- sentences --------------------------------------------------------------------------------------------------

_LIST_NUMBER = re.compile(r"\A\s*(?:\[(?P<bracketed>\d{1,3})\]|(?P<number>\d{1,3})[.)])\s*")
_OPENING = re.compile(r"[\s\"“‘'«(\[]*")


def _cuts(paragraph: str) -> list[int]:
    """Where sentencex starts each sentence after the first (phoneme markup hidden from it).

    sentencex rather than pysbd: on the first book both keep initials and "Jan." whole, but pysbd cut
    "2. Cf. | Leon Trostky" and moved "[2]" to the next sentence; on War and Peace pysbd cut parenthetical
    asides out of their sentences, and it is about 200 times slower (minutes, not seconds, on a long book).
    """
    masked = _MARKUP.sub(lambda m: "x" * len(m[0]), paragraph)
    cuts, at = [], 0
    for piece in sentencex.segment("en", masked):
        start = masked.find(piece, at)
        if start < 0:  # never seen: sentencex returns the paragraph in order; if not, cut nothing more
            log.debug("sentencex returned text not in the paragraph: %r", piece)
            break
        if start > 0 and piece.strip():
            cuts.append(start)
        at = start + len(piece)
    return cuts


def _belongs_to_previous(previous: str, text: str, paragraph: str, start: int) -> bool:
    """The fixes sentencex needs: cuts after "Vol.", before "[2]" or "...", before a lower-case word, after "1."."""
    if not any(ch.isalpha() for ch in previous) or not any(ch.isalpha() for ch in text):
        return True
    if start > 0 and paragraph[start - 1].isalnum() and paragraph[start].isalnum():
        return True  # never cut a word in two
    first = text[_OPENING.match(text).end() :][:1]
    if first.islower():
        return True
    return previous.split()[-1] in _NEVER_FINAL


def _say(text: str, *, book: str, languages: tuple[str, ...]) -> tuple[str, tuple[Piece, ...]]:
    """A sentence's spoken text and, if part of it is in another language, its pieces."""
    parts = language.parts(text, book=book, languages=languages)
    if len(parts) == 1 and parts[0].language == book:
        return speakable(text, language=book), ()
    pieces = tuple(
        Piece(said, part.language) for part in parts if (said := speakable(part.text, language=part.language))
    )
    return " ".join(p.text for p in pieces), pieces


# Remembered: the build reads every paragraph twice, once to find the names its lexicon lacks and once to
# narrate it; the answer depends on its arguments alone (bounded, for a catalogue built in one process).
@functools.lru_cache(maxsize=32768)
def sentences(
    paragraph: str,
    *,
    kind: ChapterKind = ChapterKind.BODY,
    book: str = "en",
    languages: tuple[str, ...] = language.DEFAULT_LANGUAGES,
) -> tuple[Sentence, ...]:
    """Split one paragraph into sentences and say each. In a footnotes chapter a paragraph starting "1. "
    is note one: its first sentence is said "Footnote one. ..." and the number is not read again.
    `book` is the book's language; a sentence or quoted clause in one of `languages` is a piece of its own."""
    bounds = [0, *_cuts(paragraph), len(paragraph)]
    pieces: list[tuple[int, int]] = []
    for start, end in itertools.pairwise(bounds):
        text = paragraph[start:end].strip()
        if not text:
            continue
        if pieces and _belongs_to_previous(paragraph[slice(*pieces[-1])].strip(), text, paragraph, start):
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    result = []
    for i, (start, end) in enumerate(pieces):
        text = paragraph[start:end].strip()
        if i == 0 and kind is ChapterKind.FOOTNOTES and (note := _LIST_NUMBER.match(text)):
            number = int(note["bracketed"] or note["number"])
            spoken = f"Footnote {cardinal(number)}. {speakable(text[note.end() :])}".strip()
            result.append(Sentence(text, spoken))
            continue
        spoken, pieces = _say(text, book=book, languages=languages)
        result.append(Sentence(text, spoken, pieces))
    return tuple(result)
