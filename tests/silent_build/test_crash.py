"""Broken engines and encoders, a full disk, kill -9 and two builds at once: the previous book stays intact,
the cache stays valid, and the next normal build gives exactly the book an uninterrupted build gives.

Every build here is a real `python -m pipeline build` subprocess with the silent engine, as a user runs it.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

BOOK = "Tiny Book\n\nby Ann Author\n\n" + "".join(
    f"CHAPTER {n}\n\nThis is chapter {n}. It has two sentences in it.\n\n" for n in range(1, 13)
)
NAME = "Ann Author - Tiny Book.m4b"


def build(book: Path, out: Path, cache: Path, *, env: dict[str, str] | None = None, **popen):
    """Run one build to the end; (exit code, stderr)."""
    proc = start(book, out, cache, env=env, **popen)
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err


def start(book: Path, out: Path, cache: Path, *, env: dict[str, str] | None = None, **popen):
    argv = [
        sys.executable,
        "-m",
        "pipeline",
        "build",
        book,
        "-o",
        out,
        "--engine",
        "silent",
        "--cache",
        cache,
    ]
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen(
        [str(a) for a in [*argv, "-j", "2", "-q"]],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "book.txt"
    path.write_text(BOOK)
    return path


@pytest.fixture
def reference(tmp_path_factory, book) -> bytes:
    """The book as a clean, uninterrupted build with an empty cache makes it."""
    where = tmp_path_factory.mktemp("reference")
    code, err = build(book, where / "out", where / "cache")
    assert code == 0, err
    return (where / "out" / NAME).read_bytes()


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name not in (NAME, f".{NAME}.lock"))


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("ffmpeg missing", 3, "AUDIOBOOK_FFMPEG points at"),
        ("ffmpeg fails", 1, "exited with 1: simulated crash"),
        ("ffmpeg writes garbage", 1, "error"),
        ("espeak data missing", 3, "is not an espeak-ng-data folder"),
    ],
)
def test_a_broken_tool_fails_clearly_and_keeps_the_book_and_the_cache(
    tmp_path, book, reference, case, code, words
):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert build(book, out, cache)[0] == 0
    before = (out / NAME).read_bytes()
    assert before == reference
    book.write_text(BOOK.replace("two sentences", "2 sentences"))  # so the next build must encode again
    env = {
        "ffmpeg missing": {"AUDIOBOOK_FFMPEG": str(tmp_path / "no" / "ffmpeg")},
        "ffmpeg fails": {
            "AUDIOBOOK_FFMPEG": str(script(tmp_path / "ff-fails", "echo simulated crash >&2\nexit 1\n"))
        },
        "ffmpeg writes garbage": {
            "AUDIOBOOK_FFMPEG": str(
                script(
                    tmp_path / "ff-garbage",
                    'for a; do last="$a"; done\ncase "$*" in *-version*) echo "ffmpeg version 0"; exit 0;; esac\n'
                    'head -c 3000 /dev/urandom > "$last"\n',
                )
            )
        },
        "espeak data missing": {"AUDIOBOOK_ESPEAK_DATA": str(tmp_path)},
    }[case]
    if case == "espeak data missing":
        # the real engine: only it needs eSpeak
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline", "build", book, "-o", out, "--cache", cache, "-q"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        got, err = proc.returncode, proc.stderr
    else:
        got, err = build(book, out, cache, env=env)
    assert got != 0, err
    assert (out / NAME).read_bytes() == before  # the previous book is untouched
    assert leftovers(out) == []  # and no work files beside it
    # The cache is still sound: a normal build now equals a clean build of the changed text.
    assert build(book, out, cache)[0] == 0
    clean = tmp_path / "clean"
    assert build(book, clean / "out", clean / "cache")[0] == 0
    assert (out / NAME).read_bytes() == (clean / "out" / NAME).read_bytes()
    clear_message(err, code=got, expected=code, words=words)


def clear_message(err: str, *, code: int, expected: int, words: str) -> None:
    """The message a person sees; checked last, so a missing message does not hide a lost book."""
    assert "Traceback" not in err and "audiobook: error: " in err, err
    assert code == expected and words in err, err


def _disk_nearly_full(limit: int):
    def preexec() -> None:
        # Without ignoring SIGXFSZ the process is killed; ignored, a write past the limit fails with EFBIG,
        # which is what a full disk looks like to the program (ENOSPC).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.parametrize("limit", [30_000, 400_000])
def test_a_full_disk_fails_and_keeps_the_book_and_the_cache(tmp_path, book, reference, limit):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert build(book, out, cache)[0] == 0
    before = (out / NAME).read_bytes()
    book.write_text(BOOK.replace("two sentences", "2 sentences"))
    fresh = tmp_path / "fresh-cache"  # nothing cached: every file must be written
    code, err = build(book, out, fresh, preexec_fn=_disk_nearly_full(limit))
    assert code != 0
    assert (out / NAME).read_bytes() == before
    assert leftovers(out) == []
    assert build(book, out, fresh)[0] == 0  # whatever the failure left in the cache is not used as audio
    clean = tmp_path / "clean"
    assert build(book, clean / "out", clean / "cache")[0] == 0
    assert (out / NAME).read_bytes() == (clean / "out" / NAME).read_bytes()
    clear_message(err, code=code, expected=1, words="")


@pytest.mark.slow
def test_kill_9_at_random_moments_never_leaves_a_partial_book(tmp_path, book, reference):
    out, cache = tmp_path / "out", tmp_path / "cache"
    started = time.monotonic()
    assert build(book, tmp_path / "timing", tmp_path / "timing-cache")[0] == 0
    duration = time.monotonic() - started
    rng = random.Random(20261127)
    for attempt in range(6):
        proc = start(book, out, cache, start_new_session=True)
        time.sleep(rng.uniform(0.05, duration))
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers and encoders, all at once
        proc.wait()
        final = out / NAME
        assert not final.exists() or final.read_bytes() == reference, f"partial book after kill {attempt}"
    code, err = build(book, out, cache)
    assert code == 0, err
    assert (out / NAME).read_bytes() == reference


def test_two_builds_of_one_book_at_once(tmp_path, book, reference):
    out, cache = tmp_path / "out", tmp_path / "cache"
    procs = [start(book, out, c) for c in (cache, tmp_path / "cache2")]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    if codes == [0, 0]:
        pytest.skip("the two builds did not overlap on this machine")
    assert codes == [0, 1], results
    err = next(err for code, err in results if code == 1)
    assert "another build is writing" in err and NAME in err and "fix: " in err and "Traceback" not in err
    assert (out / NAME).read_bytes() == reference
    assert build(book, out, cache)[0] == 0
    assert (out / NAME).read_bytes() == reference
