"""Rebuilds redo only what changed, and the result equals a cold build of the same input, to the byte."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import voice
from pipeline.build import BuildOptions, build
from pipeline.m4b import package
from tests.conftest import ROOT

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


# What only a build with work to do needs: the stages and the libraries behind them.
HEAVY = (
    "mutagen",
    "yaml",
    "PIL",
    "lxml",
    "numpy",
    "pydub",
    "num2words",
    "pymorphy3",
    "filelock",
    "importlib.metadata",
)
STAGES = (
    "pipeline.text.source",
    "pipeline.speech",
    "pipeline.voice",
    "pipeline.audio.jobs",
    "pipeline.audio.render",
    "pipeline.audio.workers",
    "pipeline.m4b.package",
)


def test_a_noop_rebuild_loads_none_of_the_stages(tmp_path):
    """Nothing changed: `audiobook build` answers from the inputs' hash and the book's own tag alone, with no
    stage (nor the libraries behind them) loaded, so it costs little more than Python's start."""
    book, out = make_book(tmp_path / "book"), tmp_path / "out"
    env = {**os.environ, "AUDIOBOOK_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    argv = ["build", str(book), "-o", str(out), "--engine", "silent"]
    probe = (
        "import sys\nfrom pipeline.cli import main\ncode = main(sys.argv[1:])\n"
        "print(code, *sorted(sys.modules))"
    )

    def loaded() -> tuple[str, set[str]]:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *argv], env=env, capture_output=True, text=True, timeout=300
        )
        code, *modules = proc.stdout.splitlines()[-1].split()  # after the book's path
        assert code == "0", proc.stderr
        return proc.stderr, set(modules)

    _, cold = loaded()
    assert {"mutagen", "pipeline.audio.render"} <= cold  # the probe sees what a build loads
    before = (out / "Test Author - Incremental.m4b").read_bytes()
    said, noop = loaded()
    assert "is up to date" in said
    assert sorted(m for m in noop if m.split(".")[0] in HEAVY or m in HEAVY or m.startswith(STAGES)) == []
    assert (out / "Test Author - Incremental.m4b").read_bytes() == before
    assert BuildOptions().engine == voice.DEFAULT  # named there without loading the engines


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


def test_a_rebuild_copies_the_last_books_audio_unless_that_file_was_damaged(tmp_path, monkeypatch):
    """After an edit, the lines the last M4B holds are copied from it rather than read again one by one
    from the cache; a file changed since (a flipped byte in its audio) is not copied from. Either way the
    book is the one a cold build makes."""
    from pipeline.audio.cache import Cache

    book, out, cache = make_book(tmp_path / "book"), tmp_path / "out", tmp_path / "cache"
    run(book, out, cache)
    read: list[str] = []
    real = Cache.get

    def counting(self, kind, key, **kw):
        read.append(kind)
        return real(self, kind, key, **kw)

    monkeypatch.setattr(Cache, "get", counting)
    (book / "book.txt").write_text(BOOK.replace("The papers said little.", "The papers said nothing."))
    edited = run(book, out, cache)
    assert read.count("aac") == 1  # the edited sentence; the other eleven lines came from the last book
    cold = tmp_path / "cold"
    assert build_cold(book, cold).read_bytes() == edited.path.read_bytes()

    data = bytearray(edited.path.read_bytes())
    data[-500] ^= 0xFF  # in the last line's audio
    edited.path.write_bytes(bytes(data))
    read.clear()
    (book / "book.txt").write_text(BOOK.replace("Nobody knew more.", "Nobody knew."))
    again = run(book, out, cache)
    assert read.count("aac") == 12  # every line from the cache
    assert build_cold(book, tmp_path / "cold2").read_bytes() == again.path.read_bytes()


def build_cold(book: Path, where: Path) -> Path:
    options = BuildOptions(source=book, output_dir=where / "out", cache_dir=where / "cache", jobs=1)
    return build(options).path
