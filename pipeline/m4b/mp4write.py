"""Writing the M4B container in Python: joined ADTS audio and chapter marks in, an untagged .m4b out.

ffmpeg's mov muxer did this job and is still the reference the tests compare against; it spent a third of
a second re-reading every AAC packet of the book, the largest fixed cost of a one-word rebuild. The boxes
written here are the ones it writes for `-f ipod -movflags +faststart -brand "M4B "` (same order, same
fields), except that chapter times are exact to the sample rather than rounded to the millisecond:

    ftyp  moov(mvhd, trak audio(tkhd edts tref/chap mdia), trak chapters(tkhd edts mdia), udta/chpl)
    free  mdat(chapter titles, then the audio in chunks of 64 frames)

The index comes first (faststart), so a player can start while the rest of the file is still arriving.
Its size depends only on the number of frames, which the chapter marks give, so the audio is written once,
straight into place, and the index is filled in afterwards. The audio is copied, never decoded. Tags are
left to mutagen.
"""

from __future__ import annotations

import array
import itertools
import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..audio import aac
from ..audio.aac import FRAME, AacFormat, DamagedAudio, adts_format
from ..model import ChapterMark
from .ffmetadata import chapter_title

NERO_MAX_CHAPTERS = 255  # `chpl` counts its chapters in one byte
CHUNK = 64  # frames in a chunk of the index: about 3 s at 22,050 Hz
LIMIT_32 = 0xFFFFFFFF  # a file that could pass this gets 64-bit chunk offsets (co64) and mdat size
LIMIT_31 = 0x7FFFFFFF  # a duration (in samples) from here on is written in version-1 boxes, 64-bit
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_UND = 0x55C4  # ISO 639-2 "und", packed as three 5-bit letters
# What makes QuickTime treat the text track as chapters (display flags, text box, default style and a
# one-font table); ffmpeg's `mov_create_chapter_track` writes exactly these 43 bytes.
_TEXT_SAMPLE_ENTRY = bytes.fromhex(
    "0000000100000000000000000000000000000000000000010000000000000000000d667461620001000100"
)
_TEXT_MEDIA_HEADER = bytes.fromhex(
    "00000018676d696e000000000040800080008000000000000000002c7465787400010000000000000000000000000000"
    "0001000000000000000000000000000040000000"
)
_ENCD_UTF8 = struct.pack(">I4sI", 12, b"encd", 0x100)  # "this text sample is UTF-8"


@dataclass(frozen=True, slots=True)
class Copied:
    """AAC frames to copy as they are from another file (an earlier build of the book, `reuse`): out of
    their ADTS headers already, `sizes` of them one after another from byte `offset` of `path`."""

    path: Path
    offset: int
    sizes: array.array
    form: AacFormat


COPY_BLOCK = 1 << 20  # bytes read at a time when copying frames from another file


