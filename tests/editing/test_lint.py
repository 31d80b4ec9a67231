"""The editor's lint: each kind on small generated texts, then on the real first book (exact lines)."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.editing import lint
from pipeline.model import Where
from pipeline.speech.lexicon import Entry, Lexicon
from pipeline.text import source
from tests.conftest import ROOT
from tests.epubs import Doc, make_epub
from tests.text.test_epub_round_trip import as_epub

BOOK = ROOT / "script" / "on-the-kirov-assassination.txt"
CORPUS = ROOT.parent / "shared" / "corpus" / "war-and-peace.txt"
TXT = Path("book.txt")

LEXICON = Lexicon(
    [
        Entry("Trotsky", "ˈtrɒtski", spellings=("Trotski",), forms=(("ist", "ɪst"), ("ism", "ɪzəm"))),
        Entry("Nikolaiev", "nɪkəˈlaɪɛf", spellings=("Nicolaiev", "Nicolaev")),
        Entry("Kirov", "ˈkiːrəf"),
    ]
)


def run(text: str, *, lexicon: Lexicon | None = None) -> list[tuple[int, str, str]]:
    return [(f.where.line, f.kind, f.text) for f in lint.lint_texts([(TXT, text)], lexicon=lexicon)]


def kinds(text: str, *, lexicon: Lexicon | None = None) -> Counter[str]:
    return Counter(kind for _, kind, _ in run(text, lexicon=lexicon))


# --- split words -----------------------------------------------------------------------------------


def test_split_word_with_a_piece_that_is_no_word() -> None:
    assert run("They gave in, but in a much m ore decisive manner.") == [(1, lint.SPLIT, "m ore")]


def test_split_lexicon_name_even_when_both_pieces_are_words() -> None:
    found = lint.lint_texts([(TXT, "Perhaps Trot sky was seeking contact.")], lexicon=LEXICON)
    assert [(f.text, f.suggestion) for f in found] == [
        ("Trot sky", "join it: Trotsky (a name in the lexicon)")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "It stood a part from the rest, alone.",  # two words: "a part", "apart" both fine
        "He wrote the s and the e in red ink.",  # letters named
        "put A in B's place and B in D's.",  # variables
        "A ces pleurs que je sens couler.",  # another language
        "I intended to re-form them beyond the village.",  # a hyphenated prefix
        "and in dependence on cause forms the basis",
        "Perhaps Trot sky was seeking contact.",  # not a name without a lexicon; both pieces words
    ],
)
def test_no_split_word(text: str) -> None:
    assert kinds(text)[lint.SPLIT] == 0


# --- doubled words ---------------------------------------------------------------------------------


def test_doubled_word_case_blind_and_across_a_line_break() -> None:
    text = "It referred only the the execution.\n\nThe\nthe second line, and The THE third.\n"
    assert run(text) == [
        (1, lint.DOUBLED, "the the"),
        (3, lint.DOUBLED, "The the"),
        (4, lint.DOUBLED, "The THE"),
    ]


def test_legitimate_doubles_and_paragraph_breaks_are_not_flagged() -> None:
    text = "He had had enough. He said that that was all.\n\nIt ended with the\n\nthe next one began."
    assert kinds(text)[lint.DOUBLED] == 0


def test_a_run_of_one_word_is_one_finding() -> None:
    assert run("We went to to to the shop.") == [(1, lint.DOUBLED, "to to")]


# --- misspelt names and inconsistent spellings -----------------------------------------------------


def test_misspelt_name_near_a_lexicon_name() -> None:
    found = lint.lint_texts(
        [(TXT, "Trotsky wrote.\n\nTrostky replied, and Trostky’s son.\n")], lexicon=LEXICON
    )
    assert [(f.where.line, f.kind, f.text) for f in found] == [(3, lint.MISSPELT, "Trostky")]
    assert found[0].suggestion.startswith("did you mean Trotsky?")


def test_misprint_listed_as_a_spelling_is_still_flagged() -> None:
    lexicon = Lexicon([Entry("Trotsky", "ˈtrɒtski", spellings=("Trostky", "Trotski"))])
    found = lint.lint_texts([(TXT, "Trotsky, Trotski and Trostky.")], lexicon=lexicon)
    assert [(f.kind, f.text) for f in found] == [
        (lint.MISSPELT, "Trostky"),
        (lint.INCONSISTENT, "Trotsky (1) / Trotski (1)"),
    ]


@pytest.mark.parametrize(
    "word",
    [
        "Kirovs",
        "Kiev",
        "Lenin",
        "Kirova",
        "KIROV",
    ],  # a form, an English word, another name, an ending, capitals
)
def test_not_misspelt(word: str) -> None:
    assert kinds(f"Kirov went to see {word} again.", lexicon=LEXICON)[lint.MISSPELT] == 0


def test_inconsistent_spelling_from_the_lexicon() -> None:
    text = "Nicolaiev shot.\n\nNikolaiev’s crime.\n\nNikolaiev again.\n\nLeonid Nicolaev.\n"
    found = lint.lint_texts([(TXT, text)], lexicon=LEXICON)
    assert [(f.where.line, f.kind, f.text) for f in found] == [
        (3, lint.INCONSISTENT, "Nicolaiev (1) / Nikolaiev (3, 5) / Nicolaev (7)")
    ]
    assert "Nikolaiev" in found[0].suggestion


def test_inconsistent_spelling_by_similarity_without_a_lexicon() -> None:
    text = "Volkonsky came.\n\nVolkonski left.\n\nRostova and Rostovs and Rostov are one family.\n"
    assert run(text) == [(3, lint.INCONSISTENT, "Volkonsky (1) / Volkonski (3)")]


# --- stray lines -----------------------------------------------------------------------------------


def test_stray_lines() -> None:
    text = "Prose.\n\nreturn return return return return\n\n}{;#@%\n\n<div class=x>\n\nMore prose.\n"
    assert [(line, kind) for line, kind, _ in run(text)] == [
        (3, lint.STRAY),
        (5, lint.STRAY),
        (7, lint.STRAY),
    ]


@pytest.mark.parametrize(
    "line", ["* * *", "***", "-----", "# Chapter One", '"No."', 'you..."', "May 1, 1956", "[1]"]
)
def test_not_stray(line: str) -> None:
    assert kinds(f"Prose.\n\n{line}\n\nMore prose.\n")[lint.STRAY] == 0


# --- quotes and brackets ---------------------------------------------------------------------------


def test_unbalanced_quotes_and_brackets() -> None:
    text = (
        "He said “no and left.\n\n"  # never closed, next paragraph does not continue it
        "A closing ” alone.\n\n"
        'He said "yes and left.\n\n'
        "An aside (never closed.\n\n"
        "A stray ] bracket.\n"
    )
    assert [(line, kind) for line, kind, _ in run(text)] == [
        (1, lint.QUOTES),
        (3, lint.QUOTES),
        (5, lint.QUOTES),
        (7, lint.BRACKETS),
        (9, lint.BRACKETS),
    ]


def test_balanced_quotes_and_brackets() -> None:
    text = (
        "“A quotation over two paragraphs,\n\n"  # the convention: open, and the next paragraph opens again
        "“ends here.” It’s the workers’ party [sic] (with ‘single’ quotes).\n\n"
        '"Straight ones, too," he said. He is 5\'11" tall.\n\n'
        "Items: 1) one, 2) two.\n"
    )
    assert run(text) == []


# --- files, rendering ------------------------------------------------------------------------------


def test_lint_reads_files_and_skips_a_gutenberg_header(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "The the header.\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nBody with the the slip.\n",
        encoding="utf-8",
    )
    assert [(f.where, f.text) for f in lint.lint([path])] == [(Where(path, 3), "the the")]


def test_finding_str_and_render() -> None:
    finding = lint.Finding(Where(Path("script/x.txt"), 245), lint.STRAY, "return return", "delete it")
    assert str(finding) == "script/x.txt:245: stray line: 'return return' — delete it"
    text = lint.render(lint.lint_texts([(TXT, "m ore text.\n\nthe the end.\n\nand the the.\n")]))
    assert text.splitlines() == [
        "split word (1)",
        "  book.txt:1: 'm ore' — join it: more",
        "",
        "doubled word (2)",
        "  book.txt:3: 'the the' — delete one 'the'",
        "  book.txt:5: 'the the' — delete one 'the'",
        "",
        "3 findings: 1 split word, 2 doubled words",
    ]
    assert lint.render(()) == "no findings"


# --- EPUBs ---------------------------------------------------------------------------------------------

PROSE = "It was a bright cold day in April, and the clocks were striking thirteen as he came in."


def _line_of(epub: Path, member: str, text: str) -> int:
    """The line of the member's XHTML on which `text` stands (what an editor opening it would see)."""
    lines = zipfile.ZipFile(epub).read(member).decode().split("\n")
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_lint_reads_an_epub_as_build_does_and_names_the_member_and_line(tmp_path, capsys) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    body = (
        "<h1>Chapter 2</h1>\n<p>He walked on.</p>\n"
        "<p>They gave in, but in a much m ore decisive manner.</p>\n"
        '<p>Then he saw <img src="x.png" alt="the the harbour"/> below.</p>\n'
        "<p>He said, \u201cNothing more of the the matter.</p>"
    )
    epub = make_epub(
        folder / "story.epub",
        [
            Doc("one.xhtml", "Chapter 1", f"<h1>Chapter 1</h1><p>{PROSE}</p>"),
            Doc("two.xhtml", "Chapter 2", body),
            # Not read, so not linted: a copyright page.
            Doc(
                "copy.xhtml",
                "Rights",
                "<p>All all rights reserved.</p>",
                in_toc=False,
                epub_type="copyright-page",
            ),
        ],
    )
    member = f"{epub}/EPUB/two.xhtml"
    split = _line_of(epub, "EPUB/two.xhtml", "m ore")
    doubled = _line_of(epub, "EPUB/two.xhtml", "of the the matter")
    assert main(["lint", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{member}:{split}: 'm ore' — join it: more" in out
    assert f"{member}:{doubled}: 'the the' — delete one 'the'" in out
    assert re.search(rf"{re.escape(member)}:{doubled}: '[^']*“Nothing more[^']*' — '“' is not closed", out)
    assert "All all" not in out and "harbour" not in out  # not read: not linted
    # book.yaml applies as it does to the build: with alt_text, the image's words are read, and linted.
    (folder / "book.yaml").write_text("alt_text: true\n", encoding="utf-8")
    found = lint.lint_source(folder)
    picture = _line_of(epub, "EPUB/two.xhtml", "harbour")
    assert (Where(Path(member), picture), lint.DOUBLED, "the the") in [
        (f.where, f.kind, f.text) for f in found
    ]
    # The .epub itself, and a list of files holding it, are linted the same way.
    assert main(["lint", str(epub)]) == 1 and f"{member}:{split}: 'm ore'" in capsys.readouterr().out
    assert [(f.where, f.kind) for f in lint.lint([epub])] == [
        (Where(Path(member), split), lint.SPLIT),
        (Where(Path(member), doubled), lint.DOUBLED),
        (Where(Path(member), doubled), lint.QUOTES),
    ]


def test_the_first_book_as_an_epub_has_the_findings_of_its_text(tmp_path) -> None:
    text = source.load(ROOT / "script").book
    meta = text.metadata
    epub = as_epub(text.chapters, tmp_path / "book.epub", title=meta.title, author=meta.author)
    lexicon = Lexicon.load(ROOT / "pronunciations.yaml")

    def found(source_: Path) -> list[tuple[str, str]]:
        # An inconsistent spelling lists its lines, which differ; its variants do not.
        return sorted(
            (f.kind, re.sub(r" \([^)]*\)", "", f.text) if f.kind == lint.INCONSISTENT else f.text)
            for f in lint.lint_source(source_, lexicon=lexicon)
        )

    from_epub = lint.lint_source(epub, lexicon=lexicon)
    assert found(epub) == found(ROOT / "script")
    members = {str(f.where.path).removeprefix(f"{epub}/") for f in from_epub}
    assert "EPUB/notes.xhtml" in members and all(m.startswith("EPUB/") for m in members)


# --- the real books --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_book() -> dict[str, list[tuple[int, str]]]:
    found = lint.lint([BOOK], lexicon=Lexicon.load(ROOT / "pronunciations.yaml"))
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for f in found:
        assert f.where.path == BOOK
        by_kind.setdefault(f.kind, []).append((f.where.line, f.text))
    return by_kind


def test_first_book(first_book: dict[str, list[tuple[int, str]]]) -> None:
    assert first_book[lint.SPLIT] == [(46, "m ore"), (202, "Trot sky")]
    assert first_book[lint.DOUBLED] == [(46, "the the")]
    assert first_book[lint.MISSPELT] == [(238, "Trostky")]
    assert first_book[lint.STRAY] == [(245, "return return return return return")]
    assert lint.QUOTES not in first_book and lint.BRACKETS not in first_book
    nikolaiev = next(text for line, text in first_book[lint.INCONSISTENT] if line == 75)
    assert nikolaiev.startswith("Nicolaiev (24, 46, 50, 52, 63, 65) / Nikolaiev (75, 77, ")
    assert nikolaiev.endswith(" / Nicolaev (242)")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.exists(), reason="no ../shared/corpus")
def test_war_and_peace_has_no_split_words_and_few_findings() -> None:
    found = lint.lint([CORPUS])
    count = Counter(f.kind for f in found)
    assert count[lint.SPLIT] == 0
    assert count[lint.STRAY] == 0
    assert len(found) <= 25  # 566,000 words; most of these are real inconsistencies of the Gutenberg text
