"""The other outputs (MP3, podcast, transcripts), read back with independent parsers: mutagen for ID3 and MP4,
ffmpeg for decoding, ElementTree for the feed, webvtt-py for WebVTT and SRT.

One tiny book is built with the silent engine (M4B only), then again adding every format, which must
synthesize and encode nothing; the real engine is used once, for the MP3's timing against real speech.
"""

from __future__ import annotations

import html
import itertools
import xml.etree.ElementTree as ET
from array import array
from pathlib import Path

import pytest
import webvtt
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from pipeline import runner, tools
from pipeline.audio import aac
from pipeline.build import BuildOptions, build
from pipeline.formats import feed, transcript
from pipeline.m4b import package
from tests.conftest import BOOK, NAME, write_manuscript

ALL = frozenset({"m4b", "mp3", "podcast", "vtt"})
ITUNES, PODCAST = f"{{{feed.ITUNES}}}", f"{{{feed.PODCAST}}}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(out folder, the build that added the formats, the manuscript, the cache) for a silent tiny book."""
    root = tmp_path_factory.mktemp("formats")
    source, out, cache = write_manuscript(root / "manuscript"), root / "out", root / "cache"
    options = BuildOptions(source=source, output_dir=out, engine="silent", jobs=1, cache_dir=cache)
    first = build(options)
    assert first.synthesized == first.sentences > 0
    result = build(BuildOptions(**{**_fields(options), "formats": ALL, "mp3_per_chapter": True}))
    return out, result, source, cache


def _fields(options: BuildOptions) -> dict:
    return {name: getattr(options, name) for name in options.__slots__}


def seconds(timestamp) -> float:
    return timestamp.in_milliseconds() / 1000


def decode(path: Path, work: Path, *, rate: int, untrimmed: bool = False) -> array:
    pcm = work / f"{path.stem}.pcm"
    trim = ["-flags2", "+skip_manual"] if untrimmed else []  # a player that ignores the LAME header
    runner.run(
        [
            tools.ffmpeg(),
            "-v",
            "error",
            "-y",
            *trim,
            "-i",
            path,
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            pcm,
        ],
        what="decoding for the test",
        expect=pcm,
    )
    return array("h", pcm.read_bytes())


def lame_delay(path: Path) -> int:
    """Samples a player that ignores the LAME header plays before the audio: the encoder delay the header
    records (bytes 21-23 of the LAME tag, after the Xing header) plus the decoder's 529."""
    data = path.read_bytes()
    xing = data.find(b"Info")
    assert xing > 0, "no Xing/Info header: gapless players cannot trim"
    lame = xing + 120
    assert data[lame : lame + 4] == b"LAME"
    return (int.from_bytes(data[lame + 21 : lame + 24], "big") >> 12) + 529


def test_adding_formats_synthesizes_and_encodes_nothing(built):
    out, result, *_ = built
    assert result.synthesized == 0 and result.encoded == 0
    assert result.outputs == (
        out / f"{NAME}.m4b",
        out / f"{NAME}.mp3",
        out / f"{NAME} (MP3)",
        out / f"{NAME} (podcast)" / "feed.xml",
        out / f"{NAME}.vtt",
        out / f"{NAME}.srt",
        out / f"{NAME} (transcript)",
    )


