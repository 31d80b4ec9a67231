"""Voice stage: the text-to-speech engines, behind one protocol (`base.Engine`), chosen by name.

In: one spoken line (text with inline phonemes in the engine's `model.Notation`). Out: mono 16-bit PCM at the
engine's sample rate, a function of the text alone (`isolate` forks a child per sentence where an engine keeps
state), and an identity string that goes into every cache key. Engines: `espeak` (eSpeak NG, the default),
`piper` (neural, optional), `silent` (right durations, no speech: tests and dry runs).
"""

from __future__ import annotations

import importlib

from ..errors import InputError
from .base import Engine, Notation

# Each engine's module and class: a module is imported when its engine is asked for, so a build with one
# engine never loads another's (Piper's checks, eSpeak's library lookup).
_CLASSES = {
    "espeak": ("espeak", "EspeakEngine"),
    "piper": ("piper", "PiperEngine"),
    "silent": ("silent", "SilentEngine"),
}
ALIASES = {"pyttsx3": "espeak", "espeak-ng": "espeak", "none": "silent"}
DEFAULT = "espeak"


def engine_class(name: str) -> type:
    """The engine class for `name`; an unknown name is answered with the valid ones."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in _CLASSES:
        raise InputError(f"unknown engine {name!r}", fix=f"choose one of: {', '.join(sorted(_CLASSES))}")
    module, cls = _CLASSES[key]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def __getattr__(name: str) -> object:
    if name == "ENGINES":  # every engine class by name (this imports them all)
        return {key: engine_class(key) for key in _CLASSES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_engine(name: str, *, voice: str | None = None, rate: int | None = None) -> Engine:
    """Create an engine in this process (call it inside a worker, never before forking)."""
    cls = engine_class(name)
    kwargs = {}
    if voice:
        kwargs["voice"] = voice
    if rate:
        kwargs["rate"] = rate
    return cls(**kwargs)


__all__ = ["DEFAULT", "ENGINES", "Engine", "Notation", "engine_class", "make_engine"]
