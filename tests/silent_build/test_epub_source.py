"""An EPUB as the manuscript, built with the silent engine: the M4B's chapters are the EPUB's, its tags the
EPUB's metadata (book.yaml winning), its cover the EPUB's; War and Peace's EPUBs give its 365 chapters."""

from __future__ import annotations

import io

from mutagen.mp4 import MP4
from PIL import Image

from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.m4b import package
from pipeline.text.epub_chapters import read_epub
from tests.epubs import Doc, make_epub

PROSE = "It was a bright cold day in April, and the clocks were striking thirteen as he came in."


def test_an_epub_builds_into_an_m4b_with_its_chapters_tags_and_cover(tmp_path):
    image = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(image, "PNG")
    folder = tmp_path / "book"
    folder.mkdir()
    docs = [
        Doc("one.xhtml", "Chapter 1", f"<h1>Chapter 1</h1><p>{PROSE}</p>"),
        Doc(
            "two.xhtml",
            "Chapter 2",
            "<h1>Chapter 2</h1><p>He left<a epub:type='noteref' href='#n'>1</a>.</p><aside epub:type='footnote' id='n'><p>Quietly.</p></aside>",
        ),
    ]
    make_epub(
        folder / "story.epub",
        docs,
        title="A Story",
        author="Ada Example",
        publisher="Test Press",
        cover=image.getvalue(),
    )
    (folder / "book.yaml").write_text("title: The Story\n", encoding="utf-8")
    result = build(BuildOptions(source=folder, output_dir=tmp_path / "out", engine="silent", jobs=1))
    assert result.path.name == "Ada Example - The Story.m4b"
    back = package.read_back(result.path)
    assert [title for title, _ in back.quicktime_chapters] == ["Chapter 1", "Chapter 2", "Notes"]
    tags = MP4(result.path).tags
    assert tags["©nam"] == ["The Story"] and tags["©ART"] == ["Ada Example"]
    assert bytes(tags["----:com.apple.iTunes:PUBLISHER"][0]) == b"Test Press"
    assert bytes(tags["covr"][0]) == image.getvalue()


def test_war_and_peace_epubs_give_its_chapters(shared, capsys):
    for name in ("war-and-peace.epub", "war-and-peace-epub2.epub"):
        book = read_epub(shared / "corpus" / name)
        titles = [c.title for c in book.chapters]
        assert titles[0] == "Opening Credits" and len(titles) == 366
        assert titles[1] == "Book One: 1805 — Chapter I"
        assert "First Epilogue: 1813 - 20 — Chapter I" in titles
        assert titles[-1] == "Second Epilogue — Chapter XII"
        assert not any("Project Gutenberg" in p.text for c in book.chapters for p in c.paragraphs)
    assert main(["chapters", str(shared / "corpus" / "war-and-peace.epub")]) == 0
    assert "366 chapters" in capsys.readouterr().out
