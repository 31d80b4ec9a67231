"""The engines as a caller sees them: audio that is complete, in the voice and at the rate asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.voice import engine_class, make_engine
from pipeline.voice.espeak import EspeakEngine, text_to_phonemes

SENTENCE = "The assassination of Kirov has remained a complete mystery for several weeks."


def seconds(engine, pcm: bytes) -> float:
    return len(pcm) / 2 / engine.sample_rate


def test_espeak_returns_the_whole_sentence():
    engine = make_engine("espeak")
    pcm = engine.synthesize(SENTENCE)
    # 12 words at 175 wpm is about 4 s; a truncated WAV (pyttsx3's file-writing race) would be far shorter.
    assert 3.0 < seconds(engine, pcm) < 6.0
    assert len(pcm) % 2 == 0
    assert (
        max(abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, len(pcm), 2)) > 3000
    )


def test_rate_is_really_used():
    slow = make_engine("espeak", rate=120)
    fast = make_engine("espeak", rate=300)
    ratio = seconds(slow, slow.synthesize(SENTENCE)) / seconds(fast, fast.synthesize(SENTENCE))
    assert 1.8 < ratio < 3.0  # 300/120 = 2.5


def test_voice_is_really_used():
    us = make_engine("espeak", voice="en-us").synthesize(SENTENCE)
    gb = make_engine("espeak", voice="en-gb").synthesize(SENTENCE)
    assert us != gb
    assert make_engine("espeak", voice="en-us").synthesize(SENTENCE) == us


def test_phoneme_input_is_spoken_as_phonemes():
    # With the espeakPHONEMES flag, [[...]] is phoneme input; without it eSpeak would read the brackets' letters.
    assert text_to_phonemes("[[zI'noUvjEf]]") == "zIn'oUvjEf"
    assert text_to_phonemes("Zinoviev") != text_to_phonemes("[[zI'noUvjEf]]")
    engine = make_engine("espeak")
    assert engine.synthesize("[[zI'noUvjEf]]") != engine.synthesize("Zinoviev")


def test_errors_are_raised_not_swallowed():
    with pytest.raises(InputError, match="no voice 'xx-nonexistent'"):
        make_engine("espeak", voice="xx-nonexistent")
    with pytest.raises(InputError, match="out of range"):
        make_engine("espeak", rate=5)
    with pytest.raises(InputError, match=r"choose one of: espeak, .*silent"):
        engine_class("festival")


def test_silent_engine_takes_as_long_as_reading_would():
    engine = make_engine("silent")
    pcm = engine.synthesize(SENTENCE)
    assert seconds(engine, pcm) == pytest.approx(12 * 60 / 175, abs=0.01)
    assert engine.NOTATION == "text" and engine_class("none") is type(engine)


def test_espeak_is_deterministic_whatever_was_said_before():
    # eSpeak keeps state between utterances; the engine isolates each sentence so audio depends on text alone.
    engine = make_engine("espeak")
    first = engine.synthesize(SENTENCE)
    engine.synthesize("Something quite different, said in between.")
    make_engine("espeak", voice="en-gb").synthesize("And another voice.")
    assert engine.synthesize(SENTENCE) == first


def test_espeak_reads_a_piece_with_the_voice_of_its_language():
    english = EspeakEngine()  # en-us
    french = EspeakEngine(voice="fr")
    text = "Je vous demande un peu"  # War and Peace, Book One, chapter XXIV
    assert english.synthesize(text, "fr") == french.synthesize(text)
    assert english.synthesize(text, "fr") != english.synthesize(text)
    assert english.synthesize(text, "en") == english.synthesize(text)  # the voice's own language
    assert english.voice_for("la") != english.voice_for(None)
    assert english.voice_for("xx-unknown") == english.voice_for(
        None
    )  # none installed: our own, with a warning


def _data_copy(tmp_path, *, change: str | None = None):
    """eSpeak NG's data as another install would hold it: links to the wheel's files, one of them changed."""
    import espeakng_loader

    source = Path(espeakng_loader.get_data_path())
    copy = tmp_path / "espeak-ng-data"
    copy.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name == change:
            (copy / entry.name).write_bytes(entry.read_bytes() + b"\0")
        else:
            (copy / entry.name).symlink_to(entry)
    return copy


def test_another_espeak_ng_build_gets_another_identity(tmp_path, monkeypatch):
    """The identity keys the cache: files that differ from the wheel's (AUDIOBOOK_ESPEAK_DATA/_LIBRARY) must
    give another one, so a worker with its own eSpeak NG never stores audio under this one's keys; the
    wheel's own files named by the variables keep the usual identity."""
    from pipeline import tools
    from pipeline.voice import espeak

    usual = espeak.version()
    monkeypatch.setenv("AUDIOBOOK_ESPEAK_DATA", str(_data_copy(tmp_path / "same")))
    tools.espeak_paths.cache_clear()
    assert espeak.version() == usual
    monkeypatch.setenv("AUDIOBOOK_ESPEAK_DATA", str(_data_copy(tmp_path / "other", change="en_dict")))
    tools.espeak_paths.cache_clear()
    other = espeak.version()
    assert other != usual and other.startswith(usual + "+own-")
    monkeypatch.delenv("AUDIOBOOK_ESPEAK_DATA")
    tools.espeak_paths.cache_clear()
    assert espeak.version() == usual
