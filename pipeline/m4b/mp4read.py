"""Reading an M4B back the way players do: duration, tags, cover and each chapter format on its own.

mutagen reads tags and Nero chapters; the QuickTime chapter track (the only one Apple Books reads) and
the edit-list-corrected duration come from a small box walker here, so neither format can hide the other.
The walker alone also reads the build's own tag (`build_id`), so a no-op rebuild never loads mutagen.
"""

from __future__ import annotations

import array
import logging
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..audio.aac import AacFormat
from ..errors import InputError, ToolError

log = logging.getLogger(__name__)

BUILD_TAG = "----:org.audiobook-pipeline:BUILD"  # what the file was built from, so a no-op rebuild is seen

Chapters = tuple[tuple[str, float], ...]  # (title, start in seconds)


@dataclass(frozen=True, slots=True)
class ReadBack:
    """What a player finds in an M4B file."""

    duration: float  # seconds, from the movie header: the edit list has already cut the AAC priming
    media_duration: float  # mutagen's `info.length`: the audio track's media, priming included
    sample_rate: int
    channels: int
    codec: str
    brand: str  # the ftyp major brand, "M4B " for an audiobook
    tags: dict[str, list[str | int]]  # atom name -> values; freeform atoms decoded as UTF-8; no cover
    cover: bytes | None
    cover_format: str | None  # "jpeg" or "png"
    nero_chapters: Chapters  # from `moov/udta/chpl`, as mutagen (VLC, Android players) reads them
    quicktime_chapters: Chapters  # from the text track that `tref/chap` points at (Apple)


def read_back(path: Path) -> ReadBack:
    """Everything a player reads from `path`; InputError naming it if it is not a readable MP4 file."""
    from mutagen import MutagenError

    try:
        return _read_back(path)
    except (MutagenError, ValueError, struct.error) as exc:
        raise InputError(
            f"not an M4B file that can be read: {exc}",
            path=path,
            fix="build it again; a file cut short by a full disk or a copy looks like this",
        ) from exc


def _read_back(path: Path) -> ReadBack:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    tags: dict[str, list[str | int]] = {}
    cover: bytes | None = None
    cover_format: str | None = None
    for key, values in (mp4.tags or {}).items():
        if key == "covr":
            cover = bytes(values[0])
            cover_format = "png" if values[0].imageformat == MP4Cover.FORMAT_PNG else "jpeg"
            continue
        tags[key] = [_plain(v) for v in values]
    with path.open("rb") as fh:
        head = fh.read(12)
    brand = head[8:12].decode("latin-1") if head[4:8] == b"ftyp" else ""
    return ReadBack(
        duration=movie_duration(path),
        media_duration=mp4.info.length,
        sample_rate=mp4.info.sample_rate,
        channels=mp4.info.channels,
        codec=mp4.info.codec,
        brand=brand,
        tags=tags,
        cover=cover,
        cover_format=cover_format,
        nero_chapters=tuple((c.title, c.start) for c in (mp4.chapters or ())),
        quicktime_chapters=quicktime_chapters(path),
    )


def decode_errors(path: Path) -> str:
    """What ffmpeg complains about while decoding all of `path`'s audio: empty means it decodes cleanly."""
    from .. import tools
    from ..runner import run

    try:
        proc = run(
            [tools.ffmpeg(), "-hide_banner", "-nostats", "-v", "error", "-i", path, "-f", "null", "-"],
            what=f"decoding {path.name}",
        )
    except ToolError as exc:
        return str(exc)
    return proc.stderr.decode("utf-8", "replace").strip()


def movie_duration(path: Path) -> float:
    """The presentation length in seconds from `mvhd`, which ffmpeg sets from the edit lists."""
    mvhd = _find(_moov(path), b"mvhd")
    if mvhd is None:
        raise ValueError(f"{path} has no movie header")
    version = mvhd[0]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", mvhd[20:32])
    else:
        timescale, duration = struct.unpack(">II", mvhd[12:20])
    return duration / timescale


