"""Renders chapters to encoded audio in a pool of worker processes, reusing everything already cached.

A worker makes its own engine, synthesizes the sentences the cache lacks, joins the chapter with its
pauses, sets its loudness, encodes it to AAC and stores it, with the chapter's length and its sentences'
times. Only keys and small records cross between processes; audio stays on disk, one chapter at a time per
worker. Cache keys cover everything that shapes the audio, so a changed word re-synthesizes one sentence
and re-encodes one chapter, and a changed lexicon entry touches only the sentences that use it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import audio, package, tools
from .cache import Cache, key
from .engines import make_engine
from .engines.base import Engine
from .narration import ChapterScript

AUDIO_SETTINGS = (audio.TARGET_LUFS, audio.LIMIT_DBFS, "trim-50dB-20ms", "alimiter-5-50", "frame-1024")


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


@dataclass(frozen=True, slots=True)
class SentenceJob:
    spoken: str
    key: str
    pause_after: int


@dataclass(frozen=True, slots=True)
class ChapterJob:
    number: int
    key: str  # of the encoded chapter: its sentences, pauses, loudness and encoder settings
    lead_in: int
    sentences: tuple[SentenceJob, ...]
    encoder: Encoder
    words: int


@dataclass(frozen=True, slots=True)
class ChapterInfo:
    samples: int  # length of the chapter's PCM (a whole number of AAC frames)
    sentences: tuple[tuple[int, int], ...]  # each sentence's first and last sample, within the chapter

    @classmethod
    def from_json(cls, value: object) -> ChapterInfo | None:
        try:
            samples, spans = value["samples"], value["sentences"]  # type: ignore[index]
            return cls(int(samples), tuple((int(a), int(b)) for a, b in spans))
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Rendered:
    number: int
    synthesized: int  # sentences the engine spoke for this chapter (the rest came from the cache)
    encoded: bool  # False when the encoded chapter came from the cache


def plan(scripts: tuple[ChapterScript, ...], *, identity: str, encoder: Encoder) -> tuple[ChapterJob, ...]:
    """Cache keys for every sentence and chapter: everything that changes the audio is in them."""
    jobs = []
    encoder_identity = encoder.identity()
    for script in scripts:
        sentences = tuple(
            SentenceJob(line.spoken, key("sentence", identity, line.spoken), line.pause_after)
            for line in script.lines
        )
        chapter_key = key(
            "chapter",
            identity,
            AUDIO_SETTINGS,
            encoder_identity,
            script.lead_in,
            [(s.key, s.pause_after) for s in sentences],
        )
        words = sum(len(line.written.split()) for line in script.lines)
        jobs.append(ChapterJob(script.number, chapter_key, script.lead_in, sentences, encoder, words))
    return tuple(jobs)


def cached(cache: Cache, job: ChapterJob) -> ChapterInfo | None:
    """The chapter's record if both it and its encoded audio are in the cache (the audio is checked later)."""
    if not cache.contains("aac", job.key):
        return None
    return ChapterInfo.from_json(cache.get_json("chapters", job.key))


# --- in the worker processes ----------------------------------------------------------------------------
_engine: Engine | None = None
_cache: Cache | None = None


def _init_worker(spec: EngineSpec, cache_root: str, environment: dict[str, str]) -> None:
    global _engine, _cache
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    # The forkserver was started with the environment of the first build in this process; take this build's.
    for name in [n for n in os.environ if n.startswith("AUDIOBOOK_")]:
        del os.environ[name]
    os.environ.update(environment)
    tools.ffmpeg.cache_clear()
    tools.espeak_paths.cache_clear()
    _engine = make_engine(spec.name, voice=spec.voice, rate=spec.rate)
    _cache = Cache(Path(cache_root))


def _render(job: ChapterJob) -> Rendered:
    assert _engine is not None and _cache is not None
    rate = _engine.sample_rate
    pieces: list[bytes | audio.Pause] = [audio.Pause(job.lead_in)]
    spans = []
    position = audio.samples_of(job.lead_in, sample_rate=rate)
    synthesized = 0
    for sentence in job.sentences:
        pcm = _cache.get("sentences", sentence.key, sample_rate=rate)
        if pcm is None:
            pcm = audio.trim(_engine.synthesize(sentence.spoken), sample_rate=rate)
            _cache.put("sentences", sentence.key, pcm, sample_rate=rate)
            synthesized += 1
        spans.append((position, position + len(pcm) // 2))
        position += len(pcm) // 2 + audio.samples_of(sentence.pause_after, sample_rate=rate)
        pieces += [pcm, audio.Pause(sentence.pause_after)]
    work = _cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        raw, levelled, encoded = (
            Path(tmp) / "joined.pcm",
            Path(tmp) / "levelled.pcm",
            Path(tmp) / "chapter.aac",
        )
        joined = audio.join(pieces, sample_rate=rate)
        joined += bytes(2 * (-(len(joined) // 2) % package.FRAME))  # a whole number of AAC frames
        raw.write_bytes(joined)
        audio.normalise(raw, levelled, sample_rate=rate)
        package.encode_adts(
            levelled, sample_rate=rate, dest=encoded, bitrate=job.encoder.bitrate, aac_coder=job.encoder.coder
        )
        _cache.put("aac", job.key, encoded.read_bytes(), sample_rate=rate)
    _cache.put_json("chapters", job.key, {"samples": len(joined) // 2, "sentences": spans})
    return Rendered(job.number, synthesized, encoded=True)


# --- in the parent ---------------------------------------------------------------------------------------
def _our_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AUDIOBOOK_")}


class Renderer:
    """A pool of engine workers, started only when there is something to render. A context manager."""

    def __init__(self, spec: EngineSpec, cache: Cache, *, jobs: int | None = None) -> None:
        self.spec = spec
        self.cache = cache
        self.workers = max(1, jobs or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers start from a clean process, not a fork of this one and its threads.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(self.spec, str(self.cache.root), _our_environment()),
            )
        return self._pool

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def render(self, jobs: tuple[ChapterJob, ...]) -> Iterator[tuple[ChapterJob, Rendered]]:
        """Render the chapters not already cached; yields each (job, result) as it finishes, cached ones first."""
        pending = {}
        for job in jobs:
            if cached(self.cache, job) is not None:
                yield job, Rendered(job.number, 0, encoded=False)
            else:
                pending[self._start().submit(_render, job)] = job
        for future in as_completed(pending):
            yield pending[future], future.result()

    def render_one(self, job: ChapterJob) -> Rendered:
        return self._start().submit(_render, job).result()
