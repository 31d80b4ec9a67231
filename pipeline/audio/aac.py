"""AAC for the audio stage: each spoken line's PCM in, bit-exact raw ADTS out, and the ADTS reading that
joining and the container writer need (frame counts, the stream's format).

Joining AAC: every separately encoded line begins with one frame (1024 samples) of encoder priming, and raw
ADTS carries no edit list to hide it, so each line occupies exactly (its samples + 1024) in the joined stream,
its own audio starting 1024 samples in. Line PCM is a whole number of frames long, so the encoder adds no
padding at the end, and lines begin and end in silence, so the joins cannot click.
"""

from __future__ import annotations

import array
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import tools
from ..errors import InputError, ToolError
from ..runner import run

FRAME = 1024  # samples in one AAC-LC frame, and the encoder's priming at the start of a stream

_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)

FFMPEG_QUIET = ("-hide_banner", "-nostats", "-v", "error", "-y")


class DamagedAudio(ValueError):
    """The AAC data given is not what it should be (not ADTS, cut short, mixed formats, wrong length)."""


@dataclass(frozen=True, slots=True)
class AacFormat:
    """What the index says of the audio, read from the first ADTS header; every frame must agree."""

    profile: int  # the ADTS profile field: 1 is AAC-LC
    rate_index: int
    channels: int

    @property
    def sample_rate(self) -> int:
        return _ADTS_RATES[self.rate_index]

    @property
    def config(self) -> bytes:
        """The AudioSpecificConfig: object type, sampling frequency index, channel configuration."""
        return struct.pack(">H", (self.profile + 1) << 11 | self.rate_index << 7 | self.channels << 3)


def adts_format(data: bytes) -> AacFormat:
    """The format of the ADTS frame at the start of `data`; DamagedAudio if there is none."""
    if len(data) < 7 or data[0] != 0xFF or data[1] & 0xF6 != 0xF0:
        raise DamagedAudio("not ADTS at byte 0")
    rate_index = (data[2] >> 2) & 0x0F
    if rate_index >= len(_ADTS_RATES):
        raise DamagedAudio(f"ADTS sampling frequency index {rate_index} is reserved")
    return AacFormat(data[2] >> 6, rate_index, ((data[2] & 0x01) << 2) | (data[3] >> 6))


def adts_frames(data: bytes) -> int:
    """The number of AAC frames in ADTS data; DamagedAudio if it is not whole, well-formed ADTS."""
    sizes = array.array("I")
    for _ in frames(memoryview(data), sizes):
        pass
    return len(sizes)


def frames(view: memoryview, sizes: array.array) -> Iterator[memoryview]:
    """The raw frames of ADTS data (headers taken off), appending each one's size to `sizes`."""
    position = 0
    end = len(view)
    while position < end:
        if end - position < 7 or view[position] != 0xFF or view[position + 1] & 0xF6 != 0xF0:
            raise DamagedAudio(f"not ADTS at byte {position}")
        length = ((view[position + 3] & 0x03) << 11) | (view[position + 4] << 3) | (view[position + 5] >> 5)
        header = 7 if view[position + 1] & 0x01 else 9  # protection_absent, else a CRC follows
        if length <= header or position + length > end:
            raise DamagedAudio(f"ADTS frame at byte {position} is cut short")
        if view[position + 6] & 0x03:
            raise DamagedAudio("ADTS frames holding several raw blocks are not supported")
        sizes.append(length - header)
        yield view[position + header : position + length]
        position += length


def encode_adts(
    pcm: Path, *, sample_rate: int, dest: Path, bitrate: str = "64k", aac_coder: str = "fast"
) -> Path:
    """AAC-LC as a raw ADTS stream, bit-exact (the same input always gives the same bytes).

    The PCM must be a whole number of frames long (see the module docstring).
    """
    samples = pcm_samples(pcm)
    if samples % FRAME:
        raise ValueError(f"{pcm} holds {samples} samples, not a whole number of {FRAME}-sample frames")
    raw_input = ("-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", pcm)
    codec = ("-c:a", "aac", "-aac_coder", aac_coder, "-b:a", bitrate, "-flags:a", "+bitexact")
    argv = [
        tools.ffmpeg(),
        *FFMPEG_QUIET,
        *raw_input,
        "-map",
        "0:a",
        *codec,
        "-fflags",
        "+bitexact",
        "-f",
        "adts",
        dest,
    ]
    run(argv, what=f"encoding {pcm.name} to AAC", expect=dest)
    frames = adts_frames(dest.read_bytes())
    if frames != samples // FRAME + 1:
        raise ToolError(
            f"ffmpeg encoded {samples // FRAME} frames of audio into {frames} AAC frames, not "
            f"{samples // FRAME + 1}; chapter timing would drift"
        )
    return dest


def encode_aac(
    pcm: Path, *, sample_rate: int, dest: Path, bitrate: str = "64k", aac_coder: str = "fast"
) -> Path:
    """AAC-LC in an MP4 container from raw mono s16le PCM; the encoder's priming is kept in the edit list."""
    raw_input = ("-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", pcm)
    codec = ("-c:a", "aac", "-aac_coder", aac_coder, "-b:a", bitrate)
    argv = [tools.ffmpeg(), *FFMPEG_QUIET, *raw_input, "-map", "0:a", *codec, "-f", "mp4", dest]
    run(argv, what=f"encoding {pcm.name} to AAC", expect=dest)
    return dest


def pcm_samples(pcm: Path) -> int:
    try:
        size = pcm.stat().st_size
    except OSError as exc:
        raise InputError(
            f"the book's audio is missing: {exc.strerror}",
            path=pcm,
            fix="run the build again so the audio stage writes it",
        ) from exc
    if size == 0 or size % 2:
        raise InputError(
            f"not 16-bit mono PCM: {size} bytes",
            path=pcm,
            fix="delete it and run the build again so the audio stage rewrites it",
        )
    return size // 2
