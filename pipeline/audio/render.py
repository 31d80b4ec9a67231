"""Renders the book to encoded audio, segment by segment, in a pool of workers, reusing everything cached.

A segment is one spoken line (a chapter title or a sentence) with the pause after it: speech that ends in
silence, so segments can be encoded on their own and joined without a sound at the join (see aac.py).
A worker takes one chapter, synthesizes the sentences the cache lacks, levels each missing segment with the
voice's gain and the peak limiter, and encodes all of them in one ffmpeg run. Cache keys cover all that
shapes the audio, so a changed word re-synthesizes and re-encodes one sentence, and a changed lexicon entry
touches only the sentences that say the name. Only keys and small records cross between processes.

Loudness: every segment gets the same gain, calibrated once per voice on a reference passage to -18 LUFS
after limiting (eSpeak and neural voices hold a steady level), so editing one paragraph never changes the
level, and so the audio, of another.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from .. import runner, tools
from ..errors import ToolError
from ..model import Piece
from ..speech import normalise
from ..speech.narration import ChapterScript
from ..voice import make_engine
from ..voice.base import Engine
from . import aac, level
from .cache import Cache, key

log = logging.getLogger(__name__)

SMALL_CHANGE = 40  # segments to encode at most for a build to render in its own process, without workers
PIECES_PER_WORKER = (
    6  # a cold book is cut into about this many pieces per worker, so no worker idles at the end
)
AUDIO_SETTINGS = (level.TARGET_LUFS, level.LIMIT_DBFS, "trim-50dB-20ms", "alimiter-5-50", "frame-1024")

# Calibration passage: ordinary narrative prose, statements and a question, long and short sentences.
REFERENCE = (
    "The river ran slowly past the town, and in the evening the lamps were lit one by one along the quay. "
    "Nobody knew, at first, why the ferry had stopped running. "
    "The mayor wrote three letters to the capital and received no answer to any of them. "
    "Was it the war, or only the winter? "
    "By the end of the month the people had built a bridge of their own, out of timber from the old mill, "
    "and they crossed it every morning on their way to work."
)


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


def _calibration_key(engine: Engine) -> str:
    return key("calibration", engine.identity(), AUDIO_SETTINGS, REFERENCE)


def known_gain(engine: Engine, cache: Cache) -> float | None:
    """The voice's calibrated gain if the cache remembers it."""
    known = cache.get_json("calibration", _calibration_key(engine))
    return float(known) if isinstance(known, (int, float)) else None


def calibrated_gain(engine: Engine, cache: Cache) -> float:
    """The voice's gain to -18 LUFS after limiting, measured once on REFERENCE and remembered in the cache.

    It synthesizes in this process: call it before this process starts worker pools of its own, or in a
    process of the pool's server (`Calibration`).
    """
    known = known_gain(engine, cache)
    if known is not None:
        return known
    calibration_key = _calibration_key(engine)
    pieces: list[bytes | level.Pause] = []
    for sentence in normalise.sentences(REFERENCE):
        pcm = level.trim(engine.synthesize(sentence.spoken), sample_rate=engine.sample_rate)
        pieces += [pcm, level.Pause(450)]
    work = cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        reference = Path(tmp) / "reference.pcm"
        reference.write_bytes(level.join(pieces, sample_rate=engine.sample_rate))
        gain = level.calibrate(reference, sample_rate=engine.sample_rate)
    cache.put_json("calibration", calibration_key, gain)
    return gain


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


def _synthesized(engine: Engine, sentence: SentenceJob) -> bytes:
    """A sentence's trimmed PCM: in one go, or piece by piece, each in its own language."""
    rate = engine.sample_rate
    if not sentence.pieces:
        return level.trim(engine.synthesize(sentence.spoken), sample_rate=rate)
    parts: list[bytes | level.Pause] = []
    for piece in sentence.pieces:
        if parts:
            parts.append(level.Pause(PIECE_GAP))
        parts.append(level.trim(engine.synthesize(piece.text, piece.language), sample_rate=rate))
    return level.join(parts, sample_rate=rate)


