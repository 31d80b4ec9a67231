"""The language of each piece reaches the engine, through the whole pipeline (silent engine)."""

from __future__ import annotations

import json

import pytest

from pipeline.audio.cache import key
from pipeline.audio.jobs import sentence_key
from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.model import Piece
from pipeline.voice.silent import SilentEngine
from tests.conftest import METADATA

# War and Peace, Book One, chapter I (Maude translation), with its translator's note after the paragraph.
PASSAGE = """\
The Salon

"Vous comptez vous faire des rentes sur l'etat; * you want to make something out of your regiment," said the prince. "Je vous demande un peu," he added.

* You expect to make an income out of the government.

Anna Pavlovna smiled. Louis XVI was executed, and Mlle Scherer said nothing.
"""


@pytest.fixture
def passage(tmp_path):
    folder = tmp_path / "manuscript"
    folder.mkdir()
    (folder / "book.txt").write_text(PASSAGE, encoding="utf-8")
    (folder / "book.yaml").write_text(METADATA, encoding="utf-8")
    return folder


def test_each_piece_reaches_the_engine_in_its_language(passage, tmp_path, monkeypatch):
    heard: list[tuple[str, str | None]] = []
    original = SilentEngine.synthesize

    def listening(self, text, language=None):
        heard.append((text, language))
        return original(self, text, language)

    monkeypatch.setattr(SilentEngine, "synthesize", listening)
    build(BuildOptions(source=passage, output_dir=tmp_path / "out", engine="silent", jobs=1, draft=False))
    assert ("Vous comptez vous faire des rentes sur l'etat;", "fr") in heard
    assert ("you want to make something out of your regiment, said the prince.", "en") in heard
    assert ("Je vous demande un peu", "fr") in heard
    # English lines go whole, in the voice's own language; the note is cued and follows its passage.
    texts = [text for text, _ in heard]
    note = texts.index("Translator's note: You expect to make an income out of the government.")
    assert texts[note - 1] == "you want to make something out of your regiment, said the prince."
    assert texts[note + 1] == "Je vous demande un peu"
    assert ("Anna Pavlovna smiled.", None) in heard
    assert ("Louis the Sixteenth was executed, and Mademoiselle Scherer said nothing.", None) in heard


def test_spoken_json_lists_each_piece_with_its_language(passage, capsys):
    assert main(["spoken", str(passage), "--json"]) == 0
    pieces = json.loads(capsys.readouterr().out)
    assert {"text", "language"} <= set(pieces[0])
    said = [(p["language"], p["text"]) for p in pieces]
    assert ("fr", "Vous comptez vous faire des rentes sur l'etat;") in said
    assert ("en", "Translator's note: You expect to make an income out of the government.") in said
    assert all(p["language"] in ("en", "fr") for p in pieces)
    assert not any("*" in p["text"] for p in pieces)  # markers are not spoken


def test_spoken_shows_the_language_of_other_pieces(capsys):
    assert main(["spoken", "--text", '"Gott, wie naiv!" said he angrily.']) == 0
    assert capsys.readouterr().out.strip() == "[de] Gott, wie naiv! [en] said he angrily."


def test_languages_can_be_turned_off(passage, capsys):
    (passage / "book.yaml").write_text(METADATA + "languages: false\n", encoding="utf-8")
    assert main(["spoken", str(passage), "--json"]) == 0
    assert {p["language"] for p in json.loads(capsys.readouterr().out)} == {"en"}


def test_language_is_in_the_cache_key_only_of_sentences_in_two_languages():
    english = sentence_key("espeak:x", "Anna Pavlovna smiled.")
    assert english == key("sentence", "espeak:x", "Anna Pavlovna smiled.")  # as before this change
    spoken = "Je vous aime. said he."
    french = sentence_key("espeak:x", spoken, (Piece("Je vous aime.", "fr"), Piece("said he.", "en")))
    latin = sentence_key("espeak:x", spoken, (Piece("Je vous aime.", "la"), Piece("said he.", "en")))
    assert len({english, french, latin, sentence_key("espeak:x", spoken)}) == 4
