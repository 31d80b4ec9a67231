"""A generated, deterministic catalogue of books for the batch tests and benchmark.

Each book is made from its number alone (a seeded random.Random): 1,000 to 5,000 words (the benchmark; the
tests ask for short books) in chapters, with
names (some from a small shared lexicon), numbers, years, dates, amounts and dialogue. Half the books are
manuscript folders with a book.yaml, half are single .txt files with a title page; `edition=2` changes a
given share of the sentences (one word each), so a second edition can be measured for reuse.
"""

from __future__ import annotations

import random
from pathlib import Path

FIRST = [
    "Anna",
    "Boris",
    "Clara",
    "Dmitri",
    "Elena",
    "Fyodor",
    "Galina",
    "Ivan",
    "Katya",
    "Lev",
    "Marta",
    "Nikolai",
    "Olga",
    "Pavel",
    "Rosa",
    "Sergei",
    "Tamara",
    "Viktor",
    "Yelena",
    "Zoya",
]
LAST = [
    "Zinoviev",
    "Kamenev",
    "Nikolaiev",
    "Ordzhonikidze",
    "Yagoda",
    "Kirov",
    "Bukharin",
    "Radek",
    "Pyatakov",
    "Smirnov",
    "Orlova",
    "Petrova",
    "Volkov",
    "Morozov",
    "Lebedev",
    "Sokolova",
    "Kuznetsov",
    "Popova",
]
PLACES = ["Leningrad", "Moscow", "Kharkov", "Tiflis", "the Volga", "Odessa", "Sverdlovsk", "the Urals"]
NOUNS = [
    "river",
    "letter",
    "train",
    "factory",
    "committee",
    "winter",
    "bridge",
    "newspaper",
    "station",
    "garden",
    "meeting",
    "harvest",
    "office",
    "window",
    "road",
    "village",
    "teacher",
    "doctor",
    "lamp",
    "question",
]
VERBS = [
    "watched",
    "wrote",
    "carried",
    "remembered",
    "opened",
    "crossed",
    "answered",
    "signed",
    "found",
    "followed",
    "described",
    "mended",
    "waited for",
    "read",
    "sold",
    "built",
]
ADJS = [
    "old",
    "cold",
    "quiet",
    "narrow",
    "long",
    "bright",
    "heavy",
    "distant",
    "small",
    "new",
    "grey",
    "careful",
]
ADVS = ["slowly", "at last", "again", "in the evening", "every morning", "without a word", "before dawn"]
MONTHS = [
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
]
SAID = ["said", "asked", "replied", "whispered", "called"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _number_phrase(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"in {rng.randrange(1890, 1960)}"
    if kind == 1:
        return f"on {rng.choice(MONTHS)} {rng.randrange(1, 29)}, {rng.randrange(1900, 1950)}"
    if kind == 2:
        return f"for {rng.randrange(2, 9000):,} roubles"
    if kind == 3:
        return f"with {rng.randrange(2, 99)}% of the vote"
    return f"{rng.randrange(2, 40)} times"


def _sentence(rng: random.Random) -> str:
    shape = rng.randrange(6)
    subject = _name(rng) if rng.random() < 0.4 else f"the {rng.choice(ADJS)} {rng.choice(NOUNS)}"
    subject = subject[0].upper() + subject[1:]
    obj = f"the {rng.choice(ADJS)} {rng.choice(NOUNS)}"
    if shape == 0:
        return f"{subject} {rng.choice(VERBS)} {obj} {rng.choice(ADVS)}."
    if shape == 1:
        return f"{subject} {rng.choice(VERBS)} {obj} {_number_phrase(rng)}, near {rng.choice(PLACES)}."
    if shape == 2:
        return f"\u201c{obj.capitalize()} is {rng.choice(ADJS)},\u201d {rng.choice(SAID)} {_name(rng)}."
    if shape == 3:
        return f"\u201cWhere is {obj}?\u201d {rng.choice(SAID)} {_name(rng)}, and nobody answered."
    if shape == 4:
        return f"By {rng.choice(MONTHS)} the {rng.choice(NOUNS)} had {rng.choice(VERBS)} {obj} {_number_phrase(rng)}."
    return f"{subject} was {rng.choice(ADJS)}; {rng.choice(ADVS)}, {obj} {rng.choice(VERBS)} {_name(rng)}."


WORDS = (1000, 5000)  # the benchmark's books; tests pass a smaller range


def book_text(
    number: int, *, edition: int = 1, changed: float = 0.01, words: tuple[int, int] = WORDS
) -> tuple[str, str, list[list[list[str]]]]:
    """(title, author, chapters) for book `number`: chapters of paragraphs of sentences."""
    rng = random.Random(f"book-{number}")
    title = f"The {rng.choice(ADJS).capitalize()} {rng.choice(NOUNS).capitalize()} of {rng.choice(PLACES).replace('the ', '').title()} {number}"
    author = _name(rng)
    words_wanted = rng.randrange(words[0], words[1] + 1)
    small = words[1] < 1000  # short books: short chapters, so they still have several
    chapters: list[list[list[str]]] = []
    count = 0
    while count < words_wanted:
        chapter = []
        for _ in range(rng.randrange(1, 3) if small else rng.randrange(3, 9)):
            paragraph = [_sentence(rng) for _ in range(rng.randrange(2, 4) if small else rng.randrange(2, 7))]
            count += sum(len(s.split()) for s in paragraph)
            chapter.append(paragraph)
            if count >= words_wanted:
                break
        chapters.append(chapter)
    if edition > 1:
        edit = random.Random(f"book-{number}-edition-{edition}")
        for chapter in chapters:
            for paragraph in chapter:
                for i, sentence in enumerate(paragraph):
                    if edit.random() < changed:
                        paragraph[i] = (
                            sentence.replace(" the ", " that ", 1)
                            if " the " in sentence
                            else "Indeed, " + sentence
                        )
    return title, author, chapters


def write_book(
    folder: Path, number: int, *, edition: int = 1, changed: float = 0.01, words: tuple[int, int] = WORDS
) -> Path:
    """Write book `number` under `folder`: a manuscript folder (even numbers) or a .txt file (odd)."""
    title, author, chapters = book_text(number, edition=edition, changed=changed, words=words)
    body = "".join(
        f"CHAPTER {n}\n\n" + "".join(" ".join(p) + "\n\n" for p in chapter)
        for n, chapter in enumerate(chapters, 1)
    )
    if number % 2 == 0:
        book = folder / f"book-{number:04d}"
        book.mkdir(parents=True, exist_ok=True)
        (book / "book.yaml").write_text(f'title: {title}\nauthor: {author}\nyear: "{1900 + number % 60}"\n')
        (book / "text.txt").write_text(body)
        return book
    path = folder / f"book-{number:04d}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\nby {author}\n\n{body}")
    return path


def write_catalogue(
    folder: Path,
    count: int,
    *,
    start: int = 1,
    edition: int = 1,
    changed: float = 0.01,
    words: tuple[int, int] = WORDS,
) -> list[Path]:
    return [
        write_book(folder, n, edition=edition, changed=changed, words=words)
        for n in range(start, start + count)
    ]