def test_mp3_has_the_m4b_chapters_and_tags(built, tmp_path):
    out, *_ = built
    mp3, m4b = out / f"{NAME}.mp3", package.read_back(out / f"{NAME}.m4b")
    tags = ID3(mp3)
    assert tags.version == (2, 4, 0)
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    chapters = [tags[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [t for t, _ in m4b.nero_chapters]
    for chap, (_, start) in zip(chapters, m4b.quicktime_chapters, strict=True):
        assert abs(chap.start_time / 1000 - start) <= 0.05
    assert all(a.end_time == b.start_time for a, b in itertools.pairwise(chapters))
    assert abs(chapters[-1].end_time / 1000 - m4b.duration) <= 0.05
    assert tags["TIT2"].text == ["The Tiny Test Book"] and tags["TALB"].text == ["The Tiny Test Book"]
    assert tags["TPE1"].text == ["Ada Example"] and tags["TDRC"].text[0].text == "2026"
    assert tags["TCOM"].text == m4b.tags["©nrt"] and tags["TCON"].text == ["Audiobook"]
    assert tags.getall("COMM")[0].text == ["A book of three short chapters, for testing."]
    assert tags.getall("APIC")[0].data == m4b.cover and tags.getall("APIC")[0].type == 3

    # Decoded by ffmpeg (a gapless player): clean, and as long as the M4B.
    assert package.decode_errors(mp3) == ""
    rate = 44100
    samples = decode(mp3, tmp_path, rate=rate)
    assert abs(len(samples) / rate - m4b.duration) <= 0.1
    # A player that ignores the LAME header plays the encoder delay first: chapters still land within 50 ms.
    delay = lame_delay(mp3)
    assert delay / rate <= 0.05
    assert len(decode(mp3, tmp_path, rate=rate, untrimmed=True)) >= len(samples) + delay - 529


def test_mp3_per_chapter_files(built):
    out, *_ = built
    m4b = package.read_back(out / f"{NAME}.m4b")
    files = sorted((out / f"{NAME} (MP3)").iterdir())
    titles = [t for t, _ in m4b.nero_chapters]
    assert [f.name for f in files] == [f"{i:02d} - {t}.mp3" for i, t in enumerate(titles, 1)]
    total = 0.0
    for number, (path, title) in enumerate(zip(files, titles, strict=True), 1):
        tags = ID3(path)
        assert tags["TIT2"].text == [title] and tags["TALB"].text == ["The Tiny Test Book"]
        assert tags["TRCK"].text == [f"{number}/{len(titles)}"]
        assert not tags.getall("CHAP")
        total += MP3(path).info.length
    assert abs(total - m4b.duration) <= 0.01  # the chapters' regions tile the book


def test_podcast_feed_episodes_and_transcripts(built, tmp_path):
    out, result, *_ = built
    folder = out / f"{NAME} (podcast)"
    root = ET.parse(folder / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    text = (folder / "feed.xml").read_text(encoding="utf-8")
    assert f'xmlns:itunes="{feed.ITUNES}"' in text and f'xmlns:podcast="{feed.PODCAST}"' in text
    channel = root.find("channel")
    assert channel.findtext("title") == "The Tiny Test Book"
    assert channel.findtext(f"{ITUNES}author") == "Ada Example"
    assert channel.findtext(f"{ITUNES}summary") == "A book of three short chapters, for testing."
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext(f"{ITUNES}type") == "serial"
    cover = channel.find(f"{ITUNES}image").get("href")
    assert (folder / cover).read_bytes() == package.read_back(out / f"{NAME}.m4b").cover
    items = channel.findall("item")
    assert len(items) == result.chapters
    guids = set()
    for number, item in enumerate(items, 1):
        assert item.findtext(f"{ITUNES}episode") == str(number)
        enclosure = item.find("enclosure")
        episode = folder / html.unescape(enclosure.get("url")).replace("%20", " ")
        assert enclosure.get("type") == "audio/x-m4a"
        assert int(enclosure.get("length")) == episode.stat().st_size
        mp4 = MP4(episode)
        assert abs(int(item.findtext(f"{ITUNES}duration")) - mp4.info.length) <= 0.5
        assert mp4.tags["trkn"] == [(number, len(items))] and mp4.tags["©alb"] == ["The Tiny Test Book"]
        assert package.decode_errors(episode) == ""
        guid = item.findtext("guid")
        assert item.find("guid").get("isPermaLink") == "false" and guid not in guids
        guids.add(guid)
        transcripts = {t.get("type"): t.get("url") for t in item.findall(f"{PODCAST}transcript")}
        vtt = folder / transcripts["text/vtt"].replace("%20", " ")
        cues = list(webvtt.read(vtt))
        assert cues and all(0 <= seconds(c.start_time) < seconds(c.end_time) <= mp4.info.length for c in cues)


def test_transcripts_are_the_manuscript_sentences_on_the_real_timeline(built):
    out, *_ = built
    m4b = package.read_back(out / f"{NAME}.m4b")
    cues = list(webvtt.read(out / f"{NAME}.vtt"))
    texts = [html.unescape(c.text) for c in cues]
    # As written, not as spoken: numbers and dates stay in figures.
    assert "It was 1926, and Zinoviev was in Leningrad." in texts
    assert "Kamenev wrote a letter on December 28, 1934." in texts
    assert "He said nothing." in texts
    starts = [seconds(c.start_time) for c in cues]
    assert starts == sorted(starts) and seconds(cues[-1].end_time) <= m4b.duration
    srt = list(webvtt.from_srt(out / f"{NAME}.srt"))
    assert [c.text for c in srt] == texts
    assert [seconds(c.start_time) for c in srt] == starts
    # The chapter transcripts are the book's, cut at the chapters and timed from each chapter's start.
    chapter_files = sorted((out / f"{NAME} (transcript)").glob("*.vtt"))
    assert len(chapter_files) == len(m4b.nero_chapters)
    joined = [html.unescape(c.text) for f in chapter_files for c in webvtt.read(f)]
    assert joined == texts
    for path, (_, start) in zip(chapter_files[1:], m4b.nero_chapters[1:], strict=True):
        first = next(iter(webvtt.read(path)))
        book_cue = cues[texts.index(html.unescape(first.text))]
        # the chapter file starts one AAC frame before the chapter mark (its region; see built.py)
        offset = seconds(book_cue.start_time) - seconds(first.start_time)
        assert abs(offset - (start - aac.FRAME / m4b.sample_rate)) <= 0.002


def test_asking_again_rewrites_nothing_and_an_edit_redoes_one_chapter(built):
    out, _, source, cache = built
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    before = {p: p.stat().st_mtime_ns for p in files}
    feed_before = ET.parse(out / f"{NAME} (podcast)" / "feed.xml").getroot()
    options = BuildOptions(
        source=source,
        output_dir=out,
        engine="silent",
        jobs=1,
        cache_dir=cache,
        formats=ALL,
        mp3_per_chapter=True,
    )
    again = build(options)
    assert again.synthesized == 0
    assert {p: p.stat().st_mtime_ns for p in files} == before

    write_manuscript(source, BOOK.replace("He said nothing.", "He said nothing at all."))
    edited = build(options)
    assert edited.synthesized == 1
    podcast = out / f"{NAME} (podcast)"
    changed = {p.name for p in files if p.exists() and p.stat().st_mtime_ns != before[p]}
    assert "02 - Chapter II. The Middle.m4a" not in changed and "03 - Chapter III. The End.mp3" not in changed
    assert any(name.endswith(".m4a") for name in changed) and f"{NAME}.mp3" in changed
    feed_after = ET.parse(podcast / "feed.xml").getroot()
    for old, new in zip(feed_before.iter("item"), feed_after.iter("item"), strict=True):
        assert old.findtext("guid") == new.findtext("guid")  # apps keep their episodes
        assert old.findtext("pubDate") == new.findtext("pubDate")
    assert "He said nothing at all." in (out / f"{NAME}.vtt").read_text(encoding="utf-8")


def test_feed_links_absolute_with_a_base_url_and_escaped():
    from datetime import UTC, datetime

    from pipeline.model import Metadata

    meta = Metadata(title="Tom & Jerry <Live>", author="A. N. Author", description="Cats & mice")
    episodes = [feed.Episode(1, "One & Two", "01 - One & Two.m4a", "01.vtt", "01.srt", 10, 61.4)]
    data = feed.render(
        meta,
        episodes,
        cover="cover.jpg",
        base_url="https://example.org/books",
        published={},
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    channel = ET.fromstring(data).find("channel")
    assert channel.findtext("title") == "Tom & Jerry <Live>"
    item = channel.find("item")
    assert item.find("enclosure").get("url") == "https://example.org/books/01%20-%20One%20%26%20Two.m4a"
    assert item.findtext(f"{ITUNES}duration") == "61"
    assert item.findtext("guid") == feed.guid(meta, 1)
    assert channel.find(f"{ITUNES}image").get("href") == "https://example.org/books/cover.jpg"
    served = ET.fromstring(feed.rebase(data, "http://other/")).find("channel")
    assert served.find("item/enclosure").get("url").startswith("https://example.org/books/")


def test_transcript_text_is_escaped_for_webvtt():
    cues = [transcript.Cue(0, 1.5, "A <b> & --> c"), transcript.Cue(1.5, 3700.25, "Two\nlines")]
    parsed = webvtt.from_string(transcript.webvtt(cues))
    assert [html.unescape(c.text) for c in parsed] == ["A <b> & --> c", "Two lines"]
    assert parsed[1].end == "01:01:40.250"


@pytest.mark.slow
def test_real_engine_mp3_keeps_the_m4b_timeline(tmp_path):
    out = tmp_path / "out"
    options = BuildOptions(
        source=write_manuscript(tmp_path / "manuscript"), output_dir=out, jobs=2, formats=ALL
    )
    result = build(options)
    mp3 = out / f"{NAME}.mp3"
    m4b = package.read_back(result.path)
    rate = 44100
    gapless = decode(mp3, tmp_path, rate=rate)
    assert abs(len(gapless) / rate - m4b.duration) <= 0.1
    # Where the speech is, in both: the M4B decoded at the same rate lines up with the gapless MP3 decode.
    reference = decode(result.path, tmp_path, rate=rate)
    assert _shift(reference, gapless) == 0
    # A player that does not trim the delay hears everything `lame_delay` later, and no more than 50 ms.
    untrimmed = decode(mp3, tmp_path, rate=rate, untrimmed=True)
    shift = _shift(reference, untrimmed)
    assert shift == lame_delay(mp3) and shift / rate <= 0.05
    assert package.decode_errors(mp3) == ""


def _shift(reference: array, other: array, *, window: int = 1024) -> int:
    """The lag (in samples, up to about 46 ms) at which `other` best matches `reference` at its loudest."""
    energy = [
        sum(abs(x) for x in reference[i : i + window]) for i in range(0, len(reference) - window, window)
    ]
    at = max(window, energy.index(max(energy)) * window)
    piece = reference[at : at + window]

    def error(lag: int) -> int:
        return sum(abs(a - b) for a, b in zip(piece, other[at + lag : at + lag + window], strict=False))

    return min(range(-256, 2048), key=error)
