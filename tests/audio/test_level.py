"""Joining and levelling: exact lengths, pauses where asked, the loudness a listener hears."""

from __future__ import annotations

from array import array

import pytest

from pipeline import tools
from pipeline.audio import level
from pipeline.voice import make_engine

RATE = 22050


def test_join_puts_exact_pauses_between_speech():
    speech = b"\x10\x00" * 100
    joined = level.join([level.Pause(100), speech, level.Pause(50)], sample_rate=RATE)
    assert len(joined) == 2 * (2205 + 100 + 1102)
    assert joined[: 2 * 2205] == b"\0" * (2 * 2205)
    assert joined[2 * 2205 : 2 * 2305] == speech


def test_trim_removes_the_engines_own_silence_but_keeps_a_soft_edge():
    tone = array("h", [8000, -8000] * 2205).tobytes()  # 0.2 s
    padded = b"\0" * (2 * RATE) + tone + b"\0" * RATE  # 1 s before, 0.5 s after
    trimmed = level.trim(padded, sample_rate=RATE)
    assert len(trimmed) / 2 / RATE == pytest.approx(0.2 + 0.04, abs=0.012)
    silence = b"\0" * 2000
    assert level.trim(silence, sample_rate=RATE) == silence  # nothing but silence: kept as it is


def test_calibrated_level_reaches_minus_18_lufs_with_peaks_below_minus_3(tmp_path):
    engine = make_engine("espeak")
    text = (
        "It was clear, however, that this information was not issued by accident. "
        "The first question which must inevitably arise is the following. "
    ) * 3
    pieces = []
    for sentence in text.split(". "):
        pieces += [level.trim(engine.synthesize(sentence), sample_rate=engine.sample_rate), level.Pause(450)]
    raw, out = tmp_path / "raw.pcm", tmp_path / "out.pcm"
    raw.write_bytes(level.join(pieces, sample_rate=engine.sample_rate))
    level.level(
        raw, out, sample_rate=engine.sample_rate, gain=level.calibrate(raw, sample_rate=engine.sample_rate)
    )
    assert out.stat().st_size == raw.stat().st_size  # the limiter's look-ahead is compensated: same length
    after = level.measure(out, sample_rate=engine.sample_rate)
    assert after.integrated_lufs == pytest.approx(-18, abs=1)
    peak = max(abs(x) for x in array("h", out.read_bytes()))
    assert 20 * __import__("math").log10(peak / 32768) <= -3.0


def test_silence_is_not_amplified(tmp_path):
    raw, out = tmp_path / "raw.pcm", tmp_path / "out.pcm"
    raw.write_bytes(make_engine("silent").synthesize("a few quiet words here"))
    level.level(raw, out, sample_rate=RATE, gain=level.calibrate(raw, sample_rate=RATE))
    assert max(abs(x) for x in array("h", out.read_bytes())) <= 4


def test_ffmpeg_is_there():
    assert tools.ffmpeg().is_file()
