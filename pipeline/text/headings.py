"""What one line of a manuscript says about itself: is it shaped like a heading, and of which kind.

Pure functions over a single stripped line, before the structure around it is known (structure.py decides
from the neighbours whether a heading-shaped line really is one). Also the title casing of shouted headings
and the keys by which a table of contents is matched to the headings it lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Ranks: smaller contains larger. A floating heading (Epilogue, Footnotes) takes the rank of the outermost
# container open where it stands, so "FIRST EPILOGUE" closes "BOOK FIFTEEN" instead of nesting in it.
VOLUME, PART, BOOK, CHAPTER, SECTION = 0, 1, 2, 3, 4
FLOATING = -1

_KEYWORD_RANKS = {
    "volume": VOLUME,
    "vol": VOLUME,
    "part": PART,
    "book": BOOK,
    "act": BOOK,
    "chapter": CHAPTER,
    "chap": CHAPTER,
    "stave": CHAPTER,
    "canto": CHAPTER,
    "letter": CHAPTER,
    "scene": CHAPTER,
}

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS)} | _TENS | {"hundred": 100}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "last": 999,
    "final": 999,
}


def _alternatives(words: Iterable[str]) -> str:
    # Longest first, so "seventeen" is tried before "seven".
    return "|".join(sorted(words, key=len, reverse=True))


_NUMBER_WORD = rf"(?:{_alternatives(_NUMBER_WORDS)})"
_NUMBER = rf"(?:\d{{1,6}}|[ivxlcdm]{{1,8}}|{_NUMBER_WORD}(?:[- ]{_NUMBER_WORD})*|the\s+(?:{_alternatives(_ORDINALS)}))"
_KEYWORD = rf"(?:{_alternatives(_KEYWORD_RANKS)})\.?"
_NAMED = (
    r"introduction|preface|foreword|prologue|epilogue|afterword|appendix|footnotes|endnotes|notes"
    r"|acknowledge?ments|glossary|bibliography|dedication|postscript|conclusion|translator[’']?s note"
)

_KEYWORD_FIRST = re.compile(rf"(?P<kw>{_KEYWORD})\s+(?P<num>{_NUMBER})\b(?P<rest>.*)", re.IGNORECASE)
_ORDINAL_FIRST = re.compile(rf"(?P<num>{_alternatives(_ORDINALS)})\s+(?P<kw>{_KEYWORD})(?P<rest>.*)", re.I)
_NAMED_LINE = re.compile(
    rf"(?:(?P<num>{_alternatives(_ORDINALS)})\s+)?(?P<name>{_NAMED})\b(?P<rest>.*)", re.I
)
_NUMBERED = re.compile(r"(?P<num>\d{1,3}|[IVXLC]{1,7})(?:[.)]\s+(?P<title>\S.*)|\.?)")
_MARKDOWN = re.compile(r"(?P<hashes>#{1,6})\s+(?P<title>.+?)(?:\s+#+)?\s*")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.IGNORECASE)
# A trailing footnote marker is not part of a title's shape.
_MARKER = re.compile(r"\s*(?:\[\d{1,3}\]|\*+)$")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH},?\s+\d{{4}})",
    re.IGNORECASE,
)
_CONTENTS = re.compile(r"(?:table\s+of\s+)?contents\.?:?", re.IGNORECASE)
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to upon via vs with".split()
)
_OPENERS = "\"'“‘([«"
_CLOSERS = "\"'”’)]»"


@dataclass(frozen=True, slots=True)
class Shape:
    """What a line looks like: the kind of heading, its rank, its display title and its number if any.

    kind is "keyword" (CHAPTER IV), "named" (Epilogue, Footnotes), "markdown", "numbered" (3. Title, or a
    bare numeral), or "title" (a short title-like line, a heading only if prose follows it).
    """

    kind: str
    rank: int
    title: str
    number: int | None = None
    notes: bool = False  # a Footnotes/Notes/Endnotes heading


def number_value(token: str) -> int | None:
    """The value of a chapter number written as digits, a Roman numeral, words, or "the first"."""
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    if token.startswith("the "):
        return _ORDINALS.get(token[4:].strip())
    if _ROMAN.fullmatch(token):
        values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
        total = 0
        for here, after in zip(token, [*token[1:], ""], strict=True):
            value = values[here]
            total += -value if after and values[after] > value else value
        return total
    words = re.split(r"[- ]+", token)
    if all(word in _NUMBER_WORDS for word in words):
        return sum(_NUMBER_WORDS[word] for word in words)
    return _ORDINALS.get(token)


def _is_roman(word: str) -> bool:
    return bool(word) and bool(_ROMAN.fullmatch(word))


def title_case(text: str) -> str:
    """Title-case a heading written in capitals ("BOOK ONE: 1805" -> "Book One: 1805"); others unchanged.

    Roman numerals stay capitals; small words are lower case except first and after a colon or dash.
    """
    if not any(c.isalpha() for c in text) or text != text.upper():
        return text
    words = text.split(" ")
    out: list[str] = []
    after_break = True
    previous = ""
    for word in words:
        core = word.strip(_OPENERS + _CLOSERS + ".,:;!?—–-")
        if not core:
            out.append(word)
            after_break = after_break or word in {"—", "–", "-", "--"}
            continue
        lead = word[: word.index(core)]
        trail = word[word.index(core) + len(core) :]
        keyword = previous.lower().rstrip(".") in _KEYWORD_RANKS
        if (_is_roman(core) and (keyword or set(core) <= set("IVX"))) or any(c.isdigit() for c in core):
            cased = core
        elif core.lower() in _SMALL_WORDS and not after_break:
            cased = core.lower()
        else:
            cased = "-".join(part.capitalize() for part in core.split("-"))
        out.append(lead + cased + trail)
        after_break = trail.endswith((":", "—", "–", ".")) or word in {"—", "–"}
        previous = core
    return " ".join(out)


def _rest_is_title(rest: str) -> bool:
    """Whether what follows a chapter number can be a title: nothing, or a separator and a capitalised title."""
    if not rest.strip():
        return True
    if rest[0] not in " \t.:—–-":
        return False
    title = rest.strip().lstrip(".:—–- ").strip()
    return not title or title[0].isupper() or title[0].isdigit() or title[0] in _OPENERS


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


def shape_of(line: str) -> Shape | None:
    """The heading shape of one stripped line, or None when it cannot be a heading."""
    if not line or len(line) > 160:
        return None
    markdown = _MARKDOWN.fullmatch(line)
    if markdown:
        level = len(markdown["hashes"])
        return Shape("markdown", level - 1, markdown["title"].strip())
    if line.endswith((",", ";")) or len(line) > 100:
        return _numbered(line)
    keyword = _keyword(line)
    if keyword is not None:
        return keyword
    named = _NAMED_LINE.fullmatch(line)
    if (
        named
        and _capitalised(line)
        and len(line.split()) <= 10
        and not line.endswith((".", "!", "?", ":"))
        and (_rest_is_title(named["rest"]) or is_title_like(line))
    ):
        notes = named["name"].lower() in {"footnotes", "endnotes", "notes"} and not named["rest"].strip()
        return Shape("named", FLOATING, title_case(line), notes=notes)
    return _numbered(line) or (Shape("title", CHAPTER, title_case(line)) if is_title_like(line) else None)


def _keyword(line: str) -> Shape | None:
    """ "CHAPTER IV", "Book One: 1805", "PART THE FIRST", "Second Book": a keyword and a number."""
    for pattern in (_KEYWORD_FIRST, _ORDINAL_FIRST):
        match = pattern.fullmatch(line)
        if not match or not _capitalised(match["kw"]) or line.endswith(("!", "?")):
            continue
        number = match["num"]
        if pattern is _KEYWORD_FIRST and not (_capitalised(number) or number[0].isdigit()):
            continue  # "Book one of the set" is a sentence
        if _rest_is_title(match["rest"]):
            rank = _KEYWORD_RANKS[match["kw"].lower().rstrip(".")]
            # "CHAPTER I. The Title": the shouted label is cased like the title after it.
            label = line[: match.start("rest")]
            title = title_case(line) if line.isupper() else title_case(label) + match["rest"]
            return Shape("keyword", rank, title, number_value(number))
    return None


def _numbered(line: str) -> Shape | None:
    match = _NUMBERED.fullmatch(line)
    if not match:
        return None
    title = match["title"]
    number = number_value(match["num"])
    if title is not None:
        bare = _MARKER.sub("", title)
        if len(bare.split()) > 20 or bare.endswith((".", ",", ";", ":")):
            return None
        if not (bare[0].isupper() or bare[0].isdigit() or bare[0] in _OPENERS):
            return None
    return Shape("numbered", SECTION, title_case(line), number)


def is_title_like(line: str) -> bool:
    """A short line in title case or capitals, without the end of a sentence: "Note for TIA Readers"."""
    bare = _MARKER.sub("", line).strip()
    words = bare.split()
    if not words or len(words) > 12 or len(bare) > 100:
        return False
    first = bare.lstrip(_OPENERS)
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    if bare.endswith((".", ",", ";", ":", "!", "?", "-", "–", "—")):
        return False
    if bare[0] in _OPENERS and bare[-1] in _CLOSERS:
        return False  # a line of dialogue
    if _DATE.fullmatch(bare.rstrip(".")) or "@" in bare or "://" in bare or bare.isdigit():
        return False
    significant = [w.strip(_OPENERS + _CLOSERS) for w in words]
    significant = [w for w in significant if len(w) >= 4 and w.isalpha() and w.lower() not in _SMALL_WORDS]
    if not significant:
        return True
    capitals = sum(1 for w in significant if w[0].isupper())
    return capitals / len(significant) >= 0.75


def is_contents(line: str) -> bool:
    """The heading of a table of contents."""
    return bool(_CONTENTS.fullmatch(line.strip()))


def is_date(line: str) -> bool:
    return bool(_DATE.search(line))


def key_of(line: str) -> str:
    """What a table-of-contents entry and the heading it lists have in common.

    Chapter keywords compare by number ("CHAPTER IV." and "Chapter 4" both give "chapter 4"); other lines
    by their letters and digits, ignoring dot leaders and page numbers.
    """
    line = re.sub(r"(?:\s*\.{2,}\s*|\s{2,})\d+$", "", line.strip())
    match = _KEYWORD_FIRST.fullmatch(line) or _ORDINAL_FIRST.fullmatch(line)
    if match and _rest_is_title(match["rest"]):
        return f"{match['kw'].lower().rstrip('.')} {number_value(match['num'])}"
    markdown = _MARKDOWN.fullmatch(line)
    if markdown:
        line = markdown["title"]
    return " ".join(re.findall(r"\w+", line.casefold()))
