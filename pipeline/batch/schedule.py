"""The batch's loop: books started longest first, their units sent to the workers and collected, each book
assembled here once its units are done. In: the catalogue's entries and the workers (`pool` or `cluster`).
Out: a `report.BookReport` per book; a failed book is reported and the others go on, an error that would fail
every book stops the loop at once.
"""

from __future__ import annotations

import errno
import queue
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import build as building
from ..audio.jobs import EngineSpec
from ..audio.render import Renderer
from ..audio.units import Unit, UnitResult, units
from ..audio.workers import EngineMismatch
from ..errors import AudiobookError, InputError, MissingDependency
from ..progress import Reporter, Silent
from ..text import source
from .catalogue import Entry, book_folder
from .report import BatchResult, BookReport, clock

UNIT_SEGMENTS = 200  # spoken lines per unit of work at most: one ffmpeg run, a few seconds of a worker
ATTEMPTS = 3  # a unit whose worker died is run again this many times in all (Dask: allowed-failures)
STALL = 3600.0  # seconds without any unit finishing before the batch gives up


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


def _fatal(exc: BaseException) -> bool:
    """Errors that would fail every book: stop the batch at once rather than report them a thousand times."""
    if isinstance(exc, (MissingDependency, EngineMismatch)):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC)


def run_books(options, entries, cache, workers, result: BatchResult, report: Reporter) -> None:
    """Make every book of `entries` with `workers`, adding each one's report to `result` as it is done."""
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
            else f"{entry.status}: {entry.output} ({entry.chapters} chapters, {clock(entry.duration)}, "
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