def _segment_pcm(segment: SegmentJob) -> tuple[bytes, list[tuple[int, int]], int]:
    """The segment's PCM (whole AAC frames), its sentences' spans, and how many sentences were synthesized."""
    assert _engine is not None and _cache is not None
    rate = _engine.sample_rate
    pieces: list[bytes | level.Pause] = [level.Pause(segment.lead_in)]
    spans = []
    position = level.samples_of(segment.lead_in, sample_rate=rate)
    synthesized = 0
    for sentence in segment.sentences:
        pcm = _cache.get("sentences", sentence.key, sample_rate=rate)
        if pcm is None:
            pcm = _synthesized(_engine, sentence)
            _cache.put("sentences", sentence.key, pcm, sample_rate=rate)
            synthesized += 1
        spans.append((position, position + len(pcm) // 2))
        position += len(pcm) // 2 + level.samples_of(sentence.pause_after, sample_rate=rate)
        pieces += [pcm, level.Pause(sentence.pause_after)]
    joined = level.join(pieces, sample_rate=rate)
    joined += bytes(2 * (-(len(joined) // 2) % aac.FRAME))  # a whole number of AAC frames
    return joined, spans, synthesized


def _level_each(pieces: list[tuple[Path, list]], *, gain: float, sample_rate: int, what: str) -> None:
    """One ffmpeg run that levels each input PCM file on its own (its own limiter, its own encoder if the
    output arguments encode) and writes it where its output arguments say."""
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]
    inputs, graph, outputs = [], [], []
    for i, (source, output) in enumerate(pieces):
        inputs += [*raw, "-i", source]
        graph.append(f"[{i}:a]{level.level_filter(gain)}[o{i}]")
        outputs += ["-map", f"[o{i}]", *output]
    quiet = ["-hide_banner", "-nostats", "-v", "error", "-y"]
    runner.run([tools.ffmpeg(), *quiet, *inputs, "-filter_complex", ";".join(graph), *outputs], what=what)


def _render(job: ChapterJob) -> Rendered:
    return _render_many((job,))[0]


def _render_many(jobs: tuple[ChapterJob, ...]) -> list[Rendered]:
    """Render the missing segments of `jobs`, all in one ffmpeg run (each output is its own encoder, so each
    segment is encoded exactly as it would be alone)."""
    assert _engine is not None and _cache is not None
    rate = _engine.sample_rate
    work = _cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        pieces, records = [], []
        for job in jobs:
            synthesized = encoded = 0
            for segment in job.segments:
                if cached(_cache, segment) is not None:
                    continue
                pcm, spans, spoken = _segment_pcm(segment)
                synthesized += spoken
                encoded += 1
                source = Path(tmp) / f"{len(records)}.pcm"
                source.write_bytes(pcm)
                adts = source.with_suffix(".aac")
                pieces.append(
                    (source, [*job.encoder.arguments(), "-fflags", "+bitexact", "-f", "adts", adts])
                )
                records.append((job, segment, len(pcm) // 2, spans))
            results.append(Rendered(job.number, synthesized, encoded))
        if records:
            numbers = ", ".join(str(job.number) for job in jobs)
            _level_each(
                pieces, gain=jobs[0].gain, sample_rate=rate, what=f"levelling and encoding chapter {numbers}"
            )
        for i, (job, segment, samples, spans) in enumerate(records):
            output = Path(tmp) / f"{i}.aac"
            if not output.is_file():
                raise ToolError(
                    f"chapter {job.number}: ffmpeg exited successfully but wrote no audio",
                    fix="check the ffmpeg in use (`audiobook doctor`)",
                )
            encoded_audio = output.read_bytes()
            try:
                frames = aac.adts_frames(encoded_audio)
            except ValueError as exc:
                raise ToolError(
                    f"chapter {job.number}: ffmpeg wrote something that is not AAC ({exc})",
                    fix="check the ffmpeg in use (`audiobook doctor`)",
                ) from None
            if frames != samples // aac.FRAME + 1:
                raise ToolError(
                    f"chapter {job.number}: ffmpeg wrote {frames} AAC frames for "
                    f"{samples // aac.FRAME} frames of audio; timing would drift"
                )
            _cache.put("aac", segment.key, encoded_audio, sample_rate=rate)
            _cache.put_json("chapters", segment.key, {"samples": samples, "sentences": spans})
    return results


def _levelled(job: ChapterJob, dest: str) -> str:
    """Write the chapter's levelled PCM on the M4B's timeline: per segment, one frame of silence (where the
    M4B has its priming frame) and then the segment, levelled as for encoding."""
    assert _engine is not None and _cache is not None
    rate = _engine.sample_rate
    work = _cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        pieces = []
        for i, segment in enumerate(job.segments):
            pcm, _, _ = _segment_pcm(segment)
            (Path(tmp) / f"{i}.pcm").write_bytes(pcm)
            pieces.append(
                (
                    Path(tmp) / f"{i}.pcm",
                    ["-f", "s16le", "-ar", str(rate), "-ac", "1", Path(tmp) / f"{i}.out"],
                )
            )
        _level_each(pieces, gain=job.gain, sample_rate=rate, what=f"levelling chapter {job.number}")
        with open(dest, "wb") as out:
            for i in range(len(job.segments)):
                out.write(bytes(2 * aac.FRAME))
                out.write((Path(tmp) / f"{i}.out").read_bytes())
    return dest


# --- units of a batch: in any worker process, for any book and voice --------------------------------------
class EngineMismatch(ToolError):
    """This worker's engine is not the one the work was keyed for: its audio would poison the cache."""


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of one book's work: runs of its chapters' segments that the cache lacks."""

    spec: EngineSpec
    identity: str  # the engine identity every key of `jobs` was made with
    cache_root: str
    jobs: tuple[ChapterJob, ...]  # each holding only the segments to render

    @property
    def segments(self) -> int:
        return sum(len(job.segments) for job in self.jobs)


@dataclass(frozen=True, slots=True)
class UnitResult:
    rendered: tuple[Rendered, ...]
    seconds: float  # in the worker, from receiving the unit to its audio in the cache
    worker: str  # host:pid
    peak_rss: int  # bytes: the worker process's peak resident memory so far


def units(
    jobs: tuple[ChapterJob, ...], cache: Cache, *, spec: EngineSpec, identity: str, size: int
) -> list[Unit]:
    """What the cache lacks of a book, cut into units of at most `size` segments: runs of a long chapter,
    or several short chapters together, in book order."""
    pieces = []
    for job in jobs:
        missing = tuple(s for s in job.segments if cached(cache, s) is None)
        for start in range(0, len(missing), size):
            pieces.append(replace(job, segments=missing[start : start + size]))
    grouped: list[list[ChapterJob]] = []
    count = 0
    for piece in pieces:
        if not grouped or count + len(piece.segments) > size:
            grouped.append([])
            count = 0
        grouped[-1].append(piece)
        count += len(piece.segments)
    return [Unit(spec, identity, str(cache.root), tuple(group)) for group in grouped]


_engines: dict[EngineSpec, Engine] = {}
_unit_lock = threading.Lock()  # one unit at a time per process: the engine library's state is process-wide


def engine_for(spec: EngineSpec) -> Engine:
    """This process's engine for `spec`, made on first use (it loads the library; it never speaks here)."""
    if spec not in _engines:
        _engines[spec] = make_engine(spec.name, voice=spec.voice, rate=spec.rate)
    return _engines[spec]


def init_pool_worker(environment: dict[str, str]) -> None:
    """Initializer of a batch's pool worker: Ctrl-C is the parent's, and AUDIOBOOK_* are the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in [n for n in os.environ if n.startswith("AUDIOBOOK_")]:
        del os.environ[name]
    os.environ.update(environment)
    tools.ffmpeg.cache_clear()
    tools.espeak_paths.cache_clear()


def render_unit(unit: Unit) -> UnitResult:
    """Render one unit into the cache (in a pool worker or a Dask worker); refuses if this process's engine
    is not the one the unit's keys were made with."""
    started = time.monotonic()
    with _unit_lock:
        engine = engine_for(unit.spec)
        if engine.identity() != unit.identity:
            raise EngineMismatch(
                f"this worker's engine is {engine.identity()}, the work was keyed for {unit.identity}",
                fix="install the same versions on every worker as on the machine running the batch",
            )
        rendered = _with(engine, Cache(Path(unit.cache_root)), _render_many, unit.jobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return UnitResult(
        tuple(rendered), time.monotonic() - started, f"{socket.gethostname()}:{os.getpid()}", peak
    )


def _with(engine: Engine, cache: Cache, work, *args):
    """Run a worker function here with `engine` and `cache` (the engine forks a child per sentence)."""
    global _engine, _cache
    saved = _engine, _cache
    _engine, _cache = engine, cache
    try:
        return work(*args)
    finally:
        _engine, _cache = saved


# --- in the parent ---------------------------------------------------------------------------------------
def our_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AUDIOBOOK_")}


def pool_context() -> multiprocessing.context.BaseContext:
    """The forkserver context the worker pools use: workers start from a clean process, not a fork of this
    one and its threads. The server imports this module once, so each worker starts in milliseconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def warm_up() -> None:
    """Start the forkserver now, so it imports the audio stage while this process is still reading and
    keying the book (about 0.7 s that a cold build would otherwise wait for its first worker)."""
    pool_context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


def _calibrate(spec: EngineSpec, cache_root: str, environment: dict[str, str]) -> None:
    try:
        _init_worker(spec, cache_root, environment)
        assert _engine is not None and _cache is not None
        calibrated_gain(_engine, _cache)
    except BaseException:  # the parent measures again and reports the error as its own
        log.debug("calibrating in another process failed", exc_info=True)


class Calibration:
    """A voice's first calibration, measured in a process of its own while this one reads the book (about a
    second of synthesis and loudness passes that a cold build would otherwise wait for); `gain()` waits."""

    def __init__(self, spec: EngineSpec, engine: Engine, cache: Cache) -> None:
        self.engine, self.cache = engine, cache
        self.process = pool_context().Process(
            target=_calibrate, args=(spec, str(cache.root), our_environment()), daemon=True
        )
        self.process.start()

    def gain(self) -> float:
        self.process.join()
        # Measured there and remembered in the cache; measured here if that process failed.
        return calibrated_gain(self.engine, self.cache)


def pieces(jobs: tuple[ChapterJob, ...], cache: Cache, *, workers: int) -> list[ChapterJob]:
    """The segments the cache lacks, as runs of one chapter each, largest first: a long chapter is cut so
    that every worker has work until the end (each segment is encoded alone, so cutting changes nothing)."""
    missing = [
        replace(job, segments=tuple(s for s in job.segments if cached(cache, s) is None)) for job in jobs
    ]
    missing = [job for job in missing if job.segments]
    total = sum(len(job.segments) for job in missing)
    size = max(8, -(-total // (workers * PIECES_PER_WORKER)))
    cut = []
    for job in missing:
        count = -(-len(job.segments) // size)
        step = -(-len(job.segments) // count)
        for start in range(0, len(job.segments), step):
            cut.append(replace(job, segments=job.segments[start : start + step]))
    return sorted(cut, key=lambda piece: -sum(len(x.spoken) for s in piece.segments for x in s.sentences))


class Renderer:
    """A pool of engine workers, started only when there is something to render. A context manager."""

    def __init__(
        self, spec: EngineSpec, cache: Cache, *, jobs: int | None = None, engine: Engine | None = None
    ) -> None:
        self.spec = spec
        self.cache = cache
        self.engine = engine  # this process's engine, to render a small change without starting workers
        self.workers = max(1, jobs or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers start from a clean process, not a fork of this one and its threads.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=pool_context(),
                initializer=_init_worker,
                initargs=(self.spec, str(self.cache.root), our_environment()),
            )
        return self._pool

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def render(self, jobs: tuple[ChapterJob, ...]) -> Iterator[tuple[ChapterJob, Rendered]]:
        """Render what is not cached; yields each chapter's (job, result), cached chapters first.

        The work goes to the workers in pieces, the largest first, so the last to finish is a small one.
        """
        pending = {}
        todo = [job for job in jobs if any(cached(self.cache, s) is None for s in job.segments)]
        for job in jobs:
            if job not in todo:
                yield job, Rendered(job.number, 0, 0)
        missing = sum(cached(self.cache, s) is None for job in todo for s in job.segments)
        if self.engine is not None and self._pool is None and missing <= SMALL_CHANGE:
            # An editor's fix: starting workers would cost more than the work. All of it in one ffmpeg run.
            for job, done in zip(todo, self._here_many(tuple(todo)), strict=True):
                yield job, done
            return
        left = {job.number: 0 for job in todo}
        totals = {job.number: Rendered(job.number, 0, 0) for job in todo}
        for piece in pieces(tuple(todo), self.cache, workers=self.workers):
            pending[self._start().submit(_render, piece)] = piece
            left[piece.number] += 1
        by_number = {job.number: job for job in todo}
        try:
            for future in as_completed(pending):
                done, number = future.result(), pending[future].number
                so_far = totals[number]
                totals[number] = Rendered(
                    number, so_far.synthesized + done.synthesized, so_far.encoded + done.encoded
                )
                left[number] -= 1
                if not left[number]:
                    yield by_number[number], totals[number]
        except BrokenProcessPool as exc:
            raise ToolError(
                f"a worker process died ({exc})",
                fix="run the build again: finished work is kept in the cache",
            ) from None

    def render_one(self, job: ChapterJob) -> Rendered:
        if self.engine is not None and self._pool is None:
            return self._here(job)
        return self._start().submit(_render, job).result()

    def levelled(self, job: ChapterJob, dest: Path) -> Path:
        """Write the chapter's levelled PCM on the M4B's timeline to `dest` (see `_levelled`)."""
        if self._pool is None and self.engine is not None:
            return Path(self._in_this_process(_levelled, job, str(dest)))
        return Path(self._start().submit(_levelled, job, str(dest)).result())

    def _here(self, job: ChapterJob) -> Rendered:
        return self._here_many((job,))[0]

    def _here_many(self, jobs: tuple[ChapterJob, ...]) -> list[Rendered]:
        return self._in_this_process(_render_many, jobs)

    def _in_this_process(self, work, *args):
        """Run a worker function here, with this process's engine (which synthesizes each sentence in a
        forked child, as workers do) standing in for a worker's."""
        assert self.engine is not None
        return _with(self.engine, self.cache, work, *args)
