"""EPUB 3 out: the text, the cover, the nav and Media Overlays, read back with zipfile, ElementTree, mutagen
and webvtt-py; EPUBCheck (when it is installed) says whether reading systems may open it.

One tiny book is built with the silent engine; the checks are what a reading system relies on: every clip
inside its audio file, every text fragment there, every sentence once, the clips where the transcript's cues
are, the audio the M4B's own frames.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import webvtt
from mutagen.mp4 import MP4

from pipeline.build import BuildOptions, build
from tests.conftest import BOOK, NAME, write_manuscript

OPF = "{http://www.idpf.org/2007/opf}"
SMIL = "{http://www.w3.org/ns/SMIL}"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPS = "{http://www.idpf.org/2007/ops}"
FORMATS = frozenset({"m4b", "epub", "vtt"})


def options(source: Path, out: Path, cache: Path) -> BuildOptions:
    return BuildOptions(
        source=source, output_dir=out, engine="silent", jobs=1, cache_dir=cache, formats=FORMATS
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("epub")
    source, out, cache = write_manuscript(root / "manuscript"), root / "out", root / "cache"
    result = build(options(source, out, cache))
    return out / f"{NAME}.epub", result, root


def ms(clock: str) -> int:
    hours, minutes, rest = clock.split(":")
    seconds, fraction = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0")[:3])


def package(archive: zipfile.ZipFile) -> ET.Element:
    container = ET.fromstring(archive.read("META-INF/container.xml"))
    name = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile").get("full-path")
    return ET.fromstring(archive.read(name)), name.rpartition("/")[0]


def overlays(archive: zipfile.ZipFile):
    """(xhtml name, smil name, the <par> elements) for every document with a media overlay, in spine order."""
    opf, base = package(archive)
    items = {i.get("id"): i for i in opf.iter(f"{OPF}item")}
    for ref in opf.iter(f"{OPF}itemref"):
        item = items[ref.get("idref")]
        if item.get("media-overlay"):
            smil = items[item.get("media-overlay")]
            assert smil.get("media-type") == "application/smil+xml"
            tree = ET.fromstring(archive.read(f"{base}/{smil.get('href')}"))
            yield f"{base}/{item.get('href')}", f"{base}/{smil.get('href')}", list(tree.iter(f"{SMIL}par"))


def test_the_container_is_an_epub_and_reproducible(built, tmp_path):
    path, _, _root = built
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type, archive.read(first)) == (
            "mimetype",
            zipfile.ZIP_STORED,
            b"application/epub+zip",
        )
        assert path.read_bytes()[30:38] == b"mimetype"  # no extra field before it: readers sniff this
    # A cold build of the same input elsewhere, with its own cache, writes the same bytes.
    again = build(options(write_manuscript(tmp_path / "manuscript"), tmp_path / "out", tmp_path / "cache"))
    assert (tmp_path / "out" / f"{NAME}.epub").read_bytes() == path.read_bytes()
    assert again.synthesized > 0


def test_every_sentence_is_in_the_text_once_and_every_clip_lies_in_its_audio(built):
    path, _, _ = built
    with zipfile.ZipFile(path) as archive:
        _opf, base = package(archive)
        found = list(overlays(archive))
        assert len(found) == 3  # the tiny book's three chapters
        for xhtml, _, pars in found:
            document = ET.fromstring(archive.read(xhtml))
            ids = {
                e.get("id"): "".join(e.itertext()) for e in document.iter() if e.get("id", "").startswith("s")
            }
            targets = [p.find(f"{SMIL}text").get("src") for p in pars]
            assert all(t.startswith(xhtml.rpartition("/")[2] + "#") for t in targets)
            fragments = [t.partition("#")[2] for t in targets]
            assert sorted(fragments) == sorted(ids) and len(set(fragments)) == len(fragments)
            previous_end = 0
            for par in pars:
                audio = par.find(f"{SMIL}audio")
                data = archive.read(f"{base}/{audio.get('src')}")
                length = MP4(io.BytesIO(data)).info.length * 1000
                begin, end = ms(audio.get("clipBegin")), ms(audio.get("clipEnd"))
                assert previous_end <= begin < end <= length
                previous_end = end
            assert previous_end >= length - 1  # the last clip runs to the end: nothing is cut off
        text = [
            s
            for xhtml, _, _ in found
            for s in re.findall(r'<span id="s\d+">([^<]*)</span>', archive.read(xhtml).decode())
        ]
    assert "It cost 5,000 roubles." in text and "Zinoviev" in " ".join(text)


def test_the_clips_start_where_the_transcript_cues_start_and_share_its_sentences(built):
    path, _, _ = built
    out = path.parent
    with zipfile.ZipFile(path) as archive:
        for (xhtml, _, pars), vtt in zip(
            overlays(archive), sorted((out / f"{NAME} (transcript)").glob("*.vtt")), strict=True
        ):
            cues = list(webvtt.read(str(vtt)))
            document = ET.fromstring(archive.read(xhtml))
            texts = {e.get("id"): "".join(e.itertext()) for e in document.iter() if e.get("id")}
            assert len(cues) == len(pars)
            for cue, par in zip(cues, pars, strict=True):
                audio = par.find(f"{SMIL}audio")
                # The highlight moves when the voice does: each clip begins exactly where its cue begins, and
                # runs on through the pause after the sentence to where the next one begins.
                assert ms(audio.get("clipBegin")) == ms(cue.start)
                assert ms(audio.get("clipEnd")) >= ms(cue.end)
                assert texts[par.find(f"{SMIL}text").get("src").partition("#")[2]] == cue.text


def test_the_package_declares_the_overlays_durations_narrator_and_highlight(built):
    path, _, _ = built
    with zipfile.ZipFile(path) as archive:
        opf, base = package(archive)
        metas = list(opf.iter(f"{OPF}meta"))
        durations = {m.get("refines"): ms(m.text) for m in metas if m.get("property") == "media:duration"}
        total = durations.pop(None)
        smils = {
            i.get("id"): i for i in opf.iter(f"{OPF}item") if i.get("media-type") == "application/smil+xml"
        }
        assert {f"#{k}" for k in smils} == set(durations)
        for smil_id, item in smils.items():
            tree = ET.fromstring(archive.read(f"{base}/{item.get('href')}"))
            clips = sum(ms(a.get("clipEnd")) - ms(a.get("clipBegin")) for a in tree.iter(f"{SMIL}audio"))
            assert durations[f"#{smil_id}"] == clips
        assert total == sum(durations.values())
        properties = {m.get("property"): m.text for m in metas}
        active = properties["media:active-class"]
        assert properties["media:narrator"]
        css = next(i for i in opf.iter(f"{OPF}item") if i.get("media-type") == "text/css")
        assert f".{active}" in archive.read(f"{base}/{css.get('href')}").decode()
        cover = next(i for i in opf.iter(f"{OPF}item") if "cover-image" in (i.get("properties") or ""))
        assert archive.read(f"{base}/{cover.get('href')}")[:4] in (
            b"\x89PNG",
            b"\xff\xd8\xff\xe0",
            b"\xff\xd8\xff\xe1",
        )
        nav = next(i for i in opf.iter(f"{OPF}item") if "nav" in (i.get("properties") or "").split())
        navs = {
            n.get(f"{OPS}type"): n
            for n in ET.fromstring(archive.read(f"{base}/{nav.get('href')}")).iter(f"{XHTML}nav")
        }
        labels = ["".join(a.itertext()) for a in navs["toc"].iter(f"{XHTML}a")]
        assert labels == ["Chapter I. The Beginning", "Chapter II. The Middle", "Chapter III. The End"]
        # The landmarks: the cover, and where the book begins (this one has no opening credits: its two
        # title lines open Chapter I).
        landmarks = {a.get(f"{OPS}type"): a.get("href") for a in navs["landmarks"].iter(f"{XHTML}a")}
        first = next(i for i in opf.iter(f"{OPF}itemref"))
        items = {i.get("id"): i.get("href") for i in opf.iter(f"{OPF}item")}
        assert landmarks["cover"] == items[first.get("idref")]
        assert landmarks["bodymatter"] == items[list(opf.iter(f"{OPF}itemref"))[1].get("idref")]
        assert "titlepage" not in landmarks
        audio = {i.get("media-type") for i in opf.iter(f"{OPF}item") if i.get("href").endswith(".m4a")}
        assert audio == {"audio/mp4"}


def _mdat(data: bytes) -> bytes:
    at = 0
    while at < len(data):
        size, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        if kind == b"mdat":
            return data[at + 8 : at + size]
        at += size
    raise AssertionError("no mdat")


def test_the_audio_is_the_m4b_s_own_frames_not_encoded_again(built):
    path, result, _ = built
    m4b = result.path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for name in (n for n in archive.namelist() if n.endswith(".m4a")):
            frames = _mdat(archive.read(name))
            assert frames and frames in m4b


def test_nothing_changed_leaves_it_alone_and_a_word_changed_rewrites_it(built, tmp_path):
    source = write_manuscript(tmp_path / "manuscript")
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(options(source, out, cache))
    epub = out / f"{NAME}.epub"
    before = epub.stat().st_mtime_ns, zipfile.ZipFile(epub).namelist()
    build(options(source, out, cache))
    assert (epub.stat().st_mtime_ns, zipfile.ZipFile(epub).namelist()) == before
    old = {i.filename: zipfile.ZipFile(epub).read(i) for i in zipfile.ZipFile(epub).infolist()}
    (source / "book.txt").write_text(BOOK.replace("That was all.", "That was everything."), encoding="utf-8")
    build(options(source, out, cache))
    with zipfile.ZipFile(epub) as archive:
        new = {i.filename: archive.read(i) for i in archive.infolist()}
    changed = {name for name in new if new[name] != old.get(name)}
    assert "EPUB/c003.xhtml" in changed and "That was everything." in new["EPUB/c003.xhtml"].decode()
    assert changed <= {"EPUB/c003.xhtml", "EPUB/c003.smil", "EPUB/c003.m4a", "EPUB/package.opf"}


def _epubcheck() -> list[str] | None:
    found = shutil.which("epubcheck")
    if found is None:
        return None
    resolved = Path(found).resolve()
    if resolved.suffix == ".jar" or resolved.read_bytes()[:2] == b"PK":
        java = shutil.which("java")
        return [java, "-jar", str(resolved)] if java else None
    return [found]


def test_epubcheck_finds_nothing_wrong(built):
    command = _epubcheck()
    if command is None:
        pytest.skip("EPUBCheck is not installed (apt-get install epubcheck, or put its jar on PATH)")
    path, _, _ = built
    run = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    assert run.returncode == 0 and "0 fatals / 0 errors / 0 warnings" in run.stdout, run.stdout + run.stderr
