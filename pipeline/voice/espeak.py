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
import hashlib
import json
import logging
import os
import sys
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import ClassVar

from .. import tools
from ..errors import InputError, MissingDependency, SynthesisError
from . import isolate
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


@functools.cache
def voice_table() -> dict[str, str]:
    """Every way to name an installed voice (language code, name, file identifier), lowercased -> identifier."""
    espeak, _ = binding()
    table: dict[str, str] = {}
    for v in espeak.ListVoices(None):
        identifier = v.identifier.decode("utf-8", "replace")
        name = v.name.decode("utf-8", "replace")
        language = (v.languages or b"")[1:].decode("utf-8", "replace")  # first byte is the priority
        for alias in (identifier, identifier.rsplit("/", 1)[-1], name):
            table.setdefault(alias.lower(), identifier)
        if language:
            table.setdefault(language.lower(), identifier)
    return table


def voices() -> list[tuple[str, str, str]]:
    """(language code, name, identifier) of each installed eSpeak NG voice."""
    espeak, _ = binding()
    rows = []
    for v in espeak.ListVoices(None):
        language = (v.languages or b"")[1:].decode("utf-8", "replace")
        rows.append((language, v.name.decode("utf-8", "replace"), v.identifier.decode("utf-8", "replace")))
    return sorted(rows)


_current: tuple[str, int] | None = None  # the voice and rate the C library is set to now


def _select(espeak: ModuleType, identifier: str, rate: int) -> None:
    """Put the library's global voice and rate to ours (several engines may share one process)."""
    global _current
    if _current == (identifier, rate):
        return
    if espeak.SetVoiceByName(identifier.encode()) != espeak.EE_OK:
        raise SynthesisError(f"eSpeak NG could not load the voice {identifier!r}")
    espeak.SetParameter(espeak.RATE, rate, 0)
    # Read it back: the rate must really be in force, not only requested (pyttsx3's getProperty is unreliable,
    # and its GetParameter prototype omits the `current` argument, so call the C function directly).
    if espeak.dll.espeak_GetParameter(espeak.RATE, 1) != rate:
        raise SynthesisError(f"eSpeak NG did not accept the rate {rate}")
    _current = (identifier, rate)


def version() -> str:
    """The versions that decide the audio: pyttsx3's and espeakng-loader's (whose wheel holds the library
    and its data); and, when AUDIOBOOK_ESPEAK_LIBRARY or _DATA point elsewhere at files that differ from the
    wheel's, a digest of those files, so another build of eSpeak NG never shares this one's cache keys."""
    try:
        base = f"pyttsx3-{metadata.version('pyttsx3')}+espeakng-loader-{metadata.version('espeakng-loader')}"
    except metadata.PackageNotFoundError:
        base = "unknown"
    if not (os.environ.get("AUDIOBOOK_ESPEAK_LIBRARY") or os.environ.get("AUDIOBOOK_ESPEAK_DATA")):
        return base  # the wheel's own library and data
    lib, data = tools.espeak_paths()
    own = _files_digest(str(lib), str(data))  # read once per process: about 0.4 s for all the data
    if own == _wheel_digest():
        return base
    return f"{base}+own-{own}"


_DATA_FILES = ("phondata", "phonindex", "phontab", "intonations")


@functools.cache
def _files_digest(lib: str, data: str) -> str:
    """A digest of the library and the data that shape speech (phonemes, intonation, every dictionary)."""
    digest = hashlib.blake2b(digest_size=8)
    files = [Path(lib)] + [Path(data) / name for name in _DATA_FILES]
    files += sorted(Path(data).glob("*_dict"))
    for path in files:
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(missing)")
    return digest.hexdigest()


def _wheel_digest() -> str | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    return _files_digest(str(espeakng_loader.get_library_path()), str(espeakng_loader.get_data_path()))


