"""Audio stage: spoken sentences joined with natural pauses, at a consistent loudness.

Sentences arrive as mono 16-bit PCM. pydub trims each one's own leading and trailing silence so that the
pauses are ours and the same for every engine, and joins speech and pauses once from raw data (pydub's `+`
copies everything on every join). Loudness: `calibrate` finds, once per voice, the gain that brings typical
speech to -18 LUFS (EBU R128, ffmpeg's ebur128 filter) after the look-ahead limiter at -4 dBFS that
`level_filter` applies, so the decoded book has integrated loudness -18 LUFS ±1 and sample peaks below -3 dBFS.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import runner, tools

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH when imported and warns when there is none; ours comes from a wheel.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence
from ..errors import ToolError

log = logging.getLogger(__name__)

TARGET_LUFS = -18.0
LIMIT_DBFS = -4.0  # one dB below the -3 dBFS ceiling: AAC encoding lets peaks overshoot a little
SILENCE_LUFS = (
    -50.0
)  # a chapter quieter than this is silence (the silent engine): no gain, or we'd amplify hiss
MAX_GAIN_DB = 24.0


@dataclass(frozen=True, slots=True)
class Pause:
    ms: int


def _segment(pcm: bytes, sample_rate: int) -> AudioSegment:
    return AudioSegment(data=pcm, sample_width=2, frame_rate=sample_rate, channels=1)


def trim(pcm: bytes, *, sample_rate: int, threshold_dbfs: float = -50.0, keep_ms: int = 20) -> bytes:
    """`pcm` without its leading and trailing silence (keeping `keep_ms` of each so onsets stay soft)."""
    seg = _segment(pcm, sample_rate)
    if len(seg) == 0:
        return pcm
    start = max(0, detect_leading_silence(seg, silence_threshold=threshold_dbfs) - keep_ms)
    end = len(seg) - max(0, detect_leading_silence(seg.reverse(), silence_threshold=threshold_dbfs) - keep_ms)
    if end <= start:
        return pcm  # all below the threshold (the silent engine): keep its length, which is the point of it
    return seg[start:end].raw_data


def samples_of(ms: int, *, sample_rate: int) -> int:
    """How many samples a pause of `ms` milliseconds is (as pydub makes it)."""
    return len(AudioSegment.silent(duration=ms, frame_rate=sample_rate).raw_data) // 2


def join(pieces: Iterable[bytes | Pause], *, sample_rate: int) -> bytes:
    """Join speech (PCM bytes) and pauses into one chapter's PCM, in one linear pass."""
    parts: list[bytes] = []
    for piece in pieces:
        if isinstance(piece, Pause):
            parts.append(AudioSegment.silent(duration=piece.ms, frame_rate=sample_rate).raw_data)
        else:
            parts.append(piece)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class Loudness:
    integrated_lufs: float  # EBU R128 integrated loudness (-70 or lower: silence)
    sample_peak_dbfs: float


def _summary_value(stderr: str, label: str) -> float:
    match = re.search(rf"^\s*{label}:\s*(-?inf|-?[\d.]+)", stderr, re.MULTILINE)
    if not match:
        raise ToolError(f"ffmpeg's loudness summary has no {label!r} line")
    return float(match.group(1))


def measure(path: Path, *, sample_rate: int | None = None) -> Loudness:
    """Integrated loudness (EBU R128) and sample peak of an audio file (raw PCM if `sample_rate` is given)."""
    fmt = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"] if sample_rate else []
    proc = runner.run(
        [
            tools.ffmpeg(),
            "-hide_banner",
            "-nostats",
            *fmt,
            "-i",
            path,
            "-af",
            "ebur128=framelog=quiet:peak=sample",
            "-f",
            "null",
            "-",
        ],
        what=f"measuring the loudness of {path.name}",
    )
    # The summary comes last; only it has these labels at the start of a line.
    summary = proc.stderr.decode("utf-8", "replace").rsplit("Summary:", 1)[-1]
    return Loudness(_summary_value(summary, "I"), _summary_value(summary, "Peak"))


def level_filter(gain: float) -> str:
    """The ffmpeg filter that applies `gain` and then the look-ahead peak limiter."""
    limit = 10 ** (LIMIT_DBFS / 20)
    return f"volume={gain:.2f}dB,alimiter=limit={limit:.4f}:attack=5:release=50:level=false:latency=true"


def level(src: Path, dest: Path, *, sample_rate: int, gain: float) -> None:
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]
    runner.run(
        [
            tools.ffmpeg(),
            "-hide_banner",
            "-nostats",
            "-y",
            *raw,
            "-i",
            src,
            "-af",
            level_filter(gain),
            *raw,
            dest,
        ],
        what=f"setting the loudness of {src.name}",
        expect=dest,
    )


def calibrate(src: Path, *, sample_rate: int) -> float:
    """The gain that brings `src` (raw PCM of typical speech) to the target loudness after limiting."""
    work = src.with_suffix(".levelled.pcm")
    try:
        before = measure(src, sample_rate=sample_rate)
        if before.integrated_lufs < SILENCE_LUFS:
            return 0.0
        gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, TARGET_LUFS - before.integrated_lufs))
        for _ in range(3):  # the limiter takes a little loudness off the peaks it catches: correct for it
            level(src, work, sample_rate=sample_rate, gain=gain)
            error = TARGET_LUFS - measure(work, sample_rate=sample_rate).integrated_lufs
            if abs(error) <= 0.1:
                break
            gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, gain + error))
        return round(gain, 2)
    finally:
        work.unlink(missing_ok=True)