def write_container(
    parts: Iterable[bytes | Path | Copied],
    marks: Sequence[ChapterMark],
    dest: Path,
    *,
    chapters: bool = True,
) -> AacFormat:
    """Write `dest`: the index, the chapter titles and the AAC frames of `parts` (ADTS data, or files holding
    it, read one at a time, or frames `Copied` from another file), with `marks` as both chapter formats.
    `chapters=False` writes a plain M4A instead (brand M4A, the audio track alone): one chapter's audio, as
    an EPUB's read-along plays it.

    `marks` are in samples, contiguous from 0 to the end of the audio (as players expect): ValueError if
    they are not. DamagedAudio if a part is not whole, well-formed ADTS, or if the parts disagree on the
    audio format or hold a different number of frames than the marks say.
    """
    if not marks or marks[0].start != 0 or marks[-1].end % FRAME:
        raise ValueError(
            f"the chapters must run from 0 to the end of the audio, a whole number of {FRAME}-sample frames"
        )
    if any(a.end != b.start for a, b in itertools.pairwise(marks)):
        raise ValueError("the chapters must be contiguous")
    frames = marks[-1].end // FRAME
    datas = (part.read_bytes() if isinstance(part, Path) else part for part in parts)
    datas = (data for data in datas if data)
    first = next(datas, None)
    if first is None:
        raise DamagedAudio("there is no audio to write")
    form = first.form if isinstance(first, Copied) else adts_format(first)
    texts = [_text_sample(mark.title) for mark in marks] if chapters else []
    text_bytes = sum(len(t) for t in texts)
    # An AAC frame holds at most 768 bytes a channel: past 4 GB (about 70 hours here) offsets take 64 bits
    wide = text_bytes + frames * (768 * form.channels + 4) + (1 << 16) > LIMIT_32
    draft = array.array("I", bytes(4 * frames))
    head_size = len(_head(form, draft, marks, texts, data_start=0, end=0, wide=wide, chapters=chapters))
    sizes = array.array("I")
    with dest.open("wb") as out:
        out.seek(head_size)
        out.writelines(texts)
        for data in itertools.chain([first], datas):
            if (found := data.form if isinstance(data, Copied) else adts_format(data)) != form:
                raise DamagedAudio(f"the joined parts are not in one audio format: {found} after {form}")
            if isinstance(data, Copied):
                _copy(data, out)
                sizes.extend(data.sizes)
                continue
            out.write(b"".join(aac.frames(memoryview(data), sizes)))
        if len(sizes) != frames:
            raise DamagedAudio(f"the audio holds {len(sizes)} AAC frames, but the chapters span {frames}")
        end = out.tell()
        head = _head(form, sizes, marks, texts, data_start=head_size, end=end, wide=wide, chapters=chapters)
        if len(head) != head_size:
            raise AssertionError(f"the index came out {len(head)} bytes, not the {head_size} set aside")
        out.seek(0)
        out.write(head)
    return form


def _copy(part: Copied, out: BinaryIO) -> None:
    """Copy the part's frames to the end of `out`: by the kernel where it can (no trip through Python)."""
    length, done = sum(part.sizes), 0
    out.flush()
    position = out.tell()
    with part.path.open("rb") as source:
        try:
            while done < length:
                copied = os.copy_file_range(
                    source.fileno(), out.fileno(), length - done, part.offset + done, position + done
                )
                if copied == 0:
                    break
                done += copied
        except (AttributeError, OSError):  # no such call here, or not between these files
            pass
        source.seek(part.offset + done)
        out.seek(position + done)
        while done < length:
            block = source.read(min(length - done, COPY_BLOCK))
            if not block:
                raise DamagedAudio(f"{part.path} ends before the frames to copy from it")
            out.write(block)
            done += len(block)


def _head(
    form: AacFormat,
    sizes: array.array,
    marks: Sequence[ChapterMark],
    texts: list[bytes],
    *,
    data_start: int,
    end: int,
    wide: bool,
    chapters: bool = True,
) -> bytes:
    """Everything before the chapter titles: ftyp, moov, and mdat's header (mdat runs to `end`)."""
    if chapters:
        ftyp = _box(b"ftyp", b"M4B ", struct.pack(">I", 0x200), b"M4B isomiso2")
    else:
        ftyp = _box(b"ftyp", b"M4A ", struct.pack(">I", 0x200), b"M4A isomiso2")
    moov = _moov(form, sizes, marks, texts, data_start=data_start, wide=wide, chapters=chapters)
    if wide:
        mdat = struct.pack(">I4sQ", 1, b"mdat", max(end - data_start + 16, 16))
    else:
        # The 8-byte free box leaves room to widen mdat's header in place, as ffmpeg does.
        mdat = _box(b"free") + struct.pack(">I4s", max(end - data_start + 8, 8), b"mdat")
    return ftyp + moov + mdat


