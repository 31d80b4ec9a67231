"""EPUB in: chapters from the book's own navigation, what is read inside them, notes, metadata, bad input.

Every EPUB here is written by ebooklib (tests/epubs.py), so the reader is checked against another writer.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import pytest
from ebooklib import epub

from pipeline.errors import InputError
from pipeline.model import ChapterKind
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate
from pipeline.text import source
from pipeline.text.epub_chapters import read_epub
from pipeline.text.overrides import overrides_from_yaml

from ..epubs import Doc, encryption_xml, make_epub, rewrite

PROSE = "It was a bright cold day in April, and the clocks were striking thirteen as he came in."
MORE = "Nothing moved in the street below, and the wind carried dust along the empty pavement."


def chapter(name: str, title: str, *paragraphs: str, heading: str = "h1", **kw) -> Doc:
    body = f"<{heading}>{title}</{heading}>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    return Doc(name, title, body, **kw)


def titles(path: Path, **kw) -> list[str]:
    return [c.title for c in read_epub(path, **kw).chapters]


def texts(chapter_) -> list[str]:
    return [p.text for p in chapter_.paragraphs]


def spoken(book) -> list[str]:
    return [
        line.spoken for s in narrate(book, lexicon=Lexicon.empty(), notation="espeak") for line in s.lines
    ]


# -- chapters -------------------------------------------------------------------------------------------------


def test_chapters_come_from_the_nav_in_spine_order_and_know_their_item_and_line(tmp_path):
    docs = [chapter("one.xhtml", "The Arrival", PROSE), chapter("two.xhtml", "The Departure", MORE)]
    # The nav lists them the other way round: the reading order (spine) decides.
    toc = [epub.Link("two.xhtml", "The Departure", "b"), epub.Link("one.xhtml", "The Arrival", "a")]
    book = read_epub(make_epub(tmp_path / "b.epub", docs, toc=toc))
    assert [c.title for c in book.chapters] == ["The Arrival", "The Departure"]
    first = book.chapters[0]
    assert texts(first) == [PROSE] and first.speak_title
    where = first.paragraphs[0].where
    assert str(where.path) == f"{tmp_path / 'b.epub'}/EPUB/one.xhtml"
    lines = zipfile.ZipFile(tmp_path / "b.epub").read("EPUB/one.xhtml").decode().split("\n")
    assert PROSE[:20] in lines[where.line - 1]


def test_nested_entries_are_titled_like_the_text_detector_titles_them(tmp_path):
    docs = [
        Doc("b1.xhtml", "BOOK ONE: 1805", "<h1>BOOK ONE: 1805</h1>"),
        chapter("c1.xhtml", "CHAPTER I", PROSE, heading="h2"),
        chapter("c2.xhtml", "CHAPTER II", MORE, heading="h2"),
        Doc("b2.xhtml", "BOOK TWO: 1806", "<h1>BOOK TWO: 1806</h1>"),
        chapter("c3.xhtml", "CHAPTER I", PROSE, heading="h2"),
    ]
    nested = [
        (
            epub.Section("BOOK ONE: 1805", href="b1.xhtml"),
            [epub.Link("c1.xhtml", "CHAPTER I", "c1"), epub.Link("c2.xhtml", "CHAPTER II", "c2")],
        ),
        (epub.Section("BOOK TWO: 1806", href="b2.xhtml"), [epub.Link("c3.xhtml", "CHAPTER I", "c3")]),
    ]
    expected = [
        "Book One: 1805 — Chapter I",
        "Book One: 1805 — Chapter II",
        "Book Two: 1806 — Chapter I",
    ]
    assert titles(make_epub(tmp_path / "nested.epub", docs, toc=nested)) == expected
    # A flat table of contents listing books and chapters side by side (as pandoc makes them) reads the same.
    assert titles(make_epub(tmp_path / "flat.epub", docs)) == expected


def test_epub2_ncx_gives_the_same_chapters_as_epub3_nav(tmp_path):
    docs = [chapter("one.xhtml", "Chapter 1", PROSE), chapter("two.xhtml", "Chapter 2", MORE)]
    three = read_epub(make_epub(tmp_path / "3.epub", docs, translator="Tran Slator"))
    two = read_epub(make_epub(tmp_path / "2.epub", docs, version=2, translator="Tran Slator"))
    with zipfile.ZipFile(tmp_path / "2.epub") as archive:
        assert "EPUB/nav.xhtml" not in archive.namelist()
        assert 'version="2.0"' in archive.read("EPUB/content.opf").decode()
    assert [(c.title, texts(c)) for c in two.chapters] == [(c.title, texts(c)) for c in three.chapters]
    assert two.guessed["translator"] == three.guessed["translator"] == "Tran Slator"


def test_front_and_back_matter_are_treated_as_the_text_detector_treats_them(tmp_path):
    credits = "".join(
        f"<p>{line}</p>"
        for line in (
            "The Tiny Test Book",
            "by Ada Example",
            "Translated by Tran Slator",
            "First published 1901",
            "Set in type by hand",
        )
    )
    docs = [
        Doc("title.xhtml", "Title Page", credits, in_toc=False, epub_type="titlepage"),
        Doc("contents.xhtml", "Contents", "<h1>Contents</h1><p>Chapter 1</p><p>Chapter 2</p>"),
        Doc(
            "copy.xhtml",
            "Copyright",
            "<p>Copyright 1901 Ada Example. All rights reserved.</p>",
            in_toc=False,
            epub_type="copyright-page",
        ),
        chapter("one.xhtml", "Chapter 1", PROSE),
        Doc("licence.xhtml", "License", f"<h1>License</h1><p>{MORE}</p>"),
    ]
    book = read_epub(make_epub(tmp_path / "b.epub", docs))
    assert [c.title for c in book.chapters] == ["Opening Credits", "Chapter 1"]
    opening = book.chapters[0]
    assert opening.kind is ChapterKind.OPENING and not opening.speak_title
    assert texts(opening)[0] == "The Tiny Test Book" and len(texts(opening)) == 5
    reasons = {d.reason for d in book.dropped}
    assert "copyright page" in reasons and "License page" in reasons and "Contents page" in reasons
    assert not any("rights reserved" in p for c in book.chapters for p in texts(c))
    quiet = read_epub(
        tmp_path / "b.epub", overrides=overrides_from_yaml({"opening": False}, path=tmp_path, line=1)
    )
    assert [c.title for c in quiet.chapters] == ["Chapter 1"]
    assert any(d.reason.startswith("front matter") for d in quiet.dropped)

    # A bare title page (a few short lines) opens the first chapter instead, which then reads its heading in place.
    docs[0] = Doc("title.xhtml", "Title Page", "<p>The Tiny Test Book</p><p>Ada Example</p>", in_toc=False)
    book = read_epub(make_epub(tmp_path / "short.epub", docs))
    assert [c.title for c in book.chapters] == ["Chapter 1"]
    assert texts(book.chapters[0]) == ["The Tiny Test Book", "Ada Example", "Chapter 1", PROSE]
    assert not book.chapters[0].speak_title


# Credits long enough to pass for prose: a title page listed in the table of contents is still no chapter.
CREDITS = (
    "The Tiny Test Book",
    "by Ada Example",
    "Translated from the French by Tran Slator, with an introduction and notes by the same hand, for this edition.",
    "First published by the Example Press, London.",
)


@pytest.mark.parametrize(
    ("entry", "kind", "how"),
    [
        ("Welcome", "titlepage", {}),  # epub:type on the page
        ("Welcome", None, {"guide": [("titlepage", "title.xhtml")], "opf_guide": False}),  # landmarks nav
        ("Welcome", None, {"guide": [("title-page", "title.xhtml")], "version": 2}),  # EPUB 2 guide
        ("Welcome", "cover", {}),  # a cover in words, in a book without a title page
        ("Title Page", None, {}),
        ("Opening Credits", None, {}),  # as our own EPUBs name it
        ("The Tiny Test Book", None, {}),  # the book's own title
        ("The Tiny Test Book, by Ada Example", None, {}),
    ],
)
def test_a_title_page_in_the_table_of_contents_is_read_as_the_opening_credits(tmp_path, entry, kind, how):
    docs = [
        Doc("title.xhtml", entry, "".join(f"<p>{line}</p>" for line in CREDITS), epub_type=kind),
        chapter("one.xhtml", "Chapter 1", PROSE),
        chapter("two.xhtml", "Chapter 2", MORE),
    ]
    book = read_epub(make_epub(tmp_path / "b.epub", docs, **how))
    assert [c.title for c in book.chapters] == ["Opening Credits", "Chapter 1", "Chapter 2"]
    opening = book.chapters[0]
    assert opening.kind is ChapterKind.OPENING and not opening.speak_title
    assert texts(opening) == list(CREDITS)
    said = spoken(source.load(tmp_path / "b.epub").book)
    assert said[: len(CREDITS)] == list(CREDITS)  # the credits open the book; the entry's name is not read
    assert entry not in said[len(CREDITS) :] and said.count("The Tiny Test Book") == 1


def test_a_page_is_a_title_page_only_where_the_book_says_so_or_names_it_so(tmp_path):
    credits = "".join(f"<p>{line}</p>" for line in CREDITS)
    docs = [Doc("title.xhtml", "Welcome", credits), chapter("one.xhtml", "Chapter 1", PROSE)]
    book = read_epub(make_epub(tmp_path / "plain.epub", docs))
    assert [(c.title, c.kind, c.speak_title) for c in book.chapters] == [
        ("Welcome", ChapterKind.BODY, True),
        ("Chapter 1", ChapterKind.BODY, True),
    ]
    # A first entry named as the book that holds the story itself (longer than a page) is the story.
    story = "".join(f"<p>{PROSE} {MORE}</p>" for _ in range(10))
    docs = [Doc("story.xhtml", "The Tiny Test Book", story), chapter("after.xhtml", "Afterword", MORE)]
    assert titles(make_epub(tmp_path / "story.epub", docs)) == ["The Tiny Test Book", "Afterword"]
    # So is the only entry of a book named as the book.
    docs = [Doc("story.xhtml", "The Tiny Test Book", f"<p>{PROSE}</p>")]
    book = read_epub(make_epub(tmp_path / "one.epub", docs))
    assert [(c.title, c.speak_title) for c in book.chapters] == [("The Tiny Test Book", True)]
    # A cover in words beside a title page says the same again: the title page is read, the cover not.
    docs = [
        Doc(
            "cover.xhtml",
            "Cover",
            "<p>THE TINY TEST BOOK</p><p>ADA EXAMPLE</p>",
            in_toc=False,
            epub_type="cover",
        ),
        Doc("title.xhtml", "Welcome", credits, epub_type="titlepage"),
        chapter("one.xhtml", "Chapter 1", PROSE),
    ]
    book = read_epub(make_epub(tmp_path / "both.epub", docs))
    assert [c.title for c in book.chapters] == ["Opening Credits", "Chapter 1"]
    assert texts(book.chapters[0]) == list(CREDITS)
    assert any(d.reason == "cover" and "ADA EXAMPLE" in d.text for d in book.dropped)


def test_a_gutenberg_header_and_licence_inside_the_items_are_not_read(tmp_path):
    header = (
        "<pre>The Project Gutenberg EBook of The Tiny Test Book\n\nTitle: The Tiny Test Book\n\n"
        "Translators: Tran Slator\n\n*** START OF THIS PROJECT GUTENBERG EBOOK THE TINY TEST BOOK ***\n</pre>"
    )
    licence = (
        "<p>End of the Project Gutenberg EBook of The Tiny Test Book</p>"
        "<p>*** END OF THIS PROJECT GUTENBERG EBOOK THE TINY TEST BOOK ***</p>"
        "<p>Updated editions will replace the previous one--the old editions will be renamed.</p>"
    )
    docs = [
        Doc("head.xhtml", "The Tiny Test Book", "<h1>The Tiny Test Book</h1>" + header),
        chapter("one.xhtml", "Chapter 1", PROSE),
        Doc("two.xhtml", "Chapter 2", f"<h1>Chapter 2</h1><p>{MORE}</p>{licence}"),
    ]
    book = read_epub(make_epub(tmp_path / "pg.epub", docs, translator=None))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert texts(book.chapters[-1]) == [MORE]
    assert book.guessed["translator"] == "Tran Slator"  # from the Gutenberg header, as for text
    assert {"Project Gutenberg header", "Project Gutenberg footer and licence"} <= {
        d.reason for d in book.dropped
    }


# -- notes ----------------------------------------------------------------------------------------------------


def _noted(tmp_path: Path, name: str, marker: str, notes_doc: Doc, **kw) -> object:
    docs = [
        chapter("one.xhtml", "Chapter 1", f"He spoke{marker} and left.", PROSE),
        notes_doc,
    ]
    return read_epub(make_epub(tmp_path / name, docs, **kw))


@pytest.mark.parametrize(
    "marker, notes",
    [
        # EPUB 3: a noteref and an aside footnote in a notes file
        (
            '<a epub:type="noteref" href="notes.xhtml#n1"><sup>1</sup></a>',
            '<h1>Notes</h1><aside epub:type="footnote" id="n1"><p>1. He had been told to.</p></aside>',
        ),
        # EPUB 3 endnotes as pandoc writes them, with a back-link
        (
            '<a href="notes.xhtml#fn1" class="footnote-ref" id="fnref1" epub:type="noteref"><sup>1</sup></a>',
            '<h1>Notes</h1><section epub:type="endnotes"><ol><li id="fn1" epub:type="endnote">'
            '<p>He had been told to.<a href="one.xhtml#fnref1" class="footnote-back">↩︎</a></p></li></ol></section>',
        ),
        # EPUB 2: a plain link "[1]" into a notes file, a numbered back-link in the note
        (
            '<a id="r1" href="notes.xhtml#note1">[1]</a>',
            '<h1>Notes</h1><p><a id="note1" href="one.xhtml#r1">[1]</a> He had been told to.</p>',
        ),
    ],
)
def test_a_note_is_heard_once_in_the_notes_chapter_and_its_marker_not_at_all(tmp_path, marker, notes):
    book = _noted(tmp_path, "n.epub", marker, Doc("notes.xhtml", "Notes", notes))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Notes"]
    assert texts(book.chapters[0])[0] == "He spoke and left."
    assert book.chapters[1].kind is ChapterKind.FOOTNOTES
    assert texts(book.chapters[1]) == ["1. He had been told to."]
    said = spoken(source_book(book))
    assert said.count("Footnote one. He had been told to.") == 1
    assert not any("1" in line or "one" in line.split() for line in said if "spoke" in line)


def test_notes_at_the_end_of_each_chapter_are_gathered_into_a_notes_chapter(tmp_path):
    def with_note(name, title, number):
        return Doc(
            name,
            title,
            f'<h1>{title}</h1><p>He spoke<a epub:type="noteref" href="#f{number}">{number}</a> and left.</p><p>{PROSE}</p>'
            f'<aside epub:type="footnote" id="f{number}"><p>Note {number} of the book.</p></aside>',
        )

    book = read_epub(
        make_epub(
            tmp_path / "n.epub", [with_note("a.xhtml", "Chapter 1", 1), with_note("b.xhtml", "Chapter 2", 2)]
        )
    )
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Notes"]
    assert texts(book.chapters[-1]) == ["1. Note 1 of the book.", "2. Note 2 of the book."]
    assert all("Note" not in " ".join(texts(c)) for c in book.chapters[:2])


def source_book(epub_book):
    from pipeline.model import Book, Metadata

    return Book(Metadata(title="t", author="a"), epub_book.chapters, Path("."))


# -- inside chapters ------------------------------------------------------------------------------------------


def test_what_is_read_inside_a_chapter(tmp_path, caplog):
    body = (
        "<h1>Chapter 1</h1>"
        f"<p>She was <em>not</em> <strong>amused</strong>, said the nar\u00adrator,\u00a0today.</p>"
        "<h2>A Part Within</h2>"
        f"<blockquote><p>{MORE}</p></blockquote>"
        "<ul><li>Bread and butter</li><li>Milk</li></ul>"
        "<ol start='3'><li>Third thing</li><li>Fourth thing</li></ol>"
        "<p class='verse'>The woods are lovely, dark and deep,<br/>But I have promises to keep,<br/>And miles to go</p>"
        "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Alice</td><td>30</td></tr></table>"
        '<p>See the map <img src="map.png" alt="A map of the town"/> here.</p>'
        "<p>Zero\u200bwidth join\u2060ed.</p>"
    )
    book = read_epub(make_epub(tmp_path / "b.epub", [Doc("one.xhtml", "Chapter 1", body)]))
    assert texts(book.chapters[0]) == [
        "She was not amused, said the narrator, today.",
        "A Part Within",
        MORE,
        "Bread and butter",
        "Milk",
        "3. Third thing",
        "4. Fourth thing",
        "The woods are lovely, dark and deep,",
        "But I have promises to keep,",
        "And miles to go",
        "Name, Age",
        "Alice, 30",
        "See the map here.",
        "Zerowidth joined.",
    ]
    with_alt = read_epub(tmp_path / "b.epub", alt_text=True)
    assert "A map of the town" in texts(with_alt.chapters[0])
    (tmp_path / "book.yaml").write_text("alt_text: true\n", encoding="utf-8")
    assert "A map of the town" in texts(source.load(tmp_path / "b.epub").book.chapters[0])


# -- metadata -------------------------------------------------------------------------------------------------


def test_metadata_feeds_the_book_and_book_yaml_wins(tmp_path):
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 10, 10)).save(image, "PNG")
    folder = tmp_path / "book"
    folder.mkdir()
    make_epub(
        folder / "b.epub",
        [chapter("one.xhtml", "Chapter 1", PROSE)],
        title="Epub Title",
        author="Ada Example",
        translator="Tran Slator",
        language="fr",
        publisher="Test Press",
        date="1901-05-01",
        description="<p>A <b>tiny</b> book.</p>",
        cover=image.getvalue(),
    )
    loaded = source.load(folder)
    meta = loaded.book.metadata
    assert (meta.title, meta.author, meta.translator, meta.language, meta.publisher, meta.year) == (
        "Epub Title",
        "Ada Example",
        "Tran Slator",
        "fr",
        "Test Press",
        "1901",
    )
    assert meta.description == "A tiny book."
    assert loaded.book.cover_image == image.getvalue()
    (folder / "book.yaml").write_text("title: Our Title\nlanguage: en\n", encoding="utf-8")
    meta = source.load(folder).book.metadata
    assert (meta.title, meta.language, meta.publisher) == ("Our Title", "en", "Test Press")
    # The .epub itself as SOURCE reads the same book (book.yaml beside it).
    assert source.load(folder / "b.epub").book.metadata.title == "Our Title"


def test_book_yaml_overrides_apply_to_epub_chapters(tmp_path):
    docs = [
        chapter("one.xhtml", "Chapter 1", PROSE, "Interlude", MORE),
        chapter("two.xhtml", "Chapter 2", MORE),
    ]
    path = make_epub(tmp_path / "b.epub", docs)
    overrides = overrides_from_yaml(
        {"split_at": ["Interlude"], "not_headings": ["Chapter 2"]}, path=tmp_path, line=1
    )
    book = read_epub(path, overrides=overrides)
    assert [c.title for c in book.chapters] == ["Chapter 1", "Interlude"]
    # A refused heading is text read where it stands, as in a text manuscript.
    assert texts(book.chapters[1]) == [MORE, "Chapter 2", MORE]


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path):
    return make_epub(
        tmp_path / "good.epub",
        [chapter("one.xhtml", "Chapter 1", PROSE), chapter("two.xhtml", "Chapter 2", MORE)],
    )


def _refused(path: Path, *words: str) -> InputError:
    with pytest.raises(InputError) as caught:
        read_epub(path)
    message = str(caught.value)
    assert str(path) in message and caught.value.exit_code == 2
    for word in words:
        assert word in message, message
    return caught.value


def test_drm_is_refused_and_font_obfuscation_is_fine(good):
    font = encryption_xml(("http://www.idpf.org/2008/embedding", "EPUB/fonts/serif.otf"))
    rewrite(good, {"META-INF/encryption.xml": font, "EPUB/fonts/serif.otf": b"\0" * 64})
    assert titles(good) == ["Chapter 1", "Chapter 2"]
    drm = encryption_xml(("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "EPUB/one.xhtml"))
    rewrite(good, {"META-INF/encryption.xml": drm})
    _refused(good, "DRM-protected", "remove the protection with the tool you bought it from")


def test_damaged_epubs_are_refused_with_the_file_and_what_to_do(good, tmp_path):
    corrupt = tmp_path / "corrupt.epub"
    corrupt.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    _refused(corrupt, "ZIP", "download or export the EPUB again")

    no_opf = tmp_path / "no-opf.epub"
    no_opf.write_bytes(good.read_bytes())
    rewrite(no_opf, {"EPUB/content.opf": None, "META-INF/container.xml": None})
    _refused(no_opf, "no package document")

    missing = tmp_path / "missing.epub"
    missing.write_bytes(good.read_bytes())
    rewrite(missing, {"EPUB/two.xhtml": None})
    _refused(missing, "EPUB/two.xhtml", "not in the archive")


def test_xhtml_that_does_not_parse_is_read_leniently_with_a_warning(good, caplog):
    broken = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Chapter 2</h1><p>Unclosed <b>bold</p><p>Fine & dandy.</body></html>'
    rewrite(good, {"EPUB/two.xhtml": broken})
    with caplog.at_level(logging.WARNING):
        book = read_epub(good)
    assert "EPUB/two.xhtml:1" in caplog.text and "read leniently" in caplog.text
    assert texts(book.chapters[1]) == ["Unclosed bold", "Fine & dandy."]


def test_cli_answers_a_bad_epub_with_exit_2_and_no_traceback(good, tmp_path, capsys):
    from pipeline.cli import main

    rewrite(
        good,
        {
            "META-INF/encryption.xml": encryption_xml(
                ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "EPUB/one.xhtml")
            )
        },
    )
    assert main(["chapters", str(good)]) == 2
    err = capsys.readouterr().err
    assert "DRM-protected" in err and "Traceback" not in err


def test_a_folder_with_an_epub_and_text_files_says_which_to_choose(good, tmp_path):
    folder = tmp_path / "both"
    folder.mkdir()
    (folder / "good.epub").write_bytes(good.read_bytes())
    (folder / "book.txt").write_text("Chapter 1\n\n" + PROSE + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        source.load(folder)
    assert "more than one book" in str(caught.value) and "good.epub" in str(caught.value)
    (folder / "book.txt").unlink()
    assert [c.title for c in source.load(folder).book.chapters] == ["Chapter 1", "Chapter 2"]


def test_alt_text_in_book_yaml_must_be_true_or_false(good, tmp_path):
    from pipeline.errors import ConfigError

    folder = tmp_path / "alt"
    folder.mkdir()
    (folder / "good.epub").write_bytes(good.read_bytes())
    (folder / "book.yaml").write_text("alt_text: sometimes\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        source.load(folder)
    assert "book.yaml:1" in str(caught.value)
