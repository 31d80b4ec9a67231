"""eSpeak NG through pyttsx3's low-level binding, in synchronous mode: the default engine.

pyttsx3's high-level driver is unreliable for files (it returns before the WAV is written, drops queued
requests, turns errors into events), so we drive its ctypes binding `pyttsx3.drivers._espeak` directly:
`espeak_Synth` in AUDIO_OUTPUT_SYNCHRONOUS mode returns only when every sample has reached our callback.
We pass the espeakPHONEMES flag, which pyttsx3 leaves off, so the lexicon's [[...]] phonemes are spoken.
The library is loaded lazily, once per process: never before a process pool forks.
"""

from __future__ import annotations

import array
import ctypes
import functools
import logging
import os
import sys
import threading
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import ClassVar

from .. import tools
from ..errors import InputError, MissingDependency, SynthesisError
from .base import Notation

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en-us"
DEFAULT_RATE = 175  # words per minute; eSpeak's own default, a comfortable narration pace
_lock = threading.Lock()  # the C library keeps global state: one synthesis at a time per process


@functools.cache
def binding() -> tuple[ModuleType, int]:
    """Load libespeak-ng and initialise it for synchronous synthesis; return (pyttsx3's binding, sample rate)."""
    lib, data = tools.espeak_paths()
    # pyttsx3's binding loads "libespeak-ng.so.1" by name; loading our copy first (global) makes that name
    # resolve to it. Without ESPEAK_DATA_PATH eSpeak exits the whole process when it finds no data.
    ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = str(data)
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, RuntimeError, OSError) as exc:
        raise MissingDependency(
            f"pyttsx3 could not load eSpeak NG from {lib}: {exc}",
            fix="run `make setup`, or set AUDIOBOOK_ESPEAK_LIBRARY",
        ) from exc
    rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000, str(data.parent).encode(), 0)
    if rate <= 0:
        raise MissingDependency(
            f"eSpeak NG failed to initialise with its data at {data}",
            fix="check AUDIOBOOK_ESPEAK_DATA, or reinstall espeakng-loader",
        )
    _espeak.SetSynthCallback(_on_samples)
    return _espeak, rate


_samples: array.array = array.array("h")


def _on_samples(wav, count, events) -> int:  # called by eSpeak, on this thread, during Synth
    if wav and count > 0:
        _samples.frombytes(ctypes.string_at(wav, count * 2))
    return 0


def voices() -> list[str]:
    """Identifiers of the installed eSpeak NG voices (e.g. 'en-us', 'gmw/en-US' style names vary by version)."""
    espeak, _ = binding()
    names = []
    for v in espeak.ListVoices(None):
        names.append(v.name.decode("utf-8", "replace"))
        if v.identifier:
            names.append(v.identifier.decode("utf-8", "replace"))
    return sorted(set(names))


def version() -> str:
    try:
        return f"pyttsx3-{metadata.version('pyttsx3')}+espeakng-loader-{metadata.version('espeakng-loader')}"
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class EspeakEngine:
    """The default engine. `voice` is an eSpeak NG voice name (en-us, en-gb, en-gb-x-rp...), `rate` in wpm."""

    NAME: ClassVar[str] = "espeak"
    NOTATION: ClassVar[str] = Notation.ESPEAK

    voice: str = DEFAULT_VOICE
    rate: int = DEFAULT_RATE
    sample_rate: int = 0

    def __post_init__(self) -> None:
        if not 80 <= self.rate <= 450:
            raise InputError(
                f"speaking rate {self.rate} wpm is out of range",
                fix="choose --rate between 80 and 450 words per minute (175 is eSpeak's default)",
            )
        espeak, self.sample_rate = binding()
        if espeak.SetVoiceByName(self.voice.encode()) != espeak.EE_OK:
            raise InputError(
                f"eSpeak NG has no voice {self.voice!r}",
                fix="run `audiobook voices` to list them (e.g. en-us, en-gb, en-gb-x-rp)",
            )
        espeak.SetParameter(espeak.RATE, self.rate, 0)
        # Read it back: the rate must really be in force, not only requested (pyttsx3's getProperty is unreliable).
        # (pyttsx3's GetParameter prototype omits the `current` argument, so call the C function directly.)
        if espeak.dll.espeak_GetParameter(espeak.RATE, 1) != self.rate:
            raise SynthesisError(f"eSpeak NG did not accept rate {self.rate}")

    def identity(self) -> str:
        return f"{self.NAME}:{version()}:voice={self.voice}:rate={self.rate}:sr={self.sample_rate}"

    def synthesize(self, text: str) -> bytes:
        espeak, _ = binding()
        global _samples
        with _lock:
            _samples = array.array("h")
            flags = espeak.CHARS_UTF8 | espeak.PHONEMES
            result = espeak.Synth(text.encode("utf-8"), flags=flags)
            if result != espeak.EE_OK:
                raise SynthesisError(f"eSpeak NG refused the text (error {result}): {text[:80]!r}")
            pcm = _samples
            _samples = array.array("h")
        if not pcm and any(ch.isalnum() for ch in text):
            raise SynthesisError(f"eSpeak NG produced no audio for {text[:80]!r}")
        if sys.byteorder != "little":
            pcm.byteswap()
        return pcm.tobytes()


def text_to_phonemes(text: str, *, voice: str = DEFAULT_VOICE, ipa: bool = False) -> str:
    """What eSpeak NG will say for `text`, as its phoneme mnemonics (or IPA): for proof-reading pronunciations.

    Phoneme input in [[...]] is honoured the same way Synth honours it.
    """
    espeak, _ = binding()
    dll = espeak.dll
    fn = dll.espeak_TextToPhonemes
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    with _lock:
        espeak.SetVoiceByName(voice.encode())
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        parts = []
        # phonememode bit 1 = IPA; textmode 1 = UTF-8. The call returns one clause at a time.
        while pointer.value:
            out = fn(ctypes.byref(pointer), 1, 0x02 if ipa else 0)
            if out:
                parts.append(out.decode("utf-8", "replace").strip())
    return " ".join(p for p in parts if p)
