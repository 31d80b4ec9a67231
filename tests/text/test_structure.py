"""Chapter detection: the first book, War and Peace, and one small generated text for each layout we read."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.model import ChapterKind
from pipeline.text.headings import shape_of, title_case
from pipeline.text.manuscript import read_text
from pipeline.text.overrides import ChapterOverrides
from pipeline.text.structure import DetectedText, detect_chapters
from tests.conftest import ROOT, SHARED

WORD = re.compile(r"\w+(?:['’]\w+)*")


def words(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in WORD.findall(text))


def assert_no_text_lost(text: str, found: DetectedText) -> None:
    """Every word of `text` is in exactly one place: a spoken chapter title, a paragraph, or `dropped`."""
    placed: Counter[str] = Counter()
    previous: list[str] = []
    for chapter in found.chapters:
        parts = chapter.title.split(" — ")
        if chapter.speak_title:  # a title that is not spoken ("Opening Credits") is not from the text
            for k, part in enumerate(parts):
                # A container heading (BOOK ONE) is written once but prefixes each of its chapters' titles.
                if k == len(parts) - 1 or previous[k : k + 1] != [part]:
                    placed.update(words(part))
        previous = parts
        for paragraph in chapter.paragraphs:
            placed.update(words(paragraph.text))
    for dropped in found.dropped:
        placed.update(words(dropped.text))
    expected = words(text)
    assert expected - placed == Counter(), "words lost"
    assert placed - expected == Counter(), "words read twice"


def detect(text: str, **options: object) -> DetectedText:
    found = detect_chapters(text, path=Path("book.txt"), **options)  # type: ignore[arg-type]
    assert_no_text_lost(text, found)
    return found


def titles(found: DetectedText) -> list[str]:
    return [c.title for c in found.chapters]


def texts(found: DetectedText, index: int) -> list[str]:
    return [p.text for p in found.chapters[index].paragraphs]


PROSE = "It was a long day and the road was dusty, but they went on without a word between them."

# --- The first book -------------------------------------------------------------------------------------

FIRST_BOOK = [  # title, heading line, words, kind
    ("Opening Credits", 1, 52, ChapterKind.OPENING),
    ("Introduction to 1956 Pioneer Edition", 16, 191, ChapterKind.BODY),
    ("Note for TIA Readers", 29, 290, ChapterKind.BODY),
    ("1. A Grandiose “Amalgam”", 44, 614, ChapterKind.BODY),
    ("2. Are Zinoviev and Kamenev Terrorists?", 55, 654, ChapterKind.BODY),
    ("3. Was the Purpose to Restore Capitalism?", 68, 330, ChapterKind.BODY),
    ("4. Nikolaiev’s Crime Is No Accidental Event", 75, 404, ChapterKind.BODY),
    (
        "5. Socialism Has Not Yet Been Built; the Roots of the Classes Have Not Yet Been Extirpated",
        84,
        577,
        ChapterKind.BODY,
    ),
    ("6. The Dual Role of the Bureaucracy", 93, 608, ChapterKind.BODY),
    ("7. The Two Series of Difficulties", 106, 270, ChapterKind.BODY),
    ("8. Individual Terrorism, a Product of Bureaucratic Decay", 113, 831, ChapterKind.BODY),
    ("9. Marxism, Terrorism and Bureaucracy", 126, 537, ChapterKind.BODY),
    ("10. Bureaucratic Centrism, the Cause of the Collapse of the CI", 141, 694, ChapterKind.BODY),
    (
        "11. The World-Wide Growth of Genuine Leninism is a Dreadful Danger to Stalin",
        154,
        669,
        ChapterKind.BODY,
    ),
    ("12. The Inevitability of New Amalgams Had Been Foretold", 167, 796, ChapterKind.BODY),
    ("13. Several Conclusions", 180, 771, ChapterKind.BODY),
    ("The Indictment", 196, 2303, ChapterKind.BODY),
    ("Footnotes", 234, 266, ChapterKind.FOOTNOTES),
]


@pytest.fixture
def first_book() -> tuple[Path, str, DetectedText]:
    """The first book exactly as handed over (script/ may since have been edited)."""
    path = SHARED / "first-book" / "on-the-kirov-assassination.txt"
    if not path.is_file():
        pytest.skip("../shared/first-book is not here (a user's clone has none)")
    text = read_text(path)
    return path, text, detect_chapters(text, path=path)


def test_first_book_chapters_titles_lines_words_and_kinds(first_book) -> None:
    path, text, found = first_book
    assert [(c.title, c.where.line, c.words, c.kind) for c in found.chapters] == FIRST_BOOK
    assert all(c.where.path == path for c in found.chapters)
    assert [c.speak_title for c in found.chapters] == [False] + [True] * 17
    assert_no_text_lost(text, found)


def test_first_book_keeps_front_matter_datelines_signatures_and_the_articles_title(first_book) -> None:
    _, _, found = first_book
    assert texts(found, 0) == [
        "Leon Trotsky",
        "On the Kirov Assassination",
        "(December 1934)",
        "Written: December 1934.",
        "First Printing: February 1935.",
        "Source: TIA version based on a 1956 version published without copyright by Pioneer Publishers, "
        "New York as an installment of the Pioneer Pocket Library.",
        "Translation: John G. Wright.",
        "Transcription/Mark-up for TIA: A. Lehrer/David Walters.",
    ]
    assert [p.where.line for p in found.chapters[0].paragraphs] == [1, 3, 5, 8, 9, 10, 11, 12]
    assert texts(found, 1)[-1] == "May 1, 1956"
    assert texts(found, 2)[-1] == "A.L."
    assert texts(found, 3)[:2] == [
        "The Stalinist Bureaucracy and the Assassination of Kirov",
        "A Reply to Friends in America [1]",
    ]
    assert [p.where.line for p in found.chapters[3].paragraphs[:3]] == [38, 41, 46]
    assert texts(found, 15)[-2:] == ["LEON TROTSKY", "December 28, 1934"]
    assert texts(found, 16)[-2:] == ["LEON TROTSKY", "December 30, 1934"]


def test_first_book_footnotes_stray_line_and_trailer(first_book) -> None:
    _, _, found = first_book
    notes = texts(found, 17)
    assert [n[:3] for n in notes[:4]] == ["1. ", "2. ", "3. ", "4. "]
    assert notes[4] == "return return return return return"  # manuscript text: the editor removes it
    assert [(d.text, d.where.line, d.reason) for d in found.dropped] == [
        ("Last updated on: 14 November 2014", 247, "web-page trailer")
    ]
    assert found.guessed.title == "On the Kirov Assassination"
    assert found.guessed.author == "Leon Trotsky"
    assert found.guessed.translator == "John G. Wright"
    assert found.guessed.year == "1934"


def test_the_manuscript_in_script_still_gives_the_same_chapters() -> None:
    path = ROOT / "script" / "on-the-kirov-assassination.txt"
    if not path.is_file():
        pytest.skip("no manuscript in script/")
    text = read_text(path)
    found = detect(text)
    assert titles(found) == [title for title, *_ in FIRST_BOOK]


# --- War and Peace ----------------------------------------------------------------------------------------


def test_war_and_peace_has_its_365_chapters_quickly_and_loses_no_word() -> None:
    path = SHARED / "corpus" / "war-and-peace.txt"
    if not path.is_file():
        pytest.skip("../shared/corpus is not here (a user's clone has none)")
    text = read_text(path)
    started = time.perf_counter()
    found = detect_chapters(text, path=path)
    elapsed = time.perf_counter() - started
    assert (
        elapsed < 60
    )  # about 0.5 s on a quiet machine: a guard against work that grows faster than the text
    body = list(found.chapters)
    assert len(body) == 365
    assert {c.kind for c in body} == {ChapterKind.BODY}
    # The title page is no chapter of its own: it opens the first, which reads its headings in their place.
    assert body[0].title == "Book One: 1805 — Chapter I"
    assert body[0].where.line == 806
    assert [c.speak_title for c in body[:3]] == [False, True, True]
    assert [(p.text, p.where.line) for p in body[0].paragraphs[:5]] == [
        ("An Anonymous Volunteer, and David Widger", 25),
        ("WAR AND PEACE", 31),
        ("By Leo Tolstoy/Tolstoi", 33),
        ("Book One: 1805", 801),
        ("Chapter I", 806),
    ]
    assert (
        body[0].paragraphs[5].text.startswith('"Well, Prince, so Genoa and Lucca are now just family estates')
    )
    assert body[28].title == "Book Two: 1805 — Chapter I"
    assert body[-28].title == "First Epilogue: 1813 - 20 — Chapter I"
    assert body[-1].title == "Second Epilogue — Chapter XII"
    books = Counter(c.title.split(" — ")[0] for c in body)
    assert len(books) == 17 and books["Book One: 1805"] == 28 and books["Second Epilogue"] == 12
    assert [d.reason.split(" (")[0] for d in found.dropped] == [
        "Project Gutenberg header",
        "table of contents",
        "Project Gutenberg footer and licence",
    ]
    assert found.dropped[1].where.line == 35
    assert found.guessed.title == "War and Peace"
    assert found.guessed.author == "Leo Tolstoy"
    assert found.guessed.translator == "Louise and Aylmer Maude"
    assert_no_text_lost(text, found)


# --- Generated shapes -------------------------------------------------------------------------------------


def test_chapter_keywords_roman_arabic_and_with_a_title() -> None:
    text = (
        f"The Little Book\n\nby Jane Doe\n\n\n\nCHAPTER I. The Title\n\n{PROSE}\n\nThen it stopped.\n\n\n"
        f"Chapter 2\n\n{PROSE}\n\n\nCHAPTER IV\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == ["Chapter I. The Title", "Chapter 2", "Chapter IV"]
    assert texts(found, 0) == [
        "The Little Book",
        "by Jane Doe",
        "Chapter I. The Title",
        PROSE,
        "Then it stopped.",
    ]
    assert [c.where.line for c in found.chapters] == [7, 14, 19]
    assert (found.guessed.title, found.guessed.author) == ("The Little Book", "Jane Doe")


def test_a_keyword_heading_with_its_title_on_the_next_line_or_its_text_straight_under_it() -> None:
    text = (
        f"CHAPTER ONE\nTHE ARRIVAL\n\n{PROSE}\n\nCHAPTER TWO\n\nThe Departure\n\n{PROSE}\n\n"
        f"CHAPTER THREE\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == ["Chapter One: The Arrival", "Chapter Two: The Departure", "Chapter Three"]
    assert texts(found, 2) == [PROSE]
    assert found.chapters[2].paragraphs[0].where.line == 13


def test_parts_and_books_contain_their_chapters() -> None:
    text = (
        f"PART ONE\n\n\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n\n\nPART TWO\n\nCHAPTER I\n\n{PROSE}\n\n"
        f"EPILOGUE\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == [
        "Part One — Chapter I",
        "Part One — Chapter II",
        "Part Two — Chapter I",
        "Epilogue",
    ]
    assert [c.where.line for c in found.chapters] == [5, 9, 16, 20]


def test_a_shouted_book_heading_with_a_year_and_an_epilogue_holding_chapters() -> None:
    text = (
        f"BOOK ONE: 1805\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n\nBOOK TWO: 1806\n\nCHAPTER I\n\n"
        f"{PROSE}\n\nFIRST EPILOGUE: 1813 - 20\n\nCHAPTER I\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == [
        "Book One: 1805 — Chapter I",
        "Book One: 1805 — Chapter II",
        "Book Two: 1806 — Chapter I",
        "First Epilogue: 1813 - 20 — Chapter I",
    ]


def test_markdown_headings_and_a_single_top_heading_as_the_books_title() -> None:
    text = (
        f"# The Book Title\n\nby A. Writer\n\n## Chapter One\n\n{PROSE}\n\n## Chapter Two\n{PROSE}\n\n"
        f"### A Scene\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == ["Chapter One", "Chapter Two", "A Scene"]
    assert texts(found, 0) == ["The Book Title", "by A. Writer", "Chapter One", PROSE]
    assert texts(found, 1) == [PROSE]
    assert (found.guessed.title, found.guessed.author) == ("The Book Title", "A. Writer")


def test_markdown_top_level_headings_are_chapters_when_there_are_several() -> None:
    found = detect(f"# One\n\n{PROSE}\n\n# Two\n\n{PROSE}\n")
    assert titles(found) == ["One", "Two"]


GUTENBERG = f"""\
The Project Gutenberg EBook of Tiny Tale, by Ann Author

