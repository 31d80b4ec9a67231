"""What is still left to eSpeak NG's guessing in a book's spoken text: a measurement, not a test (`make eval-text`).

For each book (the first book, and War and Peace from ../shared/corpus when it is there) it narrates the
book exactly as a build does and counts, in the pieces read by the book's (English) voice, outside chapter
titles:

- roman: Roman numerals (two letters or more, or a lone I/V/X after a monarch's name) eSpeak would read
  as letters or as "roman sixteen";
- caps: words in capitals that are not acronyms (acronyms such as GPU and USSR are the lexicon's to say);
- abbreviations: a word of up to five letters with a full stop followed by a lower-case word (the stop is
  not a sentence end, so it is an abbreviation left as written), and forms of address left with their stop;
- digits: any digit (numbers should be words by now);
- foreign: passages a translator's note glosses ("*" right after them) that the English voice reads, and
  English pieces that the language identifier alone, with no other rule, holds to be French, German,
  Latin, Italian or Spanish at 0.9 or more (a check independent of the rules that cut the pieces).

`--examples N` prints N examples of each kind. Run it with another checkout's Python to compare before and
after: it uses only `pipeline.text.source`, `pipeline.speech.narration` and each line's `pieces` if any.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_BOOK = ROOT / "script"
WAR_AND_PEACE = ROOT.parent / "shared" / "corpus" / "war-and-peace.txt"

_MARKUP = re.compile(r"\[\[.*?\]\]")
_ROMAN = re.compile(r"\b(?=[MDCLXVI]{2,}\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})\b")
_REGNAL_LONE = re.compile(
    r"\b(?:Louis|Henry|Charles|Alexander|Peter|Paul|Catherine|Nicholas|Napoleon|Pius)\s+[IVX]\b"
)
_CAPS = re.compile(r"\b[A-Z]{2,}\b")
# Two to five letters and a stop before a lower-case word (an initial, one capital, is read as its letter; a
# list's "(2)" is read "two." and is not an abbreviation).
_ABBREVIATION = re.compile(
    r"\b(?:[A-Za-z][a-z]{1,4})\.(?=\s+[a-z])(?!\s+(?:one|two|three|four|five|six|seven|eight|nine|ten)\b)"
    r"|\b(?:Mme|Mlle|MM|Messrs|p\.m|a\.m)\b\.?"
)
_DIGIT = re.compile(r"\d")
_GLOSSED = re.compile(r"([^\"“”*;.!?]{6,}?)[\"”]?\s*\*(?:\(\d+\))?")
LANGUAGES = ["en", "fr", "de", "la", "it", "es"]


def _word_like(word: str) -> bool:
    vowels = sum(ch in "AEIOUY" for ch in word[1:]) + (word[0] in "AEIOU")
    return len(word) >= 4 and vowels >= 2


def english_pieces(line, book: str) -> list[str]:
    pieces = getattr(line, "pieces", ()) or ()
    if not pieces:
        return [line.spoken]
    return [p.text for p in pieces if p.language == book]


def identifier():
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    found = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found.set_languages(LANGUAGES)
    return found


def evaluate(source: Path, *, examples: int) -> Counter:
    from pipeline.speech.lexicon import Lexicon
    from pipeline.speech.narration import narrate
    from pipeline.text import source as sources

    loaded = sources.load(source)
    book = loaded.book.metadata.language or "en"
    # The lexicon a build from the project folder uses (pronunciations.yaml beside the book, else the project's).
    project_lexicon = ROOT / "pronunciations.yaml"
    lexicon_file = sources.lexicon_path(source, None) if (source / "pronunciations.yaml").is_file() else None
    lexicon_file = lexicon_file or (project_lexicon if project_lexicon.is_file() else None)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    scripts = narrate(loaded.book, lexicon=lexicon, notation="espeak")
    ident = identifier()
    counts: Counter = Counter()
    seen: dict[str, list[str]] = {}

    def found(kind: str, what: str) -> None:
        counts[kind] += 1
        if len(seen.setdefault(kind, [])) < examples:
            seen[kind].append(what)

    for script in scripts:
        for i, line in enumerate(script.lines):
            if i == 0 and line.written == script.title:
                continue  # a chapter title: its numerals are read by the heading rules
            english = english_pieces(line, book)
            for text in english:
                plain = _MARKUP.sub("Q", text)  # a lexicon entry: a name said by its phonemes (one letter)
                for m in [*_ROMAN.finditer(plain), *_REGNAL_LONE.finditer(plain)]:
                    found("roman", m[0] + "  <- " + plain[max(0, m.start() - 40) : m.end() + 20])
                for m in _CAPS.finditer(plain):
                    if (
                        _word_like(m[0])
                        and _ROMAN.fullmatch(m[0]) is None
                        and any(c.islower() for c in plain)
                    ):
                        found("caps", m[0] + "  <- " + plain[max(0, m.start() - 40) : m.end() + 20])
                for m in _ABBREVIATION.finditer(plain):
                    found("abbreviations", m[0] + "  <- " + plain[max(0, m.start() - 40) : m.end() + 20])
                for m in _DIGIT.finditer(plain):
                    found("digits", plain[max(0, m.start() - 40) : m.end() + 20])
                if ident is not None and len(plain.split()) >= 3:
                    language, probability = ident.classify(plain)
                    if language != "en" and probability >= 0.9:
                        found("foreign (identifier alone)", f"{language} {probability:.2f}: {plain[:100]}")
            # A passage a translator's note glosses is in another language: is it in an English piece?
            for m in _GLOSSED.finditer(line.written):
                passage = " ".join(m[1].split()[-3:])
                said = " ".join(english)
                if passage and passage.lower().strip(" ,") in said.lower():
                    found("foreign (glossed by a note, read in English)", m[1].strip()[-80:])
    counts["lines"] = sum(len(s.lines) for s in scripts)
    counts["foreign pieces"] = sum(
        1
        for s in scripts
        for line in s.lines
        for p in (getattr(line, "pieces", ()) or ())
        if p.language != book
    )
    for kind, items in seen.items():
        for item in items:
            print(f"    {kind}: {item}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=0, help="print this many examples of each kind")
    parser.add_argument(
        "books", nargs="*", type=Path, help="manuscripts (default: the first book and War and Peace)"
    )
    args = parser.parse_args()
    books = args.books or [FIRST_BOOK, *([WAR_AND_PEACE] if WAR_AND_PEACE.is_file() else [])]
    kinds = (
        "roman",
        "caps",
        "abbreviations",
        "digits",
        "foreign (glossed by a note, read in English)",
        "foreign (identifier alone)",
    )
    for book in books:
        started = time.perf_counter()
        print(f"== {book}")
        counts = evaluate(book, examples=args.examples)
        for kind in kinds:
            print(f"  {kind:48} {counts[kind]:6}")
        print(f"  {'lines':48} {counts['lines']:6}")
        print(f"  {'pieces in another language':48} {counts['foreign pieces']:6}")
        print(f"  ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
