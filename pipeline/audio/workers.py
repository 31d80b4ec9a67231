"""The worker processes: what runs in them, and the forkserver context that starts them.

In: `ChapterJob`s (a build's pool) or `units.Unit`s (a batch's pool or Dask workers). Out: their missing
segments synthesized, levelled with the voice's gain and the peak limiter, encoded in one ffmpeg run, and
put in the cache; only keys and small records cross between processes. Every function a pool or a process
runs lives here, so the forkserver's one preload (`pool_context`) makes each worker start in milliseconds.
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
from pathlib import Path

from .. import runner, tools
from ..errors import ToolError
from ..voice import make_engine
from ..voice.base import Engine
from . import aac, level
from .cache import Cache
from .calibration import calibrated_gain
from .jobs import PIECE_GAP, ChapterJob, EngineSpec, Rendered, SegmentJob, SentenceJob, cached
from .units import Unit, UnitResult

log = logging.getLogger(__name__)


# --- in the worker processes ----------------------------------------------------------------------------
_engine: Engine | None = None
_cache: Cache | None = None


def init_worker(spec: EngineSpec, cache_root: str, environment: dict[str, str]) -> None:
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


def render_chapter(job: ChapterJob) -> Rendered:
    return render_chapters((job,))[0]


def render_chapters(jobs: tuple[ChapterJob, ...]) -> list[Rendered]:
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


def levelled(job: ChapterJob, dest: str) -> str:
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
        rendered = with_engine(engine, Cache(Path(unit.cache_root)), render_chapters, unit.jobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return UnitResult(
        tuple(rendered), time.monotonic() - started, f"{socket.gethostname()}:{os.getpid()}", peak
    )


def with_engine(engine: Engine, cache: Cache, work, *args):
    """Run a worker function here with `engine` and `cache` (the engine forks a child per sentence)."""
    global _engine, _cache
    saved = _engine, _cache
    _engine, _cache = engine, cache
    try:
        return work(*args)
    finally:
        _engine, _cache = saved


# --- starting them, in the parent -----------------------------------------------------------------------
def our_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AUDIOBOOK_")}


def pool_context() -> multiprocessing.context.BaseContext:
    """The forkserver context the worker pools use: workers start from a clean process, not a fork of this
    one and its threads. The server imports this module once (every function a worker or a calibration runs is
    here, and what their arguments unpickle to is imported by it), so each worker starts in milliseconds."""
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
        init_worker(spec, cache_root, environment)
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