This eBook is for the use of anyone anywhere at no cost and with
almost no restrictions whatsoever.

Title: Tiny Tale

Author: Ann Author

Translator: Tom Translator

Release Date: May 1, 2010 [EBook #99999]

*** START OF THIS PROJECT GUTENBERG EBOOK TINY TALE ***




TINY TALE



CHAPTER I

{PROSE}

CHAPTER II

{PROSE}



End of the Project Gutenberg EBook of Tiny Tale, by Ann Author

*** END OF THIS PROJECT GUTENBERG EBOOK TINY TALE ***

***** This file should be named 99999.txt or 99999.zip *****

*** START: FULL LICENSE ***

THE FULL PROJECT GUTENBERG LICENSE
PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK
"""


def test_a_project_gutenberg_header_licence_and_footer_are_never_read() -> None:
    found = detect(GUTENBERG)
    assert titles(found) == ["Chapter I", "Chapter II"]
    assert texts(found, 0) == ["TINY TALE", "Chapter I", PROSE]
    spoken = " ".join(p.text for c in found.chapters for p in c.paragraphs)
    assert "Gutenberg" not in spoken and "LICENSE" not in spoken
    assert [(d.where.line, d.reason) for d in found.dropped] == [
        (1, "Project Gutenberg header"),
        (33, "Project Gutenberg footer and licence"),
    ]
    assert found.guessed == type(found.guessed)("Tiny Tale", "Ann Author", "Tom Translator", None)


def test_a_table_of_contents_is_not_taken_for_chapters_and_not_read() -> None:
    text = (
        f"A Short Novel\n\nCONTENTS\n\nChapter 1: Arrival\nChapter 2: Departure\n\n\n"
        f"Chapter 1: Arrival\n\n{PROSE}\n\nChapter 2: Departure\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == ["Chapter 1: Arrival", "Chapter 2: Departure"]
    assert texts(found, 0) == ["A Short Novel", "Chapter 1: Arrival", PROSE]
    assert [(d.text, d.where.line) for d in found.dropped] == [
        ("CONTENTS\nChapter 1: Arrival\nChapter 2: Departure", 3)
    ]


def test_a_contents_list_of_plain_titles_without_a_contents_line() -> None:
    text = f"Arrival\n\nDeparture\n\n\n\nArrival\n\n{PROSE}\n\n\nDeparture\n\n{PROSE}\n"
    found = detect(text)
    assert titles(found) == ["Arrival", "Departure"]
    assert [d.reason for d in found.dropped] == ["table of contents (each chapter is read where it begins)"]


def test_a_heading_with_no_text_under_it_stays_a_chapter_that_speaks_its_title() -> None:
    text = f"CHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\nCHAPTER III\n\n{PROSE}\n"
    found = detect(text)
    assert titles(found) == ["Chapter I", "Chapter II", "Chapter III"]
    assert found.chapters[1].paragraphs == () and found.chapters[1].speak_title


def test_numbered_lists_and_numbered_notes_are_not_headings() -> None:
    text = (
        f"Chapter 1\n\nHere is what we need for the long expedition, in order of importance.\n\n"
        f"1. Rope\n\n2. Food\n\n3. Water\n\n{PROSE}\n\nChapter 2\n\n{PROSE} [1]\n\n\nNotes\n\n"
        f"1. A note that is a whole sentence about the road.\n2. Another note, on the same line block.\n"
    )
    found = detect(text)
    assert titles(found) == ["Chapter 1", "Chapter 2", "Notes"]
    assert texts(found, 0)[1:4] == ["1. Rope", "2. Food", "3. Water"]
    assert found.chapters[2].kind is ChapterKind.FOOTNOTES
    assert texts(found, 2) == [
        "1. A note that is a whole sentence about the road.",
        "2. Another note, on the same line block.",
    ]


def test_numbered_sections_in_sequence_with_an_article_title_above_the_first() -> None:
    text = (
        f"Preface\n\n{PROSE}\n\nMay 1, 1956\n\n\nThe Main Article\nand Its Long Title\n\nA Subtitle [1]\n\n\n"
        f"1. The First Part\n\n{PROSE}\n\n\n2. Is This the Second?\n\n{PROSE}\n\nJOHN SMITH\nJune 2, 1934\n\n\n"
        f"Footnotes\n\n1. {PROSE}\n\n2. Short note.\n\nreturn return\n\nLast updated on: 1 May 2014\n"
    )
    found = detect(text)
    assert titles(found) == ["Preface", "1. The First Part", "2. Is This the Second?", "Footnotes"]
    assert texts(found, 0) == [PROSE, "May 1, 1956"]
    assert texts(found, 1) == ["The Main Article and Its Long Title", "A Subtitle [1]", PROSE]
    assert texts(found, 2) == [PROSE, "JOHN SMITH", "June 2, 1934"]
    assert texts(found, 3) == [f"1. {PROSE}", "2. Short note.", "return return"]
    assert [(d.text, d.reason) for d in found.dropped] == [
        ("Last updated on: 1 May 2014", "web-page trailer")
    ]


def test_hard_wrapped_prose_joins_and_short_lines_keep_their_own_pause() -> None:
    wrapped = (
        "It was a long day and the road was dusty, but they\nwent on without a word between them, and the"
    )
    text = f"CHAPTER I\n\n{wrapped}\nend came.\n\nRoses are red,\nViolets are blue.\n\n{PROSE}\n"
    found = detect(text)
    assert texts(found, 0) == [
        wrapped.replace("\n", " ") + " end came.",
        "Roses are red,",
        "Violets are blue.",
        PROSE,
    ]
    assert [p.where.line for p in found.chapters[0].paragraphs] == [3, 7, 8, 10]


def test_no_headings_makes_one_chapter_named_after_the_file() -> None:
    found = detect_chapters(f"{PROSE}\n\n{PROSE}\n", path=Path("03-the_long_road.txt"))
    assert titles(found) == ["03 the long road"]
    assert not found.chapters[0].speak_title and len(found.chapters[0].paragraphs) == 2


def test_line_offset_counts_lines_before_the_text() -> None:
    found = detect(f"CHAPTER I\n\n{PROSE}\n", line_offset=10)
    assert (found.chapters[0].where.line, found.chapters[0].paragraphs[0].where.line) == (11, 13)


# --- Overrides --------------------------------------------------------------------------------------------


def test_overrides_add_a_heading_pattern_split_at_a_line_and_refuse_a_heading() -> None:
    text = (
        f"~ Monday ~\n\n{PROSE}\n\n~ Tuesday ~\n{PROSE}\nA quiet line\n{PROSE}\n\nNot a Heading\n\n{PROSE}\n"
    )
    overrides = ChapterOverrides(
        headings=(re.compile(r"~ \w+ ~"),),
        split_at=frozenset({"A quiet line"}),
        not_headings=frozenset({"Not a Heading"}),
    )
    found = detect(text, overrides=overrides)
    assert titles(found) == ["~ Monday ~", "~ Tuesday ~", "A quiet line"]
    assert texts(found, 2) == [PROSE, "Not a Heading", PROSE]
    assert found.chapters[2].where.line == 7


def test_automatic_detection_off_keeps_only_the_listed_headings() -> None:
    text = f"Front\n\nCHAPTER I\n\n{PROSE}\n\nInterlude\n\n{PROSE}\n"
    overrides = ChapterOverrides(split_at=frozenset({"Interlude"}), automatic=False)
    found = detect(text, overrides=overrides)
    assert titles(found) == ["Opening Credits", "Interlude"]
    assert texts(found, 0) == ["Front", "CHAPTER I", PROSE]


def test_the_opening_chapter_can_be_turned_off_and_its_text_is_listed_as_dropped() -> None:
    text = f"The Little Book\n\nby Jane Doe\n\nCHAPTER I\n\n{PROSE}\n"
    found = detect(text, overrides=ChapterOverrides(opening=False))
    assert titles(found) == ["Chapter I"]
    assert [(d.text, d.where.line) for d in found.dropped] == [("The Little Book\nby Jane Doe", 1)]
    assert found.guessed.author == "Jane Doe"


CREDITS = (
    "Jane Doe\n\nThe Little Book\n\n(May 1901)\n\n"
    "Written: May 1901.\nFirst Printing: June 1901.\nTranslation: John Smith."
)


def test_the_opening_chapter_can_be_renamed() -> None:
    found = detect(
        f"{CREDITS}\n\nCHAPTER I\n\n{PROSE}\n", overrides=ChapterOverrides(opening_title="Credits")
    )
    assert titles(found) == ["Credits", "Chapter I"]


def test_a_short_title_page_opens_the_first_chapter_and_a_credits_block_is_its_own() -> None:
    text = f"The Little Book\n\nby Jane Doe\n\n\nBOOK ONE\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n"
    found = detect(text)
    assert titles(found) == ["Book One — Chapter I", "Book One — Chapter II"]
    # Read in the order written, so the first chapter's title is not announced before the title page.
    assert [c.speak_title for c in found.chapters] == [False, True]
    assert texts(found, 0) == ["The Little Book", "by Jane Doe", "Book One", "Chapter I", PROSE]
    assert [p.where.line for p in found.chapters[0].paragraphs] == [1, 3, 6, 8, 10]
    assert found.chapters[0].where.line == 8
    assert (found.guessed.title, found.guessed.author) == ("The Little Book", "Jane Doe")

    found = detect(f"{CREDITS}\n\nCHAPTER I\n\n{PROSE}\n")
    assert titles(found) == ["Opening Credits", "Chapter I"]
    assert found.chapters[0].kind is ChapterKind.OPENING and not found.chapters[0].speak_title
    assert texts(found, 1) == [PROSE] and found.chapters[1].speak_title


@pytest.mark.parametrize(
    "front",
    [
        "One\n\nTwo\n\nThree\n\nFour\n\nFive",  # more than a title page holds
        "It was the best of times and the worst of times, as the saying goes.",  # a sentence: prose
    ],
)
def test_front_matter_longer_than_a_title_page_stays_the_opening_chapter(front: str) -> None:
    found = detect(f"{front}\n\nCHAPTER I\n\n{PROSE}\n")
    assert titles(found) == ["Opening Credits", "Chapter I"]


# --- Single lines -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "cased"),
    [
        ("BOOK ONE: 1805", "Book One: 1805"),
        ("CHAPTER XXVIII", "Chapter XXVIII"),
        ("FIRST EPILOGUE: 1813 - 20", "First Epilogue: 1813 - 20"),
        ("THE WORLD-WIDE GROWTH OF THE CIVIL SERVICE", "The World-Wide Growth of the Civil Service"),
        ("PART II. A WOMAN'S TALE", "Part II. A Woman's Tale"),
        ("Mixed Case Stays", "Mixed Case Stays"),
    ],
)
def test_title_case_of_shouted_headings(written: str, cased: str) -> None:
    assert title_case(written) == cased


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("CHAPTER IV", "keyword"),
        ("Chapter 4", "keyword"),
        ("BOOK ONE: 1805", "keyword"),
        ("PART THE FIRST", "keyword"),
        ("Chapter 4 of the treatise says so", None),
        ("Book one of the set", "title"),  # title-shaped only: a heading only if prose follows it
        ("SECOND EPILOGUE", "named"),
        ("Footnotes", "named"),
        ("## Scene", "markdown"),
        ("3. Was the Purpose to Restore Capitalism?", "numbered"),
        ("2. Cf. Leon Trotsky, The Soviet Union, Pioneer Publishers.", None),
        ("XIV", "numbered"),
        ("May 1, 1956", None),
        ("A.L.", None),
        ("return return return", None),
        ('"Come here, Natasha"', None),
    ],
)
def test_the_shape_of_a_line(line: str, kind: str | None) -> None:
    shape = shape_of(line)
    assert (shape.kind if shape else None) == kind


def test_in_a_later_file_the_text_before_the_first_heading_opens_the_first_chapter() -> None:
    text = f"Continued from the last file.\n\nCHAPTER IX\n\n{PROSE}\n"
    found = detect(text, first_file=False)
    assert titles(found) == ["Chapter IX"]
    assert texts(found, 0) == ["Continued from the last file.", PROSE]


def test_a_title_block_above_a_container_opens_its_first_chapter() -> None:
    text = f"CHAPTER I\n\n{PROSE}\n\n\nThe Second Journey\n\n\nBOOK TWO\n\nCHAPTER I\n\n{PROSE}\n"
    found = detect(text)
    assert titles(found) == ["Chapter I", "Book Two — Chapter I"]
    assert texts(found, 1) == ["The Second Journey", PROSE]


def test_a_hash_that_is_not_a_markdown_heading_stays_in_its_paragraph() -> None:
    found = detect("CHAPTER I\n\nWe met in the channel that everyone reads, called\n#general, yesterday.\n")
    assert texts(found, 0) == ["We met in the channel that everyone reads, called #general, yesterday."]


def test_gutenberg_chapter_styles_with_titles_under_or_beside_the_number() -> None:
    text = (
        f"STAVE ONE.\nMARLEY'S GHOST.\n\n{PROSE}\n\nCHAPTER 1. Loomings.\n\n{PROSE}\n\n"
        f"CHAPTER II.\nThe Pool of Tears\n\n{PROSE}\n"
    )
    found = detect(text)
    assert titles(found) == [
        "Stave One. Marley's Ghost.",
        "Chapter 1. Loomings.",
        "Chapter II. The Pool of Tears",
    ]


def test_setext_markdown_headings() -> None:
    found = detect(f"Book Title\n==========\n\nFirst\n-----\n\n{PROSE}\n\nSecond\n------\n\n{PROSE}\n")
    assert titles(found) == ["First", "Second"]
    assert texts(found, 0) == ["Book Title", "First", PROSE]
    assert found.chapters[0].where.line == 4


def test_a_contents_block_without_a_contents_line() -> None:
    entries = "\n".join(f"Chapter {n}: The Road to the Sea and Back Again" for n in (1, 2))
    found = detect(
        f"{entries}\n\n\nChapter 1: The Road to the Sea and Back Again\n\n{PROSE}\n\nChapter 2\n\n{PROSE}\n"
    )
    assert titles(found) == ["Chapter 1: The Road to the Sea and Back Again", "Chapter 2"]
    assert [d.text for d in found.dropped] == [entries]