def quicktime_chapters(path: Path) -> Chapters:
    """Titles and start times of the QuickTime chapter track, read from the track's own samples."""
    moov = _moov(path)
    traks = [body for kind, body in _boxes(moov) if kind == b"trak"]
    by_id = {_track_id(trak): trak for trak in traks}
    chapter_ids = []
    for trak in traks:
        chap = _find(trak, b"tref", b"chap")
        if chap is not None:
            chapter_ids += [i for (i,) in struct.iter_unpack(">I", chap[: len(chap) // 4 * 4])]
    if not chapter_ids or chapter_ids[0] not in by_id:
        return ()
    trak = by_id[chapter_ids[0]]
    stbl = _find(trak, b"mdia", b"minf", b"stbl")
    mdhd = _find(trak, b"mdia", b"mdhd")
    if stbl is None or mdhd is None:
        raise ValueError(f"{path}: the chapter track has no sample table")
    timescale = struct.unpack(">I", mdhd[20:24] if mdhd[0] == 1 else mdhd[12:16])[0]
    starts = _sample_times(stbl)
    with path.open("rb") as fh:
        titles = [_chapter_text(fh, offset, size) for offset, size in _sample_places(stbl)]
    shift = _edit_shift(trak, movie_timescale=_movie_timescale(moov), media_timescale=timescale)
    return tuple((title, start / timescale + shift) for title, start in zip(titles, starts, strict=True))


def build_id(path: Path) -> str | None:
    """The build fingerprint `package.assemble_m4b` tagged `path` with (BUILD_TAG), as mutagen reads it;
    None if there is no such file or tag, or the file is not MP4."""
    _, mean, name = BUILD_TAG.split(":")
    try:
        meta = _find(_moov(path), b"udta", b"meta")
        ilst = _find(meta[4:], b"ilst") if meta is not None else None  # meta is a full box
        for kind, body in _boxes(ilst or b""):
            if kind != b"----":
                continue
            parts = list(_boxes(body))  # mean and name (full boxes), then the data: type, locale, value
            said = {k: v[4:] for k, v in parts if k in (b"mean", b"name")}
            data = next((v for k, v in parts if k == b"data"), None)
            if said == {b"mean": mean.encode(), b"name": name.encode()} and data is not None:
                return data[8:].decode("utf-8", "replace")
    except (OSError, ValueError, struct.error):
        return None
    return None


@dataclass(frozen=True, slots=True)
class AudioRun:
    """Where an M4B's AAC frames are: one run of bytes from `start`, frame after frame, of `sizes`."""

    start: int
    sizes: array.array  # each frame's size in bytes, in order
    form: AacFormat

    @property
    def end(self) -> int:
        return self.start + sum(self.sizes)


def audio_run(path: Path) -> AudioRun | None:
    """The audio track's frames, if they lie in `path` as one run in order (as `mp4write` writes them and
    mutagen keeps them); None if not, or if the file is not such an MP4."""
    try:
        moov = _moov(path)
        for kind, trak in _boxes(moov):
            hdlr = _find(trak, b"mdia", b"hdlr") if kind == b"trak" else None
            if hdlr is not None and hdlr[8:12] == b"soun":
                stbl = _find(trak, b"mdia", b"minf", b"stbl")
                return _run(stbl) if stbl is not None else None
    except (OSError, ValueError, struct.error):
        return None
    return None


def _run(stbl: bytes) -> AudioRun | None:
    stsz, stsc = _find(stbl, b"stsz") or b"", _find(stbl, b"stsc") or b""
    fixed, count = struct.unpack(">II", stsz[4:12])
    if fixed:
        return None
    sizes = _table("I", stsz[12 : 12 + 4 * count], count)
    if (stco := _find(stbl, b"stco")) is not None:
        chunks = _table("I", stco[8:], struct.unpack(">I", stco[4:8])[0])
    elif (co64 := _find(stbl, b"co64")) is not None:
        chunks = _table("Q", co64[8:], struct.unpack(">I", co64[4:8])[0])
    else:
        return None
    runs = list(struct.iter_unpack(">III", stsc[8 : 8 + 12 * struct.unpack(">I", stsc[4:8])[0]]))
    form = _aac_format(_find(stbl, b"stsd") or b"")
    if not chunks or not runs or form is None:
        return None
    view, position, sample = memoryview(sizes), chunks[0], 0
    for index, offset in enumerate(chunks, 1):
        per_chunk = next(spc for first, spc, _ in reversed(runs) if first <= index)
        if offset != position:
            return None  # the chunks are not one after another
        position += sum(view[sample : sample + per_chunk])
        sample += per_chunk
    return AudioRun(chunks[0], sizes, form) if sample == count else None


def _table(code: str, data: bytes, count: int) -> array.array:
    table = array.array(code)
    table.frombytes(data[: table.itemsize * count])
    if len(table) != count:
        raise ValueError("a sample table is cut short")
    if sys.byteorder == "little":
        table.byteswap()  # big-endian on disk
    return table


def _aac_format(stsd: bytes) -> AacFormat | None:
    """The AAC format in the sample entry's AudioSpecificConfig (esds: the ES descriptor, its decoder config,
    then the config); None if it is not there as `mp4write` and ffmpeg write it."""
    mp4a = _find(stsd[8:], b"mp4a")  # after the full box's flags and the entry count
    esds = _find(mp4a[28:], b"esds") if mp4a is not None else None  # after the audio sample entry's fields
    body = esds[4:] if esds is not None else b""
    for tag, skip in ((0x03, 3), (0x04, 13), (0x05, 0)):  # ES (id, flags), decoder config (13 bytes), config
        if not body or body[0] != tag:
            return None
        length, header = 0, 1
        while header < len(body):  # the length in 7-bit groups, the high bit set on all but the last
            length = length << 7 | body[header] & 0x7F
            header += 1
            if not body[header - 1] & 0x80:
                break
        content = body[header : header + length]
        if tag == 0x03 and (len(content) < 3 or content[2]):
            return None  # an ES descriptor with optional fields: not ours
        body = content[skip:]
    if len(body) < 2:
        return None
    return AacFormat((body[0] >> 3) - 1, (body[0] & 0x07) << 1 | body[1] >> 7, body[1] >> 3 & 0x0F)


def _plain(value: object) -> str | int:
    from mutagen.mp4 import MP4FreeForm

    if isinstance(value, MP4FreeForm):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, int | str):
        return value
    return str(value)


def _moov(path: Path) -> bytes:
    """The `moov` box's body, found by seeking over the top-level boxes (mdat can be gigabytes)."""
    with path.open("rb") as fh:
        end = fh.seek(0, 2)
        pos = 0
        while pos + 8 <= end:
            fh.seek(pos)
            size, kind = struct.unpack(">I4s", fh.read(8))
            header = 8
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
                header = 16
            elif size == 0:
                size = end - pos
            if size < header:
                break
            if kind == b"moov":
                return fh.read(size - header)
            pos += size
    raise ValueError(f"{path} is not an MP4 file: it has no moov box")


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header or pos + size > len(data):
            raise ValueError(f"a damaged {kind!r} box")
        yield kind, data[pos + header : pos + size]
        pos += size


def _find(data: bytes, *path: bytes) -> bytes | None:
    for kind, body in _boxes(data):
        if kind == path[0]:
            return body if len(path) == 1 else _find(body, *path[1:])
    return None


def _track_id(trak: bytes) -> int:
    tkhd = _find(trak, b"tkhd") or b""
    offset = 20 if tkhd[:1] == b"\x01" else 12
    return struct.unpack(">I", tkhd[offset : offset + 4])[0]


def _movie_timescale(moov: bytes) -> int:
    mvhd = _find(moov, b"mvhd") or b""
    return struct.unpack(">I", mvhd[20:24] if mvhd[:1] == b"\x01" else mvhd[12:16])[0]


def _sample_times(stbl: bytes) -> list[int]:
    stts = _find(stbl, b"stts") or b""
    count = struct.unpack(">I", stts[4:8])[0]
    times, now = [], 0
    for samples, delta in struct.iter_unpack(">II", stts[8 : 8 + 8 * count]):
        for _ in range(samples):
            times.append(now)
            now += delta
    return times


def _sample_places(stbl: bytes) -> list[tuple[int, int]]:
    """(file offset, size) of each sample, from the chunk offsets, sample-to-chunk map and sizes."""
    stsz = _find(stbl, b"stsz") or b""
    fixed, count = struct.unpack(">II", stsz[4:12])
    sizes = [fixed] * count if fixed else [s for (s,) in struct.iter_unpack(">I", stsz[12 : 12 + 4 * count])]
    if (stco := _find(stbl, b"stco")) is not None:
        n = struct.unpack(">I", stco[4:8])[0]
        chunks = [o for (o,) in struct.iter_unpack(">I", stco[8 : 8 + 4 * n])]
    elif (co64 := _find(stbl, b"co64")) is not None:
        n = struct.unpack(">I", co64[4:8])[0]
        chunks = [o for (o,) in struct.iter_unpack(">Q", co64[8 : 8 + 8 * n])]
    else:
        raise ValueError("the chapter track has no chunk offsets")
    stsc = _find(stbl, b"stsc") or b""
    n = struct.unpack(">I", stsc[4:8])[0]
    runs = list(struct.iter_unpack(">III", stsc[8 : 8 + 12 * n]))
    places, sample = [], 0
    for index, offset in enumerate(chunks, 1):
        per_chunk = next((spc for first, spc, _ in reversed(runs) if first <= index), 0)
        for _ in range(per_chunk):
            if sample >= len(sizes):
                break
            places.append((offset, sizes[sample]))
            offset += sizes[sample]
            sample += 1
    return places


def _chapter_text(fh: BinaryIO, offset: int, size: int) -> str:
    # A text sample is a 16-bit length, the text (UTF-8, or UTF-16 after a byte-order mark), then atoms.
    fh.seek(offset)
    data = fh.read(size)
    length = struct.unpack(">H", data[:2])[0]
    text = data[2 : 2 + length]
    if text.startswith((b"\xfe\xff", b"\xff\xfe")):
        return text.decode("utf-16")
    return text.decode("utf-8")


def _edit_shift(trak: bytes, *, movie_timescale: int, media_timescale: int) -> float:
    """Seconds to add to the track's media times: empty edits delay it, a media_time skips into it."""
    elst = _find(trak, b"edts", b"elst")
    if elst is None:
        return 0.0
    version, count = elst[0], struct.unpack(">I", elst[4:8])[0]
    layout, width = (">QqI", 20) if version == 1 else (">IiI", 12)
    shift = 0.0
    for duration, media_time, _rate in struct.iter_unpack(layout, elst[8 : 8 + width * count]):
        if media_time == -1:
            shift += duration / movie_timescale
        else:
            return shift - media_time / media_timescale
    return shift
