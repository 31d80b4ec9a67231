"""An EPUB as the manuscript, built with the silent engine: the M4B's chapters are the EPUB's, its tags the
EPUB's metadata (book.yaml winning), its cover the EPUB's; War and Peace's EPUBs give its 365 chapters."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from mutagen.mp4 import MP4
from PIL import Image

from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.m4b import package
from pipeline.model import ChapterKind
from pipeline.text import source
from pipeline.text.epub_chapters import read_epub
from tests.conftest import ROOT
from tests.epubs import Doc, make_epub

XHTML = "{http://www.w3.org/1999/xhtml}"
OPS = "{http://www.idpf.org/2007/ops}"
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


def _spoken(source: Path, capsys) -> list[str]:
    """What `audiobook spoken` prints, each chapter's heading without where it is in the source."""
    capsys.readouterr()
    assert main(["spoken", str(source)]) == 0
    return [re.sub(r"  \(.*\)$", "", line) for line in capsys.readouterr().out.splitlines()]


def test_the_first_book_built_as_an_epub_reads_back_as_the_same_chapters_and_spoken_text(tmp_path, capsys):
    """Our own EPUB 3 as the manuscript: its title page is the opening credits again (not a chapter whose
    title is read aloud), and every chapter, title and sentence is what the .txt gives."""
    text = source.load(ROOT / "script").book
    options = BuildOptions(
        source=ROOT / "script",
        output_dir=tmp_path / "out",
        engine="silent",
        jobs=1,
        cache_dir=tmp_path / "cache",
        formats=frozenset({"m4b", "epub"}),
    )
    build(options)
    folder = tmp_path / "from-epub"
    folder.mkdir()
    built = next((tmp_path / "out").glob("*.epub"))
    shutil.copy(built, folder / built.name)  # no book.yaml: what the EPUB says of itself
    with zipfile.ZipFile(built) as archive:  # it tells any reading system where its title page is
        nav = ET.fromstring(archive.read("EPUB/nav.xhtml"))
        marks = {a.get(f"{OPS}type"): a.get("href") for a in nav.iter(f"{XHTML}a") if a.get(f"{OPS}type")}
        page = ET.fromstring(archive.read(f"EPUB/{marks['titlepage']}"))
        sections = list(page.iter(f"{XHTML}section"))
        assert [s.get(f"{OPS}type") for s in sections] == ["titlepage"]
        assert "".join(sections[0].itertext()).split()[:2] == ["Leon", "Trotsky"]
    book = source.load(folder).book
    assert [(c.title, c.kind, c.speak_title) for c in book.chapters] == [
        (c.title, c.kind, c.speak_title) for c in text.chapters
    ]
    assert text.chapters[0].kind is ChapterKind.OPENING and not book.chapters[0].speak_title
    assert [[p.text for p in c.paragraphs] for c in book.chapters] == [
        [p.text for p in c.paragraphs] for c in text.chapters
    ]
    meta = text.metadata
    assert (book.metadata.title, book.metadata.author, book.metadata.translator) == (
        meta.title,
        meta.author,
        meta.translator,
    )
    spoken = _spoken(folder, capsys)
    assert spoken == _spoken(ROOT / "script", capsys)
    assert "Opening Credits" not in spoken[1:]
