"""How the work the cache lacks is cut for workers, so no worker idles while another finishes a long chapter.

In: a book's `ChapterJob`s and the cache. Out: `pieces` (runs of one chapter, largest first) for one build's
pool, or `units` (runs of at most N segments, short chapters together, in book order) for a batch, whose
workers render any book and voice (`workers.render_unit`). Each segment is encoded alone: cutting changes
nothing in the audio.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .cache import Cache
from .jobs import ChapterJob, EngineSpec, Rendered, cached

PIECES_PER_WORKER = (
    6  # a cold book is cut into about this many pieces per worker, so no worker idles at the end
)


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
