"""Renders the book to encoded audio, segment by segment, in a pool of workers, reusing everything cached.

A segment is one spoken line (a chapter title or a sentence) with the pause after it: speech that ends in
silence, so segments can be encoded on their own and joined without a sound at the join (see aac.py).
In: a book's `jobs.ChapterJob`s (keyed by `jobs.plan`). Out: every segment the cache lacks rendered into it
(by `workers`, in pieces cut by `units.pieces`), and each chapter's `Rendered` counts. A small change is
rendered in this process, without starting workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..errors import ToolError
from ..voice.base import Engine
from . import workers
from .cache import Cache
from .jobs import ChapterJob, EngineSpec, Rendered, cached
from .units import pieces

SMALL_CHANGE = 40  # segments to encode at most for a build to render in its own process, without workers


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
                mp_context=workers.pool_context(),
                initializer=workers.init_worker,
                initargs=(self.spec, str(self.cache.root), workers.our_environment()),
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
            pending[self._start().submit(workers.render_chapter, piece)] = piece
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
        return self._start().submit(workers.render_chapter, job).result()

    def levelled(self, job: ChapterJob, dest: Path) -> Path:
        """Write the chapter's levelled PCM on the M4B's timeline to `dest` (see `workers.levelled`)."""
        if self._pool is None and self.engine is not None:
            return Path(self._in_this_process(workers.levelled, job, str(dest)))
        return Path(self._start().submit(workers.levelled, job, str(dest)).result())

    def _here(self, job: ChapterJob) -> Rendered:
        return self._here_many((job,))[0]

    def _here_many(self, jobs: tuple[ChapterJob, ...]) -> list[Rendered]:
        return self._in_this_process(workers.render_chapters, jobs)

    def _in_this_process(self, work, *args):
        """Run a worker function here, with this process's engine (which synthesizes each sentence in a
        forked child, as workers do) standing in for a worker's."""
        assert self.engine is not None
        return workers.with_engine(self.engine, self.cache, work, *args)