def _moov(
    form: AacFormat,
    sizes: array.array,
    marks: Sequence[ChapterMark],
    texts: list[bytes],
    *,
    data_start: int,
    wide: bool,
    chapters: bool = True,
) -> bytes:
    rate, total = form.sample_rate, len(sizes) * FRAME
    mvhd = _full(
        b"mvhd",
        _version(total),
        0,
        struct.pack(">QQIQ", 0, 0, rate, total)
        if _version(total)
        else struct.pack(">IIII", 0, 0, rate, total),
        struct.pack(">IH10x", 0x10000, 0x100),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 3 if chapters else 2),  # the next free track id
    )
    chunks = [CHUNK] * (len(sizes) // CHUNK) + ([len(sizes) % CHUNK] if len(sizes) % CHUNK else [])
    audio_offsets = []
    offset = data_start + sum(len(t) for t in texts)
    view = memoryview(sizes)
    for number in range(len(chunks)):
        audio_offsets.append(offset)
        offset += sum(view[number * CHUNK : (number + 1) * CHUNK])
    audio = _box(
        b"trak",
        _tkhd(track_id=1, flags=3, duration=total, alternate_group=1, volume=0x100),
        _edts(total),
        *([_box(b"tref", _box(b"chap", struct.pack(">I", 2)))] if chapters else []),
        _box(
            b"mdia",
            _mdhd(rate, total, language=_UND),
            _hdlr(b"soun", b"SoundHandler"),
            _box(
                b"minf",
                _full(b"smhd", 0, 0, bytes(4)),
                _DINF,
                _box(
                    b"stbl",
                    _full(b"stsd", 0, 0, struct.pack(">I", 1), _mp4a(form, sizes)),
                    _full(b"stts", 0, 0, struct.pack(">III", 1, len(sizes), FRAME)),
                    _stsc(chunks),
                    _stsz(sizes),
                    _stco(audio_offsets, wide=wide),
                    # AAC decoders need the frame before to decode a frame ("roll" back by one)
                    _full(b"sgpd", 1, 0, b"roll", struct.pack(">IIh", 2, 1, -1)),
                    _full(b"sbgp", 0, 0, b"roll", struct.pack(">III", 1, len(sizes), 1)),
                ),
            ),
        ),
    )
    if not chapters:
        return _box(b"moov", mvhd, audio)
    durations = [mark.end - mark.start for mark in marks]
    chapter_track = _box(
        b"trak",
        # flags 2: in the movie but not enabled, so players list the chapters and never play them
        _tkhd(track_id=2, flags=2, duration=total, alternate_group=0, volume=0),
        _edts(total),
        _box(
            b"mdia",
            _mdhd(rate, total, language=0),
            _hdlr(b"text", b"SubtitleHandler"),
            _box(
                b"minf",
                _box(b"gmhd", _TEXT_MEDIA_HEADER),
                _DINF,
                _box(
                    b"stbl",
                    _full(
                        b"stsd",
                        0,
                        0,
                        struct.pack(">I", 1),
                        _box(b"text", bytes(6), b"\0\1", _TEXT_SAMPLE_ENTRY),
                    ),
                    _full(
                        b"stts",
                        0,
                        0,
                        struct.pack(">I", len(durations)),
                        *(struct.pack(">II", 1, d) for d in durations),
                    ),
                    _stsc((len(texts),)),
                    _stsz(array.array("I", (len(t) for t in texts))),
                    _stco([data_start], wide=wide),
                ),
            ),
        ),
    )
    return _box(b"moov", mvhd, audio, chapter_track, _box(b"udta", _chpl(marks, rate)))


def _text_sample(title: str) -> bytes:
    text = chapter_title(title).encode("utf-8")
    return struct.pack(">H", len(text)) + text + _ENCD_UTF8


def _chpl(marks: Sequence[ChapterMark], rate: int) -> bytes:
    """Nero chapters: start in units of 100 ns, then the title behind a one-byte length."""
    entries = []
    for mark in marks[:NERO_MAX_CHAPTERS]:
        title = chapter_title(mark.title).encode("utf-8")  # at most 255 bytes, cut on a character boundary
        start = (mark.start * 10_000_000 + rate // 2) // rate
        entries.append(struct.pack(">QB", start, len(title)) + title)
    return _full(b"chpl", 1, 0, bytes(4), bytes([len(entries)]), *entries)


def _version(duration: int) -> int:
    """The box version for a duration: 1 (64-bit times) from 2^31 on, as ffmpeg's muxer decides; at 22,050 Hz
    that is a book of 27 hours or more. Shorter books keep the 32-bit boxes, byte for byte."""
    return 0 if duration < LIMIT_31 else 1


def _tkhd(*, track_id: int, flags: int, duration: int, alternate_group: int, volume: int) -> bytes:
    if _version(duration):
        times = struct.pack(">QQIIQ8x", 0, 0, track_id, 0, duration)
    else:
        times = struct.pack(">IIIII8x", 0, 0, track_id, 0, duration)
    return _full(
        b"tkhd",
        _version(duration),
        flags,
        times,
        struct.pack(">hhH2x", 0, alternate_group, volume),
        _MATRIX,
        struct.pack(">II", 0, 0),  # width, height
    )


def _edts(duration: int) -> bytes:
    if _version(duration):
        return _box(b"edts", _full(b"elst", 1, 0, struct.pack(">IQqI", 1, duration, 0, 0x10000)))
    return _box(b"edts", _full(b"elst", 0, 0, struct.pack(">IIiI", 1, duration, 0, 0x10000)))


def _mdhd(rate: int, duration: int, *, language: int) -> bytes:
    if _version(duration):
        return _full(b"mdhd", 1, 0, struct.pack(">QQIQHH", 0, 0, rate, duration, language, 0))
    return _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, rate, duration, language, 0))


