"""A whole catalogue: `audiobook batch`, each book made exactly as `audiobook build` makes it.

In: a catalogue (`catalogue`: a folder of books, manuscript folders and .txt/.epub files, or a CSV/YAML list
of sources with per-book metadata) and `BatchOptions`. Out: every book in DIR/Author/Title/, the layout
Audiobookshelf scans, and a `BatchResult` with a `BookReport` per book (`report`, also as JSON).

How the work is spread: each book is read, narrated and keyed here (the client), and what its cache lacks is
cut into units of at most `schedule.UNIT_SEGMENTS` spoken lines (a short chapter, several short chapters of
one book, or a run of a long chapter), so one long book never leaves workers idle. Units go to a pool of
worker processes on this machine (`pool`), or to a Dask cluster (`cluster`, imported only for --cluster);
either way a worker synthesizes each sentence in a child forked from a process that never speaks, so audio
depends on text alone, and writes it to the shared cache. When a book's units are done, the client assembles
its M4B from the cache (see the README for why there and not on a worker: measured). The longest books start
first (`schedule`). A book that fails is reported and the others go on; an error that would fail every book
(no encoder, a cache that cannot be written, no worker with this engine) stops the batch at once.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import tools
from ..audio.cache import Cache, default_root
from ..errors import AudiobookError, InputError
from ..progress import Reporter, Silent
from ..voice import DEFAULT
from .catalogue import Entry, read_catalogue
from .pool import LocalWorkers
from .report import BatchResult, BookReport, write_report
from .schedule import run_books

LOCK_WAIT = 900.0  # seconds to wait for another batch or build writing the same book


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
        run_books(options, entries, cache, workers, result, report)
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


__all__ = [
    "BatchOptions",
    "BatchResult",
    "BookReport",
    "Entry",
    "read_catalogue",
    "run",
    "write_report",
]
