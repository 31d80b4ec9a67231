"""Translator's notes are read right after the passage they gloss, with a cue, once; markers are silent."""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Chapter, Paragraph, Where
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate_chapter


def spoken(*paragraphs: str) -> list[str]:
    chapter = Chapter(
        "Chapter I", tuple(Paragraph(p, Where(Path("wp.txt"), i + 1)) for i, p in enumerate(paragraphs)),
        Where(Path("wp.txt"), 1), speak_title=False,
    )  # fmt: skip
    return [
        line.spoken for line in narrate_chapter(chapter, 1, lexicon=Lexicon.empty(), notation="text").lines
    ]


def test_note_follows_its_sentence_not_the_paragraph():
    # War and Peace, Book One, chapter IV.
    said = spoken(
        "\"'Dieu me la donne, gare a qui la touche!' * They say he was very fine when he said that,\" he "
        "remarked, repeating the words in Italian.",
        "* God has given it to me, let him who touches it beware!",
        "Prince Vasili took his hand.",
    )
    assert said[0].startswith("Dieu me la donne, gare a qui la touche!")
    assert said[1] == "Translator's note: God has given it to me, let him who touches it beware!"
    assert said[-1] == "Prince Vasili took his hand."
    assert sum("God has given" in s for s in said) == 1  # once


def test_numbered_notes_each_after_their_own_sentence():
    # War and Peace, Book One, chapter XXIV (shortened).
    said = spoken(
        '"Cela nous convient a merveille.*(2) Suvorov now--he knew what he was about. Je vous demande un '
        'peu,"*(4) said he. "Connaissez-vous le Proverbe:" * said he.',
        "*Do you know the proverb?",
        "*(2) That suits us down to the ground.",
        "*(4) I just ask you that.",
    )
    # The quotation is one sentence (no cut inside it), so its two notes follow it in their order. (Its French
    # and English pieces are said apart, with a pause between them, so the comma before "said he" goes.)
    assert said == [
        "Cela nous convient a merveille. Suvorov now, he knew what he was about. Je vous demande un peu said he.",
        "Translator's note: That suits us down to the ground.",
        "Translator's note: I just ask you that.",
        "Connaissez-vous le Proverbe: said he.",
        "Translator's note: Do you know the proverb?",
    ]


def test_a_note_without_its_marker_is_still_cued_where_it_stands():
    said = spoken("He came in.", "* Hors d'oeuvres.")
    assert said == ["He came in.", "Translator's note: Hors d'oeuvres."]


def test_asterisms_and_plain_text_are_not_notes():
    assert spoken("* * *", "Nothing else.") == ["Nothing else."]
    assert spoken("The first book has no notes [1] like these.") == [
        "The first book has no notes like these."
    ]
