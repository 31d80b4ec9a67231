"""What to render: every sentence and segment of a book, keyed by everything that shapes its audio.

In: the narrated `ChapterScript`s, the engine's identity, the voice's gain and the encoder. Out: one
`ChapterJob` per chapter, of `SegmentJob`s (a spoken line and the pause after it) of `SentenceJob`s, each
with its cache key, so a changed word re-synthesizes and re-encodes one sentence, and a changed lexicon
entry touches only the sentences that say the name. These small records are all that crosses to workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tools
from ..model import Piece
from ..speech.narration import ChapterScript
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


def plan(
    scripts: tuple[ChapterScript, ...], *, identity: str, gain: float, encoder: Encoder
) -> tuple[ChapterJob, ...]:
    """Cache keys for every sentence and segment: everything that changes the audio is in them.

    Every spoken line (a title or a sentence, with the pause after it) is a segment of its own: an edit
    re-encodes only the sentences it changed. The chapter's lead-in silence goes with its first segment.
    """
    jobs = []
    encoder_identity = encoder.identity()
    for script in scripts:
        segments = []
        for number, line in enumerate(script.lines):
            sentence = SentenceJob(
                line.spoken, sentence_key(identity, line.spoken, line.pieces), line.pause_after, line.pieces
            )
            lead_in = script.lead_in if number == 0 else 0
            segment_key = key(
                "segment",
                identity,
                AUDIO_SETTINGS,
                f"{gain:.2f}",
                encoder_identity,
                lead_in,
                sentence.key,
                sentence.pause_after,
            )
            segments.append(SegmentJob(segment_key, lead_in, (sentence,)))
        words = sum(len(line.written.split()) for line in script.lines)
        jobs.append(ChapterJob(script.number, tuple(segments), gain, encoder, words))
    return tuple(jobs)


def cached(cache: Cache, segment: SegmentJob) -> SegmentInfo | None:
    """The segment's record if it and its encoded audio are whole in the cache (the digest is checked later)."""
    if not cache.contains("aac", segment.key):
        return None
    return SegmentInfo.from_json(cache.get_json("chapters", segment.key))
