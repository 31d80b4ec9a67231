"""What to render: every sentence and segment of a book, keyed by everything that shapes its audio.

In: the narrated `ChapterScript`s, the engine's identity, the voice's gain and the encoder. Out: one
`ChapterJob` per chapter, of `SegmentJob`s (a paragraph's spoken lines, or a title, each line with the pause
after it; one AAC stream in the book) of `SentenceJob`s, each with its cache key, so a changed word
re-synthesizes one sentence and re-encodes its paragraph, and a changed lexicon entry touches only the
sentences that say the name. These small records are all that crosses to workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tools
from ..model import Piece
from ..speech.narration import ChapterScript, Line
from . import level
from .cache import Cache, key

AUDIO_SETTINGS = (level.TARGET_LUFS, level.LIMIT_DBFS, "trim-50dB-20ms", "alimiter-5-50", "frame-1024")


@dataclass(frozen=True, slots=True)
class EngineSpec:
    name: str
    voice: str | None = None
    rate: int | None = None


@dataclass(frozen=True, slots=True)
class Encoder:
    bitrate: str = "64k"
    coder: str = "fast"

    def identity(self) -> str:
        return f"aac:{self.coder}:{self.bitrate}:{tools.ffmpeg_version()}"

    def arguments(self) -> list[str]:
        return ["-c:a", "aac", "-aac_coder", self.coder, "-b:a", self.bitrate, "-flags:a", "+bitexact"]


@dataclass(frozen=True, slots=True)
class SentenceJob:
    spoken: str
    key: str
    pause_after: int
    # A sentence partly in another language: its pieces, each synthesized in its language and joined with
    # PIECE_GAP between them. Empty: the whole sentence in the voice's own language.
    pieces: tuple[Piece, ...] = ()


PIECE_GAP = 150  # milliseconds between the pieces of a sentence in two languages (a clause's pause)


def sentence_key(identity: str, spoken: str, pieces: tuple[Piece, ...] = ()) -> str:
    """A sentence's cache key: its spoken text and, only when part of it is in another language, each
    piece's text and language (so a sentence in the book's language keeps the key it always had)."""
    if not pieces:
        return key("sentence", identity, spoken)
    return key("sentence", identity, spoken, [[p.text, p.language] for p in pieces])


@dataclass(frozen=True, slots=True)
class SegmentJob:
    key: str  # of the encoded segment: its sentences, pauses, gain, loudness and encoder settings
    lead_in: int  # silence before the first sentence (the chapter's lead-in, on its first segment)
    sentences: tuple[SentenceJob, ...]


@dataclass(frozen=True, slots=True)
class ChapterJob:
    number: int
    segments: tuple[SegmentJob, ...]
    gain: float
    encoder: Encoder
    words: int


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    samples: int  # length of the segment's PCM (a whole number of AAC frames)
    sentences: tuple[tuple[int, int], ...]  # each sentence's first and last sample, within the segment

    @classmethod
    def from_json(cls, value: object) -> SegmentInfo | None:
        try:
            samples, spans = value["samples"], value["sentences"]  # type: ignore[index]
            return cls(int(samples), tuple((int(a), int(b)) for a, b in spans))
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Rendered:
    number: int
    synthesized: int  # sentences the engine spoke for this chapter (the rest came from the cache)
    encoded: int  # segments encoded (the rest came from the cache)


LINES_PER_SEGMENT = 8  # at most: a longer paragraph is encoded in runs of this many lines


def segment_lines(lines: tuple[Line, ...]) -> list[tuple[int, int]]:
    """Where the chapter's segments begin and end in its lines: a run of one paragraph's lines (at most
    LINES_PER_SEGMENT), or a line of its own (the title). A paragraph is encoded in one go: each encoder costs
    ffmpeg a start-up, and an edit re-encodes only the paragraph it changed."""
    runs: list[tuple[int, int]] = []
    for number, line in enumerate(lines):
        if (
            runs
            and line.paragraph is not None
            and lines[runs[-1][0]].paragraph == line.paragraph
            and runs[-1][1] - runs[-1][0] < LINES_PER_SEGMENT
        ):
            runs[-1] = (runs[-1][0], number + 1)
        else:
            runs.append((number, number + 1))
    return runs


def plan(
    scripts: tuple[ChapterScript, ...], *, identity: str, gain: float, encoder: Encoder
) -> tuple[ChapterJob, ...]:
    """Cache keys for every sentence and segment: everything that changes the audio is in them.

    A segment is a paragraph's spoken lines (or a run of them, see `segment_lines`), each with the pause after
    it; a title is a segment of its own. The chapter's lead-in silence goes with its first segment. An edit
    re-synthesizes the sentences it changed and re-encodes the segments that hold them.
    """
    jobs = []
    encoder_identity = encoder.identity()
    for script in scripts:
        segments = []
        for first, end in segment_lines(script.lines):
            sentences = tuple(
                SentenceJob(
                    line.spoken,
                    sentence_key(identity, line.spoken, line.pieces),
                    line.pause_after,
                    line.pieces,
                )
                for line in script.lines[first:end]
            )
            lead_in = script.lead_in if first == 0 else 0
            segment_key = key(
                "segment",
                identity,
                AUDIO_SETTINGS,
                f"{gain:.2f}",
                encoder_identity,
                lead_in,
                [[sentence.key, sentence.pause_after] for sentence in sentences],
            )
            segments.append(SegmentJob(segment_key, lead_in, sentences))
        words = sum(len(line.written.split()) for line in script.lines)
        jobs.append(ChapterJob(script.number, tuple(segments), gain, encoder, words))
    return tuple(jobs)


def cached(cache: Cache, segment: SegmentJob) -> SegmentInfo | None:
    """The segment's record if it and its encoded audio are whole in the cache (the digest is checked later)."""
    if not cache.contains("aac", segment.key):
        return None
    return SegmentInfo.from_json(cache.get_json("chapters", segment.key))
