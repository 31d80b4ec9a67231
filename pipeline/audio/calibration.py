"""A voice's loudness: the one gain every segment gets, calibrated once per voice and remembered in the cache.

In: an engine and the cache. Out: the gain that brings REFERENCE, a passage of ordinary prose, to -18 LUFS
after limiting (eSpeak and neural voices hold a steady level), so editing one paragraph never changes the
level, and so the audio, of another. `workers.Calibration` measures a voice's first one in another process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..speech import normalise
from ..voice.base import Engine
from . import level
from .cache import Cache, key
from .jobs import AUDIO_SETTINGS

# Calibration passage: ordinary narrative prose, statements and a question, long and short sentences.
REFERENCE = (
    "The river ran slowly past the town, and in the evening the lamps were lit one by one along the quay. "
    "Nobody knew, at first, why the ferry had stopped running. "
    "The mayor wrote three letters to the capital and received no answer to any of them. "
    "Was it the war, or only the winter? "
    "By the end of the month the people had built a bridge of their own, out of timber from the old mill, "
    "and they crossed it every morning on their way to work."
)


def _calibration_key(engine: Engine) -> str:
    return key("calibration", engine.identity(), AUDIO_SETTINGS, REFERENCE)


def known_gain(engine: Engine, cache: Cache) -> float | None:
    """The voice's calibrated gain if the cache remembers it."""
    known = cache.get_json("calibration", _calibration_key(engine))
    return float(known) if isinstance(known, (int, float)) else None


def calibrated_gain(engine: Engine, cache: Cache) -> float:
    """The voice's gain to -18 LUFS after limiting, measured once on REFERENCE and remembered in the cache.

    It synthesizes in this process: call it before this process starts worker pools of its own, or in a
    process of the pool's server (`workers.Calibration`).
    """
    known = known_gain(engine, cache)
    if known is not None:
        return known
    calibration_key = _calibration_key(engine)
    pieces: list[bytes | level.Pause] = []
    for sentence in normalise.sentences(REFERENCE):
        pcm = level.trim(engine.synthesize(sentence.spoken), sample_rate=engine.sample_rate)
        pieces += [pcm, level.Pause(450)]
    work = cache.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        reference = Path(tmp) / "reference.pcm"
        reference.write_bytes(level.join(pieces, sample_rate=engine.sample_rate))
        gain = level.calibrate(reference, sample_rate=engine.sample_rate)
    cache.put_json("calibration", calibration_key, gain)
    return gain
