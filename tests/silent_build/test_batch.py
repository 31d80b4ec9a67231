"""`audiobook batch` on one machine, with the silent engine: a catalogue in, every book as `audiobook build`
makes it, in DIR/Author/Title/; bad books reported and the rest built; the report; the faults.

Every run is a real `python -m pipeline` subprocess, as a user runs it; every process is stopped by its id.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests import catalogue
from tests.processes import Processes, encoding_worker, wait_for

TIMEOUT = 600
SMALL = (120, 260)  # words a book: several chapters, a few seconds to build


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.stop()
    assert p.alive() == []


def run(procs: Processes, *args, env=None) -> tuple[int, str, str]:
    proc = procs.audiobook(*[str(a) for a in args], env=env)
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


def batch(procs, books, out, cache, *extra, env=None):
    report = out.parent / f"{out.name}-report.json"
    code, _stdout, err = run(
        procs,
        "batch",
        books,
        "-o",
        out,
        "--cache",
        cache,
        "--engine",
        "silent",
        "--report",
        report,
        *extra,
        env=env,
    )
    data = json.loads(report.read_text()) if report.is_file() else None
    return code, err, data


def build_one(procs, source, out, cache) -> Path:
    code, stdout, err = run(procs, "build", source, "-o", out, "--cache", cache, "--engine", "silent", "-q")
    assert code == 0, err
    return Path(stdout.strip().splitlines()[-1])


def expected(book: Path, words: tuple[int, int] = SMALL) -> tuple[str, str]:
    number = int(book.stem.split("-")[1])
    title, author, _ = catalogue.book_text(number, words=words)
    return author, title


@pytest.fixture
def books(tmp_path) -> Path:
    folder = tmp_path / "catalogue"
    catalogue.write_catalogue(folder, 3, words=SMALL)
    return folder


def test_a_catalogue_folder_is_built_book_by_book_as_build_makes_each(procs, tmp_path, books):
    bad = books / "broken"  # a manuscript whose book.yaml has a slip: this book fails, the others go on
    bad.mkdir()
    (bad / "text.txt").write_text("CHAPTER 1\n\nA short book.\n")
    (bad / "book.yaml").write_text("title: Broken\ntitel: Broken\n")
    out, cache = tmp_path / "out", tmp_path / "cache"
    code, err, report = batch(procs, books, out, cache, "-j", "2")
    assert code == 1, err  # one book failed
    by_source = {Path(b["source"]).name: b for b in report["books"]}
    assert set(by_source) == {"book-0001.txt", "book-0002", "book-0003.txt", "broken"}
    failed = by_source.pop("broken")
    assert failed["status"] == "failed" and failed["output"] is None
    assert f"{bad / 'book.yaml'}:2: unknown key 'titel'" in failed["error"]
    assert "book.yaml:2: unknown key 'titel'" in err
    for name, entry in by_source.items():
        author, title = expected(books / name)
        m4b = out / author / title / f"{author} - {title}.m4b"
        assert entry["status"] == "built" and Path(entry["output"]) == m4b, entry
        for field in ("chapters", "duration", "size", "synthesized", "reused", "seconds", "error"):
            assert field in entry
        assert entry["size"] == m4b.stat().st_size and entry["chapters"] > 1 and entry["duration"] > 20
        assert entry["synthesized"] + entry["reused"] == entry["sentences"] > 0
        alone = build_one(procs, books / name, tmp_path / "alone" / name, tmp_path / "alone-cache" / name)
        assert m4b.read_bytes() == alone.read_bytes(), f"{name} differs from `audiobook build` of it"
    # Nothing changed: a second run makes nothing and leaves every file as it was.
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/*/*.m4b")}
    code, err, again = batch(procs, books, out, cache)
    assert code == 1
    statuses = {Path(b["source"]).name: b["status"] for b in again["books"]}
    assert statuses == {**dict.fromkeys(by_source, "up to date"), "broken": "failed"}
    assert all(b["synthesized"] == 0 for b in again["books"])
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*/*.m4b")} == before


def test_the_longest_books_start_first_and_a_clean_catalogue_exits_0(procs, tmp_path, books):
    out, cache = tmp_path / "out", tmp_path / "cache"
    code, err, report = batch(procs, books, out, cache, "-j", "1")
    assert code == 0, err
    sizes = {}
    for entry in report["books"]:
        src = Path(entry["source"])
        sizes[src.name] = sum(p.stat().st_size for p in ([src] if src.is_file() else src.iterdir()))
    # One worker: books finish in the order they start, longest first.
    order = [Path(b["source"]).name for b in report["books"]]
    assert order == sorted(sizes, key=lambda n: -sizes[n])


def test_a_csv_catalogue_sets_each_books_metadata(procs, tmp_path, books):
    listing = tmp_path / "list.csv"
    listing.write_text(
        "source,title,author,year\n"
        f'{books / "book-0001.txt"},"A Title, With a Comma",Ann Other,1901\n'
        f"catalogue/book-0002,,,\n"
    )
    out, cache = tmp_path / "out", tmp_path / "cache"
    code, err, _report = batch(procs, listing, out, cache)
    assert code == 0, err
    first = out / "Ann Other" / "A Title, With a Comma" / "Ann Other - A Title, With a Comma.m4b"
    assert first.is_file()
    from mutagen.mp4 import MP4

    tags = MP4(first).tags
    assert tags["\xa9nam"] == ["A Title, With a Comma"] and tags["\xa9ART"] == ["Ann Other"]
    assert tags["\xa9day"] == ["1901"]
    # The same as `audiobook build` of the book with those values in its book.yaml.
    folder = tmp_path / "as-folder"
    folder.mkdir()
    (folder / "text.txt").write_text((books / "book-0001.txt").read_text())
    (folder / "book.yaml").write_text('title: "A Title, With a Comma"\nauthor: Ann Other\nyear: "1901"\n')
    alone = build_one(procs, folder, tmp_path / "alone", tmp_path / "alone-cache")
    assert first.read_bytes() == alone.read_bytes()
    author, title = expected(books / "book-0002")
    assert (out / author / title / f"{author} - {title}.m4b").is_file()


@pytest.mark.parametrize(
    ("text", "name", "line", "words"),
    [
        ("title,author\nx,y\n", "list.csv", 1, "`source`"),
        ("source,colour\nbook-0001.txt,red\n", "list.csv", 1, "unknown column 'colour'"),
        ("source\ncatalogue/book-0001.txt\ncatalogue/nope.txt\n", "list.csv", 3, "does not exist"),
        (
            "- source: catalogue/book-0001.txt\n- source: catalogue/book-0002\n  rate: fast\n",
            "list.yaml",
            2,
            "rate",
        ),
        ("- source: catalogue/book-0001.txt\n  colour: red\n", "list.yaml", 2, "unknown key 'colour'"),
        ("source: catalogue/book-0001.txt\n", "list.yaml", 1, "list of books"),
    ],
)
def test_a_bad_catalogue_is_exit_2_naming_file_and_line(procs, tmp_path, books, text, name, line, words):
    listing = tmp_path / name
    listing.write_text(text)
    code, err, _report = batch(procs, listing, tmp_path / "out", tmp_path / "cache")
    assert code == 2, err
    assert f"{listing}:{line}:" in err and words in err and "fix:" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing was made


def test_a_yaml_catalogue(procs, tmp_path, books):
    listing = tmp_path / "list.yaml"
    listing.write_text(
        "books:\n  - source: catalogue/book-0003.txt\n    narrator: A. Reader\n  - catalogue/book-0002\n"
    )
    code, err, report = batch(procs, listing, tmp_path / "out", tmp_path / "cache")
    assert code == 0, err
    assert [b["status"] for b in report["books"]] == ["built", "built"]


def test_no_encoder_stops_the_batch_at_once(procs, tmp_path, books):
    code, err, _report = batch(
        procs,
        books,
        tmp_path / "out",
        tmp_path / "cache",
        env={"AUDIOBOOK_FFMPEG": str(tmp_path / "no-ffmpeg")},
    )
    assert code == 3 and "AUDIOBOOK_FFMPEG" in err and "Traceback" not in err
    assert not list((tmp_path / "out").rglob("*.m4b")) if (tmp_path / "out").exists() else True


def test_a_cache_that_cannot_be_written_stops_the_batch_at_once(procs, tmp_path, books):
    blocked = tmp_path / "cache-is-a-file"
    blocked.write_text("")
    code, err, _report = batch(procs, books, tmp_path / "out", blocked / "cache")
    assert code == 1 and "cache" in err and "fix:" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.m4b"))


def test_an_interrupted_batch_redoes_no_finished_book(procs, tmp_path):
    books = tmp_path / "catalogue"
    catalogue.write_catalogue(books, 5, words=(500, 700))  # long enough to be interrupted between books
    out, cache = tmp_path / "out", tmp_path / "cache"
    # A shell's background job (`make test &`, nohup) ignores SIGINT, and so would the batch it inherits
    # that from: Ctrl-C is given back to the batch, as a terminal would have it.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = procs.audiobook("batch", books, "-o", out, "--cache", cache, "--engine", "silent", "-j", "1")
    finally:
        signal.signal(signal.SIGINT, ignored)
    wait_for(lambda: list(out.glob("*/*/*.m4b")), seconds=TIMEOUT, what="a first finished book")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode == 130
    finished = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*/*/*.m4b")}
    assert 1 <= len(finished) < 5
    procs.sample()
    code, err, report = batch(procs, books, out, cache, "-j", "2")
    assert code == 0, err
    statuses = {Path(b["output"]): b for b in report["books"]}
    for path, stamp in finished.items():
        assert statuses[path]["status"] == "up to date" and statuses[path]["synthesized"] == 0
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp  # not written again
    assert sum(b["status"] == "built" for b in report["books"]) == 5 - len(finished)
    for book in sorted(books.iterdir()):
        author, title = expected(book, (500, 700))
        alone = build_one(procs, book, tmp_path / "alone" / book.name, tmp_path / "alone-cache" / book.name)
        assert (out / author / title / alone.name).read_bytes() == alone.read_bytes()


def test_a_batch_stopped_by_sigterm_leaves_no_process_behind(procs, tmp_path):
    """`kill`, a job scheduler or a timeout: the batch unwinds as Ctrl-C does (exit 143), and its worker
    pool, forkserver and encoders go with it (Python's default for SIGTERM skipped the pool's shutdown and
    left them running for ever)."""
    books = tmp_path / "catalogue"
    catalogue.write_catalogue(books, 4, words=(800, 1000))
    proc = procs.audiobook(
        "batch", books, "-o", tmp_path / "out", "--cache", tmp_path / "cache", "--engine", "silent", "-j", "2"
    )
    wait_for(lambda: encoding_worker(procs, proc), seconds=TIMEOUT, step=0.05, what="a worker encoding")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "stopped (SIGTERM)" in err
    wait_for(  # fails if any of them is still there after 30 s
        lambda: [p for p in procs.alive() if p.pid != proc.pid] == [],
        seconds=30,
        what="the batch's processes to end",
    )


def test_two_batches_over_one_output_folder(procs, tmp_path, books):
    out = tmp_path / "out"
    runs = [
        procs.audiobook(
            "batch", books, "-o", out, "--cache", tmp_path / f"cache{i}", "--engine", "silent", "-j", "1"
        )
        for i in (1, 2)
    ]
    results = [(p.wait(timeout=TIMEOUT), p.stderr.read()) for p in runs]
    assert [code for code, _ in results] == [0, 0], results
    for book in sorted(books.iterdir()):
        author, title = expected(book)
        folder = out / author / title
        alone = build_one(procs, book, tmp_path / "alone" / book.name, tmp_path / "alone-cache" / book.name)
        assert (folder / alone.name).read_bytes() == alone.read_bytes()
        assert sorted(p.name for p in folder.iterdir()) == sorted([alone.name, f".{alone.name}.lock"])


def test_a_worker_killed_mid_batch_is_replaced_and_its_work_done_again(procs, tmp_path, books):

    out, cache = tmp_path / "out", tmp_path / "cache"
    proc = procs.audiobook(
        "batch",
        books,
        "-o",
        out,
        "--cache",
        cache,
        "--engine",
        "silent",
        "-j",
        "2",
        "--report",
        tmp_path / "report.json",
    )

    victim = wait_for(
        lambda: encoding_worker(procs, proc), seconds=TIMEOUT, step=0.05, what="a worker encoding"
    )
    os.kill(victim.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["reruns"] >= 1
    for book in sorted(books.iterdir()):
        author, title = expected(book)
        alone = build_one(procs, book, tmp_path / "alone" / book.name, tmp_path / "alone-cache" / book.name)
        assert (out / author / title / alone.name).read_bytes() == alone.read_bytes()


def test_usage_errors_are_exit_2(procs, tmp_path, books):
    code, err, _ = batch(procs, tmp_path / "nowhere", tmp_path / "out", tmp_path / "cache")
    assert code == 2 and "nowhere" in err
    code, err, _ = batch(
        procs, books, tmp_path / "out", tmp_path / "cache", "-j", "2", "--cluster", "local:2"
    )
    assert code == 2 and "-j" in err
    code, err, _ = batch(procs, books, tmp_path / "out", tmp_path / "cache", "--cluster", "http://x")
    assert code == 2 and "tcp://" in err
