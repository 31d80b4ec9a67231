"""Translator's notes: a paragraph that glosses a passage just before it, marked "*" or "*(2)".

Old translations (the Maude War and Peace among them) set each note as its own paragraph after the paragraph
that holds the marker: `"Vous comptez vous faire des rentes sur l'etat; * you want..."` and then
`* You expect to make an income out of the government.` Read where it stands, the note would sound as if a
character said it. So it is read right after the sentence with its marker, once, with a cue ("Translator's
note: ..."), and the markers themselves are never spoken. A note whose marker cannot be found is still read
with the cue, where it stands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CUE = "Translator's note"
_NOTE = re.compile(r"\A\s*\*\s*(?:\(\s*(?P<number>\d{1,2})\s*\))?\s*(?=\S)")
_MARK = re.compile(r"\*\s?(?:\((?P<number>\d{1,2})\))?")
_LOOK_BACK = 6  # paragraphs: a note follows its passage closely (other notes and a line or two between)


@dataclass(frozen=True, slots=True)
class Note:
    paragraph: int  # index of the note's own paragraph
    number: int  # 1 for "*", 2 for "*(2)", ...
    text: str  # the note without its marker


def note(text: str) -> tuple[int, str] | None:
    """(number, text without the marker) if the paragraph `text` is a translator's note, else None."""
    m = _NOTE.match(text)
    if m is None or not any(ch.isalpha() for ch in text[m.end() :]):
        return None
    return int(m["number"] or 1), text[m.end() :].strip()


def markers(text: str) -> list[tuple[int, int]]:
    """(position, number) of each note marker in a paragraph of running text."""
    return [(m.start(), int(m["number"] or 1)) for m in _MARK.finditer(text)]


def attach(paragraphs: Sequence[str]) -> dict[int, list[Note]]:
    """The notes among `paragraphs`, keyed by the paragraph that holds each one's marker (-1: no marker found,
    read in place). A note goes to the nearest paragraph before it with an unclaimed marker of its number."""
    claimed: set[tuple[int, int]] = set()
    found: dict[int, list[Note]] = {}
    for index, text in enumerate(paragraphs):
        parsed = note(text)
        if parsed is None:
            continue
        number, body = parsed
        owner = -1
        for back in range(index - 1, max(-1, index - 1 - _LOOK_BACK), -1):
            if note(paragraphs[back]) is not None:
                continue
            if (back, number) not in claimed and any(n == number for _, n in markers(paragraphs[back])):
                owner = back
                claimed.add((back, number))
                break
        found.setdefault(owner, []).append(Note(index, number, body))
    return found
