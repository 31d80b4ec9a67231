"""Renders chapters to audio in a pool of worker processes, reusing every sentence and chapter already cached.

Each worker makes its own engine (eSpeak must never be initialised before a fork), synthesizes the
sentences the cache lacks, joins the chapter with its pauses, sets its loudness, and stores the result in
the cache. Only keys and counts cross between processes; the audio stays on disk, one chapter at a time.
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

from . import audio, tools
from .cache import Cache, key
from .engines import make_engine
from .engines.base import Engine
from .narration import ChapterScript

AUDIO_SETTINGS = (audio.TARGET_LUFS, audio.LIMIT_DBFS, "trim-50dB-20ms", "alimiter-5-50")


@dataclass(frozen=True, slots=True)
class EngineSpec:
    name: str
    voice: str | None = None
    rate: int | None = None


@dataclass(frozen=True, slots=True)
class SentenceJob:
    spoken: str
    key: str
    pause_after: int


@dataclass(frozen=True, slots=True)
class ChapterJob:
    number: int
    key: str
    lead_in: int
    sentences: tuple[SentenceJob, ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    number: int
    key: str
    synthesized: int  # sentences the engine spoke for this chapter (the rest came from the cache)
    loudness: audio.Loudness | None = None


def plan(scripts: tuple[ChapterScript, ...], *, identity: str) -> tuple[ChapterJob, ...]:
    """Cache keys for every sentence and chapter: everything that changes the audio is in them."""
    jobs = []
    for script in scripts:
        sentences = tuple(
            SentenceJob(line.spoken, key("sentence", identity, line.spoken), line.pause_after)
            for line in script.lines
        )
        chapter_key = key(
            "chapter", identity, AUDIO_SETTINGS, script.lead_in, [(s.key, s.pause_after) for s in sentences]
        )
        jobs.append(ChapterJob(script.number, chapter_key, script.lead_in, sentences))
    return tuple(jobs)


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


def _identity() -> tuple[str, int]:
    assert _engine is not None
    return _engine.identity(), _engine.sample_rate


def _render(job: ChapterJob) -> Rendered:
    assert _engine is not None and _cache is not None
    rate = _engine.sample_rate
    pieces: list[bytes | audio.Pause] = [audio.Pause(job.lead_in)]
    synthesized = 0
    for sentence in job.sentences:
        pcm = _cache.get("sentences", sentence.key, sample_rate=rate)
        if pcm is None:
            pcm = audio.trim(_engine.synthesize(sentence.spoken), sample_rate=rate)
            _cache.put("sentences", sentence.key, pcm, sample_rate=rate)
            synthesized += 1
        pieces += [pcm, audio.Pause(sentence.pause_after)]
    work = _cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        raw, levelled = Path(tmp) / "joined.pcm", Path(tmp) / "levelled.pcm"
        raw.write_bytes(audio.join(pieces, sample_rate=rate))
        measured = audio.normalise(raw, levelled, sample_rate=rate)
        _cache.put("chapters", job.key, levelled.read_bytes(), sample_rate=rate)
    return Rendered(job.number, job.key, synthesized, measured)


# --- in the parent ---------------------------------------------------------------------------------------
def _our_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AUDIOBOOK_")}


class Renderer:
    """A pool of engine workers. Use as a context manager; the pool is stopped on exit, also on Ctrl-C."""

    def __init__(self, spec: EngineSpec, cache: Cache, *, jobs: int | None = None) -> None:
        self.cache = cache
        workers = max(1, jobs or os.cpu_count() or 1)
        # forkserver: workers start from a clean process, never a fork of one that loaded eSpeak.
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(spec, str(cache.root), _our_environment()),
        )
        self.identity, self.sample_rate = self._pool.submit(_identity).result()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def render(self, jobs: tuple[ChapterJob, ...]) -> Iterator[Rendered]:
        """Render the chapters not already cached; yields each as it finishes (cached ones first)."""
        pending = []
        for job in jobs:
            if self.cache.contains("chapters", job.key):
                yield Rendered(job.number, job.key, 0)
            else:
                pending.append(self._pool.submit(_render, job))
        for future in as_completed(pending):
            yield future.result()

    def render_one(self, job: ChapterJob) -> Rendered:
        return self._pool.submit(_render, job).result()
