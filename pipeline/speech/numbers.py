"""Digits to the words a narrator says: years, dates, ranges, decades, ordinals, money, percentages, counts.

`say_numbers(text)` rewrites every run of (Unicode) decimal digits in `text` as words and leaves everything
else alone. Number words come from num2words, read the American way ("one hundred seventy", "two thousand
five"); a four-digit number from 1000 to 2099 without a thousands comma is read as a year ("in 1,926 cases"
is a count, "in 1926" a year), so counts from a thousand up should carry their comma in the manuscript.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "(?P<month>" + "|".join(MONTHS) + ")"

# Longer than this without grouping commas, a digit string is an identifier (a phone or catalogue number),
# read digit by digit rather than as "four quadrillion...".
_LONGEST_AMOUNT = 15

_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}


def _american(words: str) -> str:
    # num2words says "one hundred and seventy"; an American narrator (and "two thousand five") drops the "and".
    return words.replace(" and ", " ").replace(",", "")


_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\Z")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int | None:
    """ "XIV" -> 14; None when `numeral` is not a well-formed Roman numeral."""
    if not numeral or not _ROMAN.match(numeral):
        return None
    values = [_ROMAN_VALUES[ch] for ch in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))


@functools.cache
def _num2words() -> Callable[..., str]:
    # Loaded when a number is first said, not with this module: num2words imports every language it
    # knows, which takes longer than a rebuild of a paragraph without digits.
    from num2words import num2words

    return num2words


def cardinal(n: int) -> str:
    """12 -> "twelve", 850000 -> "eight hundred fifty thousand"."""
    return _american(_num2words()(n))


def ordinal(n: int) -> str:
    """28 -> "twenty-eighth"."""
    return _american(_num2words()(n, to="ordinal"))


def year(n: int) -> str:
    """1926 -> "nineteen twenty-six", 1900 -> "nineteen hundred", 2005 -> "two thousand five"."""
    return _american(_num2words()(n, to="year"))


def digits(text: str) -> str:
    """Digit by digit: "007" -> "zero zero seven"."""
    return " ".join(cardinal(int(d)) for d in text)


def amount(text: str) -> str:
    """A written count as words: "5,000" -> "five thousand", "3.25" -> "three point two five", "007" -> digits."""
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", "")
    if len(whole) > _LONGEST_AMOUNT or (len(whole) > 1 and whole.startswith("0")):
        said = digits(whole)
    else:
        said = cardinal(int(whole))
    if fraction:
        said += " point " + digits(fraction)
    return said


def _plural(words: str) -> str:
    # "nineteen thirty" -> "nineteen thirties", "nineteen hundred" -> "nineteen hundreds"
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _range_tail(start: int, tail: str) -> str:
    """The second year of "1926–27" or "1806 - 07": said as the end of the full year ("twenty-seven", "oh-seven")."""
    if len(tail) == 4:
        return year(int(tail))
    end = start // 100 * 100 + int(tail)
    if tail == "00":
        return year(end)
    return year(end).split(" ", 1)[-1]


# A number with its thousands commas and an optional decimal part; NUM never starts inside another number.
_NUM = r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|,\d)|(?<![\d.,])\d+(?:\.\d+)?(?!\d|,\d{3})"
_SCALE = r"(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?"


def _iso_date(m: re.Match[str]) -> str:
    y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return " to ".join(amount(x) for x in (m["y"], m["mo"], m["d"]))
    return f"{MONTHS[mo - 1]} {ordinal(d)}, {year(y)}"


def _month_day(m: re.Match[str]) -> str:
    said = f"{m['month']} {ordinal(int(m['day']))}"
    if m["year"]:
        said += f"{m['sep']}{year(int(m['year']))}"
    return said


def _day_month(m: re.Match[str]) -> str:
    the = m["the"] or "the "  # "On the 24th of February": the text's own "the", not a second one
    said = f"{the}{ordinal(int(m['day']))} of {m['month']}"
    if m["year"]:
        said += f", {year(int(m['year']))}"
    return said


def _money(m: re.Match[str]) -> str:
    one, many, cent, cents = _CURRENCIES[m["sign"]]
    value = m["value"]
    if m["scale"]:
        return f"{amount(value)} {m['scale']} {many}"
    whole, _, fraction = value.partition(".")
    units = int(whole.replace(",", ""))
    said = f"{amount(whole)} {one if units == 1 else many}"
    if fraction and len(fraction) == 2 and int(fraction):
        said += f" and {cardinal(int(fraction))} {cent if int(fraction) == 1 else cents}"
    elif fraction and len(fraction) != 2:
        said = f"{amount(value)} {many}"
    return said


def _range(m: re.Match[str]) -> str:
    first, second = m["first"], m["second"]
    if len(first) == 4 and 1000 <= int(first) <= 2099 and len(second) in (2, 4):
        return f"{year(int(first))} to {_range_tail(int(first), second)}"
    return f"{amount(first)} to {amount(second)}"


def _time(m: re.Match[str]) -> str:
    hour, minute = int(m["h"]), int(m["m"])
    if minute == 0:
        return f"{cardinal(hour)} o'clock"
    if minute < 10:
        return f"{cardinal(hour)} oh {cardinal(minute)}"
    return f"{cardinal(hour)} {cardinal(minute)}"


def _fraction(m: re.Match[str]) -> str:
    top, bottom = int(m["top"]), int(m["bottom"])
    if bottom == 0:
        return f"{cardinal(top)} over zero"
    name = {2: "half", 4: "quarter"}.get(bottom) or ordinal(bottom)
    if top != 1:
        name = "halves" if bottom == 2 else name + "s"
    return f"{cardinal(top)} {name}"


def _plain(m: re.Match[str]) -> str:
    text = m[0]
    if len(text) == 4 and text.isdecimal() and 1000 <= int(text) <= 2099:
        return year(int(text))
    return amount(text)


# Order matters: each rule consumes its digits before a more general rule can read them another way.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?![\d-])"), _iso_date),
    (
        re.compile(
            rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?(?![\w%]|[,.:]\d)"
            r"(?:(?P<sep>,?\s+)(?P<year>\d{4})(?!\d|[,.]\d))?"
        ),
        _month_day,
    ),
    (
        re.compile(
            rf"(?P<the>\b[Tt]he\s+)?(?<![\d,.])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b"
            r"(?:,?\s+(?P<year>\d{4})(?!\d|[,.]\d))?"
        ),
        _day_month,
    ),
    (re.compile(rf"(?P<sign>[$£€])\s?(?P<value>{_NUM}){_SCALE}"), _money),
    (
        re.compile(r"(?<![\d,.])(?P<first>\d{1,4})(?:\s*[–—]\s*|-|\s+-\s+)(?P<second>\d{1,4})(?!\d|[,.]\d)"),
        _range,
    ),
    (re.compile(r"(?<![\d.,])(?P<d>\d{3}0)['’]?s\b"), lambda m: _plural(year(int(m["d"])))),
    (re.compile(r"(?<![\w.,])['’]?(?P<d>\d0)['’]?s\b"), lambda m: _plural(cardinal(int(m["d"])))),
    (re.compile(r"(?<![\d.,])(?P<n>\d+)(?:st|nd|rd|th|ST|ND|RD|TH)\b"), lambda m: ordinal(int(m["n"]))),
    (re.compile(rf"(?P<n>{_NUM})\s?%"), lambda m: f"{amount(m['n'])} percent"),
    (re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-4]):(?P<m>[0-5]\d)(?![\d:])"), _time),
    (re.compile(r"(?<![\d/.,])(?P<top>\d{1,3})/(?P<bottom>\d{1,3})(?![\d/]|[.,]\d)"), _fraction),
    (re.compile(r"(?<![\w.,])\.(?P<d>\d+)"), lambda m: "point " + digits(m["d"])),
    (re.compile(_NUM), _plain),
    (re.compile(r"\d+"), lambda m: amount(m[0])),  # what the rules above left: stray digits, odd punctuation
)


def _apart(m: re.Match[str], words: str) -> str:
    """Words replacing digits glued to letters ("A4", "x2") get spaces so they are read as words."""
    text = m.string
    before = " " if m.start() > 0 and text[m.start() - 1].isalnum() else ""
    after = " " if m.end() < len(text) and text[m.end()].isalnum() else ""
    return f"{before}{words}{after}"


def say_numbers(text: str) -> str:
    """Every run of digits in `text` as words; the rest of `text` unchanged."""
    for pattern, say in _RULES:
        text = pattern.sub(lambda m, say=say: _apart(m, say(m)), text)
    return text
