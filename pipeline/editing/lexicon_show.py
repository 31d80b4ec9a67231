"""`lexicon show` and `say`: how the lexicon's entries sound.

`show` prints entries as each engine receives them and as eSpeak NG reads them back; `say` renders one phrase
with the lexicon to a WAV, to proof-listen an entry in a second.
"""

from __future__ import annotations

import difflib
import logging
import os
import secrets
import wave
from pathlib import Path

from ..errors import InputError
from ..speech import normalise
from ..speech.lexicon import Entry, Lexicon
from ..voice import Notation, make_engine
from ..voice.espeak import DEFAULT_VOICE, text_to_phonemes
from .lexicon_check import alike, fold

log = logging.getLogger(__name__)


def find_entry(lexicon: Lexicon, name: str) -> Entry:
    """The entry for `name`: any spelling, form or possessive, any capitals; InputError with close matches."""
    entry = lexicon.entry_for(name) or next(
        (e for e in lexicon.entries if any(fold(w) == fold(name) for w in e.written)), None
    )
    if entry is not None:
        return entry
    by_spelling = {fold(w): e.name for e in lexicon.entries for w in e.written}
    close = difflib.get_close_matches(fold(name), by_spelling, n=5, cutoff=0.6)
    close += [w for w in by_spelling if w not in close and alike(w, name)]
    names = list(dict.fromkeys(by_spelling[w] for w in close))
    raise InputError(
        f"{name!r} is not in the lexicon",
        path=lexicon.path,
        fix=f"did you mean {', '.join(names)}?" if names else "add an entry for it, with its IPA",
    )


def show(lexicon: Lexicon, name: str | None = None, *, voice: str = DEFAULT_VOICE) -> str:
    """Each entry (or the one for `name`) as written, as each engine receives it, and as eSpeak NG reads it
    back; the last line compares with what eSpeak says for the plain spelling, without the lexicon."""
    entries = [find_entry(lexicon, name)] if name is not None else list(lexicon.entries)
    blocks = [_show_entry(lexicon, entry, voice=voice) for entry in entries]
    if name is None:
        known = sorted(lexicon.known)
        blocks.append(f"known (said right as written): {', '.join(known)}" if known else "known: none")
    return "\n\n".join(blocks)


def _show_entry(lexicon: Lexicon, entry: Entry, *, voice: str) -> str:
    where = f"{lexicon.path.name}:{entry.line}" if lexicon.path and entry.line else ""
    espeak_form = lexicon.apply(entry.name, notation=Notation.ESPEAK).text
    rows = [
        ("IPA", entry.ipa),
        ("respelling", entry.say or "(none: engines without phonemes read the spelling)"),
        ("eSpeak gets", espeak_form),
        ("Piper gets", lexicon.apply(entry.name, notation=Notation.IPA).text),
        ("eSpeak says", text_to_phonemes(espeak_form, voice=voice, ipa=True)),
        ("unaided", text_to_phonemes(entry.name, voice=voice, ipa=True)),
    ]
    if entry.spellings:
        rows.insert(0, ("also written", ", ".join(entry.spellings)))
    if entry.forms:
        rows.insert(1 if entry.spellings else 0, ("forms", ", ".join(entry.name + e for e, _ in entry.forms)))
    if entry.case_sensitive:
        rows.insert(0, ("matches", "these capitals only"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(
        [f"{entry.name}  {where}".rstrip(), *(f"  {label:<{width}}  {value}" for label, value in rows)]
    )


# -- say --------------------------------------------------------------------------------------------------------


def say(
    text: str,
    *,
    lexicon: Lexicon,
    engine: str = "espeak",
    voice: str | None = None,
    rate: int | None = None,
    dest: Path,
) -> Path:
    """Render one phrase as the book would say it (normalised, then the lexicon in the engine's notation) to a
    mono 16-bit WAV at `dest`, written under a temporary name and moved into place. Returns `dest`."""
    dest = Path(dest)
    if dest.suffix.lower() != ".wav":
        raise InputError(f"{dest.name} is not a .wav file name", path=dest, fix="give a name ending in .wav")
    if not dest.parent.is_dir():
        raise InputError("the folder to write to does not exist", path=dest.parent, fix="create it first")
    synth = make_engine(engine, voice=voice, rate=rate)
    spoken = lexicon.apply(normalise.speakable(text), notation=synth.NOTATION).text
    if not any(ch.isalnum() for ch in spoken):
        raise InputError(f"nothing to say in {text!r}", fix="give a word or a sentence")
    log.debug("say: %s", spoken)
    pcm = synth.synthesize(spoken)
    _write_wav(dest, pcm, synth.sample_rate)
    return dest


def _write_wav(dest: Path, pcm: bytes, sample_rate: int) -> None:
    # os.open with 0o666 rather than mkstemp: the finished file gets the user's usual permissions (umask).
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        file = os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
        with file, wave.open(file, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm)
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