def _hdlr(kind: bytes, name: bytes) -> bytes:
    return _full(b"hdlr", 0, 0, bytes(4), kind, bytes(12), name + b"\0")


def _mp4a(form: AacFormat, sizes: array.array) -> bytes:
    # ffmpeg's arithmetic (compute_avg_bitrate), truncated
    samples = len(sizes) * FRAME
    bitrate = sum(sizes) * 8 * form.sample_rate // samples if samples else 0
    decoder_config = (
        bytes([0x40, 0x15])  # MPEG-4 audio; an audio stream
        + bytes(3)  # decoding buffer size: not stated, as ffmpeg leaves it for a copied stream
        + struct.pack(">II", bitrate, bitrate)  # maximum (ffmpeg also writes the average), average
        + _descriptor(0x05, form.config)
    )
    es = struct.pack(">HB", 1, 0) + _descriptor(0x04, decoder_config) + _descriptor(0x06, b"\x02")
    esds = _full(b"esds", 0, 0, _descriptor(0x03, es))
    fields = struct.pack(">6xH8xHHHHI", 1, form.channels, 16, 0, 0, form.sample_rate << 16)
    return _box(b"mp4a", fields, esds)


def _descriptor(tag: int, body: bytes) -> bytes:
    # The length in four 7-bit groups, as ffmpeg writes it
    n = len(body)
    return (
        bytes([tag, 0x80 | (n >> 21) & 0x7F, 0x80 | (n >> 14) & 0x7F, 0x80 | (n >> 7) & 0x7F, n & 0x7F])
        + body
    )


def _stsc(chunks: Sequence[int]) -> bytes:
    runs = []
    for index, count in enumerate(chunks, 1):
        if not runs or runs[-1][1] != count:
            runs.append((index, count))
    return _full(
        b"stsc", 0, 0, struct.pack(">I", len(runs)), *(struct.pack(">III", i, c, 1) for i, c in runs)
    )


def _stsz(sizes: array.array) -> bytes:
    table = array.array("I", sizes)
    if struct.pack("=I", 1) != struct.pack(">I", 1):
        table.byteswap()  # big-endian on disk
    return _full(b"stsz", 0, 0, struct.pack(">II", 0, len(sizes)), table.tobytes())


def _stco(offsets: Sequence[int], *, wide: bool) -> bytes:
    if wide:
        return _full(b"co64", 0, 0, struct.pack(f">I{len(offsets)}Q", len(offsets), *offsets))
    return _full(b"stco", 0, 0, struct.pack(f">I{len(offsets)}I", len(offsets), *offsets))


def _box(kind: bytes, *body: bytes) -> bytes:
    data = b"".join(body)
    return struct.pack(">I4s", 8 + len(data), kind) + data


def _full(kind: bytes, version: int, flags: int, *body: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags), *body)


_DINF = _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1)))
