"""Rebuilds redo only what changed, and the result equals a cold build of the same input, to the byte."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from pipeline.build import BuildOptions, build
from pipeline.m4b import package

BOOK = """\
CHAPTER I. Kirov

Kirov was killed in Leningrad. The news came by cable. Nobody knew more.


CHAPTER II. Kamenev

Kamenev was arrested. Zinoviev was arrested too. The papers said little.


CHAPTER III. After

Years passed. The archives opened. The truth came out slowly.
"""

LEXICON = """\
Kirov: ˈkiːrəf
Kamenev: ˈkɑːmɪnjɛf
Zinoviev: zɪˈnoʊvjɛf
"""


def make_book(folder: Path, text: str = BOOK, lexicon: str = LEXICON, title: str = "Incremental") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.txt").write_text(text, encoding="utf-8")
    (folder / "pronunciations.yaml").write_text(lexicon, encoding="utf-8")
    (folder / "book.yaml").write_text(f"title: {title}\nauthor: Test Author\n", encoding="utf-8")
    return folder


def run(folder: Path, out: Path, cache: Path):
    return build(BuildOptions(source=folder, output_dir=out, cache_dir=cache, jobs=2))


def chapter_lengths(path: Path) -> list[float]:
    back = package.read_back(path)
    starts = [s for _, s in back.quicktime_chapters] + [back.duration]
    return [b - a for a, b in itertools.pairwise(starts)]


def test_rebuilds_redo_only_what_changed(tmp_path):
    book, out, cache = make_book(tmp_path / "book"), tmp_path / "out", tmp_path / "cache"
    cold = run(book, out, cache)
    assert (cold.synthesized, cold.encoded, cold.up_to_date) == (cold.sentences, 3, False)
    first_bytes = cold.path.read_bytes()

    # Nothing changed: nothing synthesized or encoded, the file left alone.
    again = run(book, out, cache)
    assert (again.synthesized, again.encoded, again.up_to_date) == (0, 0, True)
    assert cold.path.read_bytes() == first_bytes

    # One word in chapter II: one sentence synthesized, one chapter encoded, the others reused.
    (book / "book.txt").write_text(BOOK.replace("The papers said little.", "The papers said nothing."))
    edited = run(book, out, cache)
    assert (edited.synthesized, edited.encoded, edited.up_to_date) == (1, 1, False)
    before, after = chapter_lengths_of(first_bytes, tmp_path), chapter_lengths(edited.path)
    assert after[0] == pytest.approx(before[0], abs=0.001) and after[2] == pytest.approx(before[2], abs=0.001)

    # The same input built cold, in an empty cache, gives the very same file.
    fresh = build(
        BuildOptions(source=book, output_dir=tmp_path / "fresh", cache_dir=tmp_path / "cache2", jobs=1)
    )
    assert fresh.path.read_bytes() == edited.path.read_bytes()

    # One lexicon entry: only the sentences that say the name (two: the heading and the first sentence).
    (book / "pronunciations.yaml").write_text(LEXICON.replace("ˈkɑːmɪnjɛf", "ˈkɑːmənɛf"), encoding="utf-8")
    relexed = run(book, out, cache)
    assert (relexed.synthesized, relexed.encoded) == (2, 1)
    assert relexed.lexicon_uses["Kamenev"] == 2

    # Metadata only: nothing synthesized or encoded, but the file now carries the new title.
    (book / "book.yaml").write_text("title: Renamed\nauthor: Test Author\n", encoding="utf-8")
    renamed = run(book, out, cache)
    assert (renamed.synthesized, renamed.encoded, renamed.up_to_date) == (0, 0, False)
    assert package.read_back(renamed.path).tags["©nam"] == ["Renamed"]
    assert chapter_lengths(renamed.path) == chapter_lengths(relexed.path)


def chapter_lengths_of(data: bytes, tmp_path: Path) -> list[float]:
    copy = tmp_path / "copy.m4b"
    copy.write_bytes(data)
    return chapter_lengths(copy)


def test_damaged_cache_entries_are_rendered_again(tmp_path):
    book, out, cache = make_book(tmp_path / "book"), tmp_path / "out", tmp_path / "cache"
    cold = run(book, out, cache)
    reference = cold.path.read_bytes()
    for entry in list((cache / "aac").rglob("*.aac"))[:1] + list((cache / "sentences").rglob("*.pcm"))[:2]:
        entry.write_bytes(entry.read_bytes()[:-100])  # cut short, as a crash or full disk would
    shutil.rmtree(out)
    rebuilt = run(book, out, cache)
    assert rebuilt.encoded == 1
    assert rebuilt.path.read_bytes() == reference


def test_joins_are_silent_and_chapter_starts_exact(tmp_path):
    from array import array

    from pipeline import runner, tools

    book, out, cache = make_book(tmp_path / "book"), tmp_path / "out", tmp_path / "cache"
    result = run(book, out, cache)
    back = package.read_back(result.path)
    pcm = tmp_path / "decoded.pcm"
    runner.run(
        [tools.ffmpeg(), "-v", "error", "-i", result.path, "-f", "s16le", "-ac", "1", pcm],
        what="decode",
        expect=pcm,
    )
    samples = array("h", pcm.read_bytes())
    rate = back.sample_rate
    for _, start in back.quicktime_chapters[1:]:
        at = round(start * rate)
        join = samples[at - 3 * 1024 : at + int(0.25 * rate)]  # the end of one chapter, the join, the lead-in
        assert max(abs(x) for x in join) < 100  # silence: no click at the join
        assert max(abs(x) for x in samples[at + int(0.3 * rate) : at + int(1.0 * rate)]) > 3000  # the title


def test_prune_keeps_what_the_books_use_and_drops_the_rest(tmp_path):
    from pipeline.audio.cache import Cache

    book, out, cache_dir = make_book(tmp_path / "book"), tmp_path / "out", tmp_path / "cache"
    cache = Cache(cache_dir)
    run(book, out, cache_dir)
    before = cache.size()
    assert cache.prune() == (0, 0)  # everything is in use, and new besides

    # An edit leaves the old sentence's audio behind: its PCM, encoded segment, record, and the old inputs
    (book / "book.txt").write_text(BOOK.replace("Nobody knew more.", "Nobody knew why."), encoding="utf-8")
    run(book, out, cache_dir)
    assert cache.size()[0] == before[0] + 4
    removed, freed = cache.prune(grace=0)
    assert removed == 4 and freed > 0
    assert cache.size()[0] == before[0]

    # What is left is all a rebuild needs: nothing changed is up to date, one more edit costs one sentence
    assert run(book, out, cache_dir).up_to_date
    (book / "book.txt").write_text(BOOK.replace("Nobody knew more.", "Nobody knew how."), encoding="utf-8")
    again = run(book, out, cache_dir)
    assert (again.synthesized, again.encoded) == (1, 1)

    # A book whose output is gone no longer holds anything but the voice's calibration
    again.path.unlink()
    cache.prune(grace=0)
    assert [p.parent.parent.name for p in cache_dir.glob("*/*/*") if p.is_file()] == ["calibration"]


def test_prune_removes_what_killed_builds_left(tmp_path):
    from pipeline.audio.cache import Cache

    cache = Cache(tmp_path)
    cache.put("sentences", "ab" * 20, b"\0\0", sample_rate=22050)
    stray = tmp_path / "sentences" / "ab" / ".tmp-x.pcm"
    stray.write_bytes(b"half")
    (tmp_path / "work" / "tmpdir").mkdir(parents=True)
    (tmp_path / "work" / "tmpdir" / "a.pcm").write_bytes(b"1234")
    assert cache.prune(grace=3600) == (0, 0)  # too new: a build may be writing them
    removed, freed = cache.prune(grace=0)
    assert (removed, freed) == (1, 4 + 4 + 2 + 34)  # the entry (2 bytes + header), the stray, the work file
    assert not stray.exists() and not (tmp_path / "work" / "tmpdir").exists()
    assert cache.size() == (0, 0)
