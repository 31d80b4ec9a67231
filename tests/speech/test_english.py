"""The English word list asked through remembered answers: the same answers, and no load when none is new."""

from __future__ import annotations

import pytest

from pipeline.speech import english, names


def test_remembered_answers_are_the_word_lists_answers():
    words = english.RememberedWords()
    for word in ("house", "bolkonski", "workers", "kutuzov", "moscow"):
        assert names.english_count(word, words) == names.english_count(word)
    assert words.grew and set(words.asked) >= {"house", "bolkonski"}


def test_a_memo_that_knows_every_word_never_loads_the_list(monkeypatch):
    asked = english.RememberedWords()
    names.english_count("house", asked)
    names.english_count("kutuzov", asked)
    memo = dict(asked.asked)

    def no_list():
        raise AssertionError("the word list was loaded")

    monkeypatch.setattr(english, "english_words", no_list)
    again = english.RememberedWords(memo)
    assert names.english_count("house", again) == names.english_count("house", asked)
    assert names.english_count("kutuzov", again) == names.english_count("kutuzov", asked)
    assert not again.grew
    with pytest.raises(AssertionError, match="loaded"):
        names.english_count("unheardofword", again)
