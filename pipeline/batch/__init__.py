"""A whole catalogue: `audiobook batch`, each book made exactly as `audiobook build` makes it.

The catalogue is a folder of books (manuscript folders and .txt files; .epub when the text stage reads
it) or a CSV/YAML list of sources with per-book metadata. Every book goes to DIR/Author/Title/, the layout
Audiobookshelf scans.

How the work is spread: each book is read, narrated and keyed here (the client), and what its cache lacks
is cut into units of at most UNIT_SEGMENTS spoken lines (a short chapter, several short chapters of one
book, or a run of a long chapter), so one long book never leaves workers idle. Units go to a pool of
worker processes on this machine, or to a Dask cluster (pipeline.cluster, imported only for --cluster);
either way a worker synthesizes each sentence in a child forked from a process that never speaks, so
audio depends on text alone, and writes it to the shared cache. When a book's units are done, the client
assembles its M4B from the cache (see the README for why there and not on a worker: measured). The longest
books start first. A book that fails is reported and the others go on; an error that would fail every book
(no encoder, a cache that cannot be written, no worker with this engine) stops the batch at once.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import queue
import tempfile
import time
import urllib.parse
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import build as building
from .. import tools
from ..audio.cache import Cache, default_root
from ..audio.jobs import EngineSpec
from ..audio.render import Renderer
from ..audio.units import Unit, UnitResult, units
from ..audio.workers import EngineMismatch, init_pool_worker, our_environment, pool_context, render_unit
from ..errors import AudiobookError, InputError, MissingDependency
from ..progress import Reporter, Silent
from ..text import source
from ..voice import DEFAULT
from .catalogue import Entry, book_folder, read_catalogue

log = logging.getLogger(__name__)

UNIT_SEGMENTS = 200  # spoken lines per unit of work at most: one ffmpeg run, a few seconds of a worker
ATTEMPTS = 3  # a unit whose worker died is run again this many times in all (Dask: allowed-failures)
LOCK_WAIT = 900.0  # seconds to wait for another batch or build writing the same book
STALL = 3600.0  # seconds without any unit finishing before the batch gives up


@dataclass(frozen=True, slots=True)
class BatchOptions:
    catalogue: Path
    output_dir: Path = Path("output")
    engine: str = DEFAULT
    cache_dir: Path | None = None
    jobs: int | None = None
    cluster: str | None = None  # tcp://HOST:PORT of a running scheduler, or local:N
    formats: frozenset[str] = frozenset({"m4b"})
    base_url: str | None = None
    mp3_per_chapter: bool = False
    lexicon: Path | None = None
    report: Path | None = None
    lock_wait: float = LOCK_WAIT


@dataclass(slots=True)
class BookReport:
    source: str
    status: str  # "built", "up to date" or "failed"
    output: str | None = None
    title: str | None = None
    author: str | None = None
    chapters: int = 0
    duration: float = 0.0  # seconds of audio
    size: int = 0  # bytes of the M4B
    sentences: int = 0
    synthesized: int = 0
    reused: int = 0  # sentences whose audio came from the cache
    seconds: float = 0.0  # from reading the book to its M4B in place
    error: str | None = None


@dataclass(slots=True)
class BatchResult:
    books: list[BookReport]
    seconds: float
    workers: int
    units: int = 0
    unit_seconds: float = 0.0  # summed over units, as measured in the workers
    client_seconds: float = 0.0  # reading, narrating and keying books, and assembling them, here
    assemble_seconds: float = 0.0  # of which assembling M4Bs
    peak_worker_rss: int = 0  # bytes: the largest worker process's peak resident memory
    reruns: int = 0  # units run again after their worker died
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[BookReport]:
        return [b for b in self.books if b.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "books": [dataclasses.asdict(b) for b in self.books],
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "units": self.units,
            "unit_seconds": round(self.unit_seconds, 3),
            "client_seconds": round(self.client_seconds, 3),
            "assemble_seconds": round(self.assemble_seconds, 3),
            "peak_worker_rss": self.peak_worker_rss,
            "reruns": self.reruns,
            "notes": self.notes,
        }


# --- where the units run ------------------------------------------------------------------------------------
class LocalWorkers:
    """A pool of worker processes on this machine (forkserver: each starts clean, not as a copy of this one)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.generation = 0
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=pool_context(),
            initializer=init_pool_worker,
            initargs=(our_environment(),),
        )

    def submit(self, unit: Unit, *, priority: int):
        try:
            future = self._pool.submit(render_unit, unit)
        except BrokenProcessPool:  # a worker died since the last result was read: a new pool, now
            self._restart()
            future = self._pool.submit(render_unit, unit)
        future.generation = self.generation  # type: ignore[attr-defined]
        return future

    def died(self, future) -> bool:
        """Whether the future failed because its worker process died (and so may be run again)."""
        try:
            return isinstance(future.exception(timeout=0), BrokenProcessPool)
        except Exception:
            return False

    def recover(self, future) -> None:
        """A worker died, which breaks the whole pool: start a new one (once per breakage)."""
        if getattr(future, "generation", -1) == self.generation:
            self._restart()

    def _restart(self) -> None:
        # Not cancel_futures: a broken pool fails each of its futures, and each failed unit is run again;
        # a cancelled one would be lost.
        self._pool.shutdown(wait=False)
        self.generation += 1
        self._pool = self._new()

    def check(self, unit: Unit) -> list[str]:
        return []

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- the batch ------------------------------------------------------------------------------------------------
@dataclass
class _Book:
    entry: Entry
    order: int
    started: float
    prepared: Any = None
    pending: set = field(default_factory=set)
    synthesized: int = 0
    failed: BaseException | None = None
    client: float = 0.0