@dataclass
class EspeakEngine:
    """The default engine. `voice` is an eSpeak NG voice name (en-us, en-gb, en-gb-x-rp...), `rate` in wpm."""

    NAME: ClassVar[str] = "espeak"
    NOTATION: ClassVar[str] = Notation.ESPEAK

    voice: str = DEFAULT_VOICE
    rate: int = DEFAULT_RATE
    sample_rate: int = 0
    _identifier: str = ""

    def __post_init__(self) -> None:
        if not 80 <= self.rate <= 450:
            raise InputError(
                f"speaking rate {self.rate} wpm is out of range",
                fix="choose --rate between 80 and 450 words per minute (175 is eSpeak's default)",
            )
        espeak, self.sample_rate = binding()
        identifier = voice_table().get(self.voice.lower())
        if identifier is None:
            raise InputError(
                f"eSpeak NG has no voice {self.voice!r}",
                fix="run `audiobook voices` to list them (e.g. en-us, en-gb, en-gb-x-rp)",
            )
        self._identifier = identifier
        with _lock:
            _select(espeak, identifier, self.rate)

    def identity(self) -> str:
        return f"{self.NAME}:{version()}:voice={self._identifier}:rate={self.rate}:sr={self.sample_rate}"

    def voice_for(self, language: str | None) -> str:
        """The eSpeak NG voice for a piece in `language`: ours when it is our voice's language (or None),
        else the installed voice for that language ("fr" -> roa/fr); ours if there is none."""
        if language is None:
            return self._identifier
        primary = language.split("-")[0].lower()
        own = self._identifier.rsplit("/", 1)[-1].split("-")[0].lower()
        if primary == own:
            return self._identifier
        table = voice_table()
        found = table.get(language.lower()) or table.get(primary)
        if found is None:
            log.warning("eSpeak NG has no voice for %r; reading it with %s", language, self._identifier)
            return self._identifier
        return found

    def synthesize(self, text: str, language: str | None = None) -> bytes:
        # eSpeak NG carries state from one utterance to the next in function-level statics (the pitch flutter
        # index, the gain control): the same sentence comes out a few samples longer or shorter depending on
        # what was said before, and no API call resets it. Synthesizing in a forked child of a process that
        # has never synthesized makes every sentence's audio a function of its text alone, so the cache,
        # incremental rebuilds and cold builds all agree to the byte. It costs about 3 ms a sentence.
        identifier = self.voice_for(language)
        if isolate.available:
            return isolate.in_child(lambda t: self._synthesize(t, identifier), text, engine="eSpeak NG")
        return self._synthesize(text, identifier)

    def _synthesize(self, text: str, identifier: str = "") -> bytes:
        espeak, _ = binding()
        global _samples
        with _lock:
            _select(espeak, identifier or self._identifier, self.rate)
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

    Phoneme input in [[...]] is honoured as Synth honours it. (espeak_TextToPhonemes has no flag for that; the
    library turns phoneme input on globally when Synth is called with espeakPHONEMES, so we make an empty
    Synth call first, in a child process, which keeps this process's synthesis state untouched.)
    """
    return texts_to_phonemes([text], voice=voice, ipa=ipa)[0]


def texts_to_phonemes(texts: list[str], *, voice: str = DEFAULT_VOICE, ipa: bool = False) -> list[str]:
    """`text_to_phonemes` for many texts in one child process (a few milliseconds for hundreds of names)."""
    if not texts:
        return []
    identifier = voice_table().get(voice.lower(), voice)

    def convert(payload: str) -> bytes:
        espeak, _ = binding()
        dll = espeak.dll
        fn = dll.espeak_TextToPhonemes
        fn.restype = ctypes.c_char_p
        fn.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        said = []
        with _lock:
            _select(espeak, identifier, DEFAULT_RATE)
            espeak.Synth(b"", flags=espeak.CHARS_UTF8 | espeak.PHONEMES)
            for text in json.loads(payload):
                buffer = ctypes.create_string_buffer(text.encode("utf-8"))
                pointer = ctypes.c_void_p(ctypes.addressof(buffer))
                parts = []
                # phonememode bit 1 = IPA; textmode 1 = UTF-8. The call returns one clause at a time.
                while pointer.value:
                    out = fn(ctypes.byref(pointer), 1, 0x02 if ipa else 0)
                    if out:
                        parts.append(out.decode("utf-8", "replace").strip())
                said.append(" ".join(p for p in parts if p))
        return json.dumps(said).encode("utf-8")

    payload = json.dumps(list(texts))
    if isolate.available:
        return json.loads(isolate.in_child(convert, payload, engine="eSpeak NG").decode("utf-8"))
    return json.loads(convert(payload).decode("utf-8"))
