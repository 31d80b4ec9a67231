"""A rebuild's M4B from the last one: the lines it already held are copied from it, not taken again one by
one from the cache and out of their ADTS headers (which cost a one-word rebuild more than all the rest).

A build records the `Layout` of the file it wrote: its fingerprint, each line's segment key and frame
count in order, and the file's identity on disk once it is in place (size, modification and change times,
inode). The next build of the same book uses the file only if it is still that file, untouched: the same
identity (as git trusts a file its index has seen: any write, even one that keeps the size and sets the
modification time back, moves the change time), its build tag holding the fingerprint, its frames in one
run of the recorded length. Hashing the frames instead would cost more than all the rest of a one-word
rebuild. The result is the same, byte for byte, as joining every line from the cache.
"""

from __future__ import annotations

import array
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import mp4read
from .mp4write import Copied


@dataclass(frozen=True, slots=True)
class Layout:
    """What a build wrote into its M4B: for the cache (`to_json`), so the next build can copy from it."""

    fingerprint: str
    file: tuple[int, ...]  # the file's `identity` once in place
    segments: tuple[tuple[str, int], ...]  # each line's segment key and its number of AAC frames

    def to_json(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "file": list(self.file),
            "segments": [list(s) for s in self.segments],
        }

    @classmethod
    def from_json(cls, value: object) -> Layout | None:
        try:
            segments = tuple((str(k), int(n)) for k, n in value["segments"])  # type: ignore[index]
            file = tuple(int(n) for n in value["file"])  # type: ignore[index]
            return cls(str(value["fingerprint"]), file, segments)  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return None


def identity(path: Path) -> tuple[int, ...]:
    """What changes whenever anything writes to the file at `path`, or puts another file there."""
    found = os.stat(path)
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


@dataclass(frozen=True, slots=True)
class Previous:
    """The M4B a layout describes, checked: where each of its lines' frames are."""

    run: mp4read.AudioRun
    path: Path
    places: dict[str, tuple[int, int, int]]  # segment key -> (first frame, frames, byte offset in the file)


def previous(path: Path, layout: Layout | None) -> Previous | None:
    """The file at `path` as `layout` recorded it, or None if it is not that file any more (or not whole)."""
    try:
        if layout is None or identity(path) != layout.file:
            return None
    except OSError:
        return None
    if mp4read.build_id(path) != layout.fingerprint:
        return None
    run = mp4read.audio_run(path)
    if run is None or len(run.sizes) != sum(frames for _, frames in layout.segments):
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