def run(options: BatchOptions, *, reporter: Reporter | None = None) -> BatchResult:
    """Make every book of the catalogue; a report for each. Raises only for a bad catalogue or a fatal error."""
    report = reporter or Silent()
    started = time.monotonic()
    entries = read_catalogue(options.catalogue)
    if options.cluster and options.jobs:
        raise InputError(
            "-j sets the workers on this machine; with --cluster the cluster has its own",
            fix="leave out -j (size the cluster with local:N, or with `dask worker --nworkers`)",
        )
    tools.ffmpeg()  # no encoder: every book would fail, so stop before any work
    cache = Cache(options.cache_dir or default_root())
    _check_writable(cache.root)
    entries.sort(key=lambda e: -e.size)  # the longest books first
    if options.cluster:
        from . import cluster

        workers: Any = cluster.DaskWorkers(options.cluster, cache_root=cache.root, reporter=report)
    else:
        workers = LocalWorkers(max(1, options.jobs or os.cpu_count() or 1))
    result = BatchResult(books=[], seconds=0.0, workers=workers.workers)
    try:
        _run(options, entries, cache, workers, result, report)
    finally:
        workers.close()
        result.seconds = time.monotonic() - started
        result.peak_worker_rss = max(result.peak_worker_rss, getattr(workers, "peak_rss", 0))
        if options.report is not None:
            write_report(options.report, result)
    return result


def _check_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=root, prefix=".tmp-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise AudiobookError(
            f"the cache folder cannot be written ({exc.strerror})",
            path=root,
            fix="give --cache a folder you can write (on a cluster: one every worker mounts)",
        ) from None


def _fatal(exc: BaseException) -> bool:
    """Errors that would fail every book: stop the batch at once rather than report them a thousand times."""
    if isinstance(exc, (MissingDependency, EngineMismatch)):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC)


