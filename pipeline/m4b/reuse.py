"""A rebuild's M4B from the last one: the lines it already held are copied from it, not taken again one by
one from the cache and out of their ADTS headers (which cost a one-word rebuild more than all the rest).

A build records the `Layout` of the file it wrote: its fingerprint, each line's segment key and frame
count in order, and a digest of all its frames. The next build of the same book uses the file only if it
is still exactly that: its build tag holds the fingerprint, its frames lie in one run of the recorded
length, and they hash to the recorded digest (so a file damaged on disk is never copied from). The
result is the same, byte for byte, as joining every line from the cache.
"""

from __future__ import annotations

import array
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import mp4read
from .mp4write import COPY_BLOCK, Copied

DIGEST = "sha256"  # of the frames as written; the fastest of hashlib's on a 64-bit CPU with SHA extensions


@dataclass(frozen=True, slots=True)
class Layout:
    """What a build wrote into its M4B: for the cache (`to_json`), so the next build can copy from it."""

    fingerprint: str
    digest: str  # DIGEST of the audio frames, in order
    segments: tuple[tuple[str, int], ...]  # each line's segment key and its number of AAC frames

    def to_json(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "digest": self.digest,
            "segments": [list(s) for s in self.segments],
        }

    @classmethod
    def from_json(cls, value: object) -> Layout | None:
        try:
            segments = tuple((str(k), int(n)) for k, n in value["segments"])  # type: ignore[index]
            return cls(str(value["fingerprint"]), str(value["digest"]), segments)  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Previous:
    """The M4B a layout describes, checked: where each of its lines' frames are."""

    run: mp4read.AudioRun
    path: Path
    places: dict[str, tuple[int, int, int]]  # segment key -> (first frame, frames, byte offset in the file)


def previous(path: Path, layout: Layout | None) -> Previous | None:
    """The file at `path` as `layout` recorded it, or None if it is not that file any more (or not whole)."""
    if layout is None or mp4read.build_id(path) != layout.fingerprint:
        return None
    run = mp4read.audio_run(path)
    if run is None or len(run.sizes) != sum(frames for _, frames in layout.segments):
        return None
    digest, left = hashlib.new(DIGEST), run.end - run.start
    try:
        with path.open("rb") as source:
            source.seek(run.start)
            while left and (block := source.read(min(left, COPY_BLOCK))):
                digest.update(block)
                left -= len(block)
    except OSError:
        return None
    if left or digest.hexdigest() != layout.digest:
        return None
    places: dict[str, tuple[int, int, int]] = {}
    frame, offset, view = 0, run.start, memoryview(run.sizes)
    for key, frames in layout.segments:
        places.setdefault(key, (frame, frames, offset))
        offset += sum(view[frame : frame + frames])
        frame += frames
    return Previous(run, path, places)


def parts(keys: Sequence[str], old: Previous | None, fresh: Iterable[bytes]) -> Iterator[bytes | Copied]:
    """The container's parts for lines `keys` in order: frames copied from `old` for the lines it holds
    (neighbours there joined into one copy), the next of `fresh` (each line's ADTS) for the others."""
    fresh = iter(fresh)
    start = end = 0  # the frames of the copy being gathered, [start, end) in old's run
    offset = 0
    for key in keys:
        place = old.places.get(key) if old is not None else None
        if place is not None and end > start and place[0] == end:
            end += place[1]
            continue
        if end > start:
            yield _copied(old, offset, start, end)
            start = end = 0
        if place is None:
            yield next(fresh)
        else:
            start, end, offset = place[0], place[0] + place[1], place[2]
    if end > start:
        yield _copied(old, offset, start, end)


def _copied(old: Previous | None, offset: int, start: int, end: int) -> Copied:
    assert old is not None
    return Copied(old.path, offset, array.array("I", old.run.sizes[start:end]), old.run.form)


def reused(keys: Iterable[str], old: Previous | None) -> set[str]:
    """Which of `keys` `old` holds (their audio need not come from the cache)."""
    return set() if old is None else {key for key in keys if key in old.places}