def _run(options, entries, cache, workers, result: BatchResult, report: Reporter) -> None:
    todo = deque(enumerate(entries))
    done: queue.Queue = queue.Queue()
    in_flight: dict[Any, tuple[_Book, Unit, int]] = {}
    dests: dict[Path, str] = {}
    finishers: dict[EngineSpec, Renderer] = {}
    engines: dict[EngineSpec, Any] = {}  # this process's, to key books (never to synthesize here)
    limit = max(4, 3 * workers.workers)  # units in flight: enough to keep every worker busy, memory bounded
    hours = 0.0

    def record(book: _Book, entry: BookReport) -> None:
        nonlocal hours
        result.books.append(entry)
        result.client_seconds += book.client
        hours += entry.duration / 3600
        report.advance(1)
        report.status(f"{hours:,.1f} h of audio, {len(result.failed)} failed")
        line = (
            f"{entry.status}: {entry.source}: {entry.error}"
            if entry.status == "failed"
            else f"{entry.status}: {entry.output} ({entry.chapters} chapters, {_clock(entry.duration)}, "
            f"{entry.synthesized:,} of {entry.sentences:,} sentences synthesized, {entry.seconds:.1f} s)"
        )
        (report.note if entry.status == "failed" else report.detail)(line)

    def fail(book: _Book, exc: BaseException) -> None:
        for handle in list(book.pending):
            handle.cancel()
            in_flight.pop(handle, None)
        book.pending.clear()
        meta = getattr(book.prepared, "meta", None)
        record(
            book,
            BookReport(
                source=str(book.entry.source),
                status="failed",
                title=getattr(meta, "title", None),
                author=getattr(meta, "author", None),
                seconds=time.monotonic() - book.started,
                error=_message(exc),
            ),
        )

    def submit(book: _Book, unit: Unit, attempt: int) -> None:
        handle = workers.submit(unit, priority=len(entries) - book.order)
        in_flight[handle] = (book, unit, attempt)
        book.pending.add(handle)
        handle.add_done_callback(done.put)

    def finish(book: _Book) -> None:
        prepared = book.prepared
        spec = prepared.spec
        if (
            spec not in finishers
        ):  # renders here only what went missing since (a damaged entry), as build does
            finishers[spec] = Renderer(spec, cache, jobs=1, engine=prepared.engine)
        t = time.monotonic()
        built = building.finish(prepared, finishers[spec], reporter=Silent(), lock_wait=options.lock_wait)
        spent = time.monotonic() - t
        book.client += spent
        result.assemble_seconds += spent
        synthesized = book.synthesized + built.synthesized
        record(
            book,
            BookReport(
                source=str(book.entry.source),
                status="up to date" if built.up_to_date else "built",
                output=str(built.path),
                title=prepared.meta.title,
                author=prepared.meta.author,
                chapters=built.chapters,
                duration=round(built.duration, 3),
                size=built.size,
                sentences=built.sentences,
                synthesized=synthesized,
                reused=built.sentences - synthesized,
                seconds=round(time.monotonic() - book.started, 3),
            ),
        )

    def start(order: int, entry: Entry) -> None:
        book = _Book(entry, order, time.monotonic())
        t = time.monotonic()
        try:
            loaded = source.load(entry.source)
            meta = loaded.book.metadata
            if entry.metadata:
                meta = building.override_metadata(meta, dict(entry.metadata))
            folder = book_folder(options.output_dir, meta)
            book_options = building.BuildOptions(
                source=entry.source,
                output_dir=folder,
                lexicon=entry.lexicon or options.lexicon,
                engine=options.engine,
                voice=entry.voice,
                rate=entry.rate,
                cache_dir=cache.root,
                formats=options.formats | {"m4b"},
                base_url=_base_url(options.base_url, folder.relative_to(options.output_dir)),
                mp3_per_chapter=options.mp3_per_chapter,
                overrides=entry.metadata,
            )
            prepared = building.prepare(book_options, loaded=loaded, engines=engines)
        except AudiobookError as exc:
            if _fatal(exc):
                raise
            book.client += time.monotonic() - t
            fail(book, exc)
            return
        book.client += time.monotonic() - t
        if isinstance(prepared, building.BuildResult):  # nothing changed since it was last made
            record(book, _up_to_date(entry, prepared, book))
            return
        book.prepared = prepared
        first = dests.setdefault(prepared.dest, entry.where)
        if first != entry.where:
            fail(
                book,
                InputError(
                    f"{entry.where} and {first} are both {prepared.dest}",
                    path=entry.source,
                    fix="give one of them another title (or author) in the catalogue or its book.yaml",
                ),
            )
            return
        pieces = units(
            prepared.jobs, cache, spec=prepared.spec, identity=prepared.identity, size=UNIT_SEGMENTS
        )
        for unit in pieces:
            submit(book, unit, 1)
        if not pieces:
            _finish_safely(book)

    def _finish_safely(book: _Book) -> None:
        try:
            finish(book)
        except AudiobookError as exc:
            if _fatal(exc):
                raise
            fail(book, exc)

    report.start("Books", len(entries), "book")
    last_progress = time.monotonic()
    try:
        while todo or in_flight:
            while todo and len(in_flight) < limit:
                start(*todo.popleft())
            if not in_flight:
                continue
            try:
                handle = done.get(timeout=1.0)
            except queue.Empty:
                if time.monotonic() - last_progress > STALL:
                    raise AudiobookError(
                        f"no work finished in {STALL / 60:.0f} minutes",
                        fix="check that the workers are running (and can reach the cache)",
                    ) from None
                continue
            if handle not in in_flight:
                continue  # cancelled with its book
            last_progress = time.monotonic()
            book, unit, attempt = in_flight.pop(handle)
            book.pending.discard(handle)
            if handle.cancelled():
                continue
            exc = handle.exception()
            if exc is not None and workers.died(handle) and attempt < ATTEMPTS:
                workers.recover(handle)
                result.reruns += 1
                submit(book, unit, attempt + 1)
                continue
            if exc is not None:
                if _fatal(exc):
                    raise exc
                fail(book, exc)
                continue
            outcome: UnitResult = handle.result()
            result.units += 1
            result.unit_seconds += outcome.seconds
            result.peak_worker_rss = max(result.peak_worker_rss, outcome.peak_rss)
            book.synthesized += sum(r.synthesized for r in outcome.rendered)
            if not book.pending:
                _finish_safely(book)
    finally:
        report.finish()
        for renderer in finishers.values():
            renderer.__exit__(None, None, None)
        for handle in list(in_flight):
            handle.cancel()


def _base_url(base: str | None, folder: Path) -> str | None:
    """Each book's podcast is served from its own folder under the catalogue's base URL."""
    if base is None:
        return None
    return base.rstrip("/") + "/" + "/".join(urllib.parse.quote(part) for part in folder.parts) + "/"


def _up_to_date(entry: Entry, built, book: _Book) -> BookReport:
    return BookReport(
        source=str(entry.source),
        status="up to date",
        output=str(built.path),
        chapters=built.chapters,
        duration=round(built.duration, 3),
        size=built.size,
        sentences=built.sentences,
        synthesized=0,
        reused=built.sentences,
        seconds=round(time.monotonic() - book.started, 3),
    )


def _message(exc: BaseException) -> str:
    if isinstance(exc, AudiobookError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def write_report(path: Path, result: BatchResult) -> None:
    """The JSON report, written atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(result.to_json(), out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["BatchOptions", "BatchResult", "BookReport", "Entry", "read_catalogue", "run", "write_report"]
