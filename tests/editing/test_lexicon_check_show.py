from __future__ import annotations

import wave
from pathlib import Path

import pytest

from pipeline.editing import lexicon_show
from pipeline.editing.lexicon_check import alike, check, skeleton
from pipeline.editing.lexicon_show import say, show
from pipeline.errors import ConfigError, InputError
from pipeline.model import Book, Chapter, Metadata, Paragraph, Where
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.phonemes import canonical, ipa_to_espeak
from pipeline.text import source
from tests.conftest import ROOT

TEXT = Path("book.txt")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(ROOT / "pronunciations.yaml")


def small_lexicon(tmp_path: Path, body: str) -> Lexicon:
    path = tmp_path / "pronunciations.yaml"
    path.write_text(body, encoding="utf-8")
    return Lexicon.load(path)


def make_book(*paragraphs: tuple[int, str], title: str = "Chapter One") -> Book:
    chapter = Chapter(
        title=title,
        paragraphs=tuple(Paragraph(text, Where(TEXT, line)) for line, text in paragraphs),
        where=Where(TEXT, 1),
    )
    return Book(metadata=Metadata(title="T", author="A"), chapters=(chapter,), source=TEXT)


BOOK = make_book(
    (3, "Nicolaiev fired the shot. The police took Nicolaiev away."),
    (5, "Later the papers wrote Nikolaiev, and a few wrote Nicolaev's name."),
    (7, "Bukharinov spoke in Moscow with David about the Kremlin, Leningrad and Marxism."),
    (9, "Connexion was lost. The connexion was restored. However, Stalin came to New York."),
    (11, "Transcribed by A. Lehrer for the Pioneer Publishers."),
)


# --- check ----------------------------------------------------------------------------------------------------


def test_check_groups_spelling_variants_with_every_line(tmp_path):
    report = check(BOOK, small_lexicon(tmp_path, "Stalin: ˈstɑːlɪn\nknown: [Lehrer]\n"))
    assert not report.ok
    groups = {group.name: group for group in report.groups}
    assert set(groups) == {"Nicolaiev", "Bukharinov"}
    nikolaiev = groups["Nicolaiev"]
    assert nikolaiev.spellings == ("Nicolaiev", "Nikolaiev", "Nicolaev")
    assert [(p.word, p.where.line) for p in nikolaiev.places] == [
        ("Nicolaiev", 3), ("Nicolaiev", 3), ("Nikolaiev", 5), ("Nicolaev", 5)
    ]  # fmt: skip
    assert nikolaiev.wheres == (Where(TEXT, 3), Where(TEXT, 5))
    assert groups["Bukharinov"].reason == "Russian-looking ending -ov"
    assert groups["Bukharinov"].wheres == (Where(TEXT, 7),)
    text = report.render()
    assert "Nicolaiev, also written Nikolaiev, Nicolaev" in text
    assert (
        "Nicolaiev  book.txt:3" in text
        and "Nicolaev  book.txt:5" in text
        and "Bukharinov  book.txt:7" in text
    )


def test_check_leaves_sentence_starts_english_names_and_known_words_alone(tmp_path):
    lexicon = small_lexicon(tmp_path, "Stalin: ˈstɑːlɪn\nknown: [Lehrer]\n")
    flagged = {spelling for group in check(BOOK, lexicon).groups for spelling in group.spellings}
    # "Connexion" is in no word list, but it is capitalised only where a sentence starts and written
    # in lower case elsewhere: an ordinary word. Moscow, David, Kremlin... are English; Lehrer is known.
    for word in ("Connexion", "However", "Moscow", "David", "Kremlin", "Leningrad", "Marxism", "New", "York"):
        assert word not in flagged
    assert "Lehrer" not in flagged
    without_known = small_lexicon(tmp_path, "Stalin: ˈstɑːlɪn\n")
    assert "Lehrer" in {g.name for g in check(BOOK, without_known).groups}


def test_a_capitalised_unknown_word_mid_sentence_is_a_name(tmp_path):
    book = make_book((2, "The connexion was lost when Connexion arrived."))
    assert [g.name for g in check(book, Lexicon.empty()).groups] == ["Connexion"]


def test_check_relates_a_misspelling_to_the_entry_it_resembles(tmp_path):
    lexicon = small_lexicon(tmp_path, "Trotsky: ˈtrɒtski\nZinoviev: zɪˈnoʊvjɛf\n")
    book = make_book((4, "A letter from Trostky to Zinovyev."))
    groups = {g.name: g.resembles for g in check(book, lexicon).groups}
    assert groups == {"Trostky": "Trotsky", "Zinovyev": "Zinoviev"}
    assert "looks like Trotsky" in check(book, lexicon).render()


def test_check_notes_covered_names_written_more_than_one_way(lexicon):
    book = make_book((1, "Trotsky wrote. Trotsky said. Trostky, said the misprint."), (6, "Kirov fell."))
    report = check(book, lexicon)
    assert report.ok
    [note] = report.variants
    assert note.entry == "Trotsky"
    assert note.spellings == (("Trotsky", 2), ("Trostky", 1))
    assert [str(p.where) for p in note.places] == ["book.txt:1"]
    assert "Trotsky: Trotsky 2 times, Trostky once" in report.render()


def test_a_covered_name_with_its_forms_is_not_reported(lexicon):
    book = make_book(
        (1, "The Zinovievists and Stalin’s Trotskyism met Kamenev, Nikolaiev's friend, in Smolny.")
    )
    assert check(book, lexicon).groups == ()


def test_the_first_book_is_clean_with_the_projects_lexicon(lexicon):
    if not (ROOT / "script").is_dir():
        pytest.skip("script/ is not here")
    report = check(source.load(ROOT / "script").book, lexicon)
    assert report.ok, report.render()
    assert report.render().startswith("No names missing")


def test_skeletons_and_likeness():
    assert skeleton("Nicolaiev") == skeleton("Nikolaev") == skeleton("Nikolayev") == "nikolav"
    assert skeleton("Zinovieff") == skeleton("Zinoviev")
    assert alike("Trostky", "Trotsky")
    assert not alike("Bukharinov", "Bukharin")
    assert not alike("Kamenev", "Kirov")


# --- the lexicon file's known list and find_all -----------------------------------------------------------------


def test_known_words_are_checked_when_loaded(tmp_path):
    assert small_lexicon(tmp_path, "known: [Lehrer, Kremlin]\n").is_known("KREMLIN")
    with pytest.raises(ConfigError, match="both a known word"):
        small_lexicon(tmp_path, "Kirov: ˈkiːrəf\nknown: [Kirov]\n")
    with pytest.raises(ConfigError, match="not one word"):
        small_lexicon(tmp_path, "known: [New York]\n")
    with pytest.raises(ConfigError, match="list of words"):
        small_lexicon(tmp_path, "known: {a: b}\n")


def test_find_all_gives_spans_and_spellings(lexicon):
    text = "Nicolaiev's friend met Zinovievists."
    found = lexicon.find_all(text)
    assert [(o.entry.name, o.stem, text[o.start : o.end]) for o in found] == [
        ("Nikolaiev", "Nicolaiev", "Nicolaiev's"),
        ("Zinoviev", "Zinoviev", "Zinovievists"),
    ]


# --- show -----------------------------------------------------------------------------------------------------


def test_show_gives_each_engines_form_and_what_espeak_reads(lexicon):
    text = show(lexicon, "Zinovieff")
    mnemonics = ipa_to_espeak("zɪˈnoʊvjɛf")
    assert text.splitlines()[0] == f"Zinoviev  pronunciations.yaml:{lexicon.entry_for('Zinoviev').line}"
    assert f"eSpeak gets   [[{mnemonics}]]" in text
    assert "Piper gets    [[zɪˈnoʊvjɛf]]" in text
    assert "respelling    zih-NOH-vyef" in text
    says = next(line for line in text.splitlines() if "eSpeak says" in line).split()[-1]
    assert canonical(says) == canonical("zɪˈnoʊvjɛf")  # eSpeak reads back the entry, stress and all
    unaided = next(line for line in text.splitlines() if "unaided" in line).split()[-1]
    assert canonical(unaided) != canonical(says)  # and without it says ZIN-oh-veev


def test_show_unknown_name_suggests_close_entries(lexicon):
    with pytest.raises(InputError, match="Zinovyev") as error:
        show(lexicon, "Zinovyev")
    assert "did you mean Zinoviev" in str(error.value)


# --- say ------------------------------------------------------------------------------------------------------


def frames(path: Path) -> tuple[int, int, bytes]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.getnframes(), wav.getframerate(), wav.readframes(wav.getnframes())


def test_say_applies_the_lexicon(lexicon, tmp_path):
    dest = say("Zinoviev and Kamenev.", lexicon=lexicon, dest=tmp_path / "names.wav")
    assert dest == tmp_path / "names.wav"
    count, rate, audio = frames(dest)
    assert 0.6 < count / rate < 4.0
    plain = say("Zinoviev and Kamenev.", lexicon=Lexicon.empty(), dest=tmp_path / "plain.wav")
    assert frames(plain)[2] != audio
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.wav", "plain.wav"]


def test_say_leaves_no_temporary_file_when_it_fails(lexicon, tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(lexicon_show.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        say("Kirov.", lexicon=lexicon, engine="silent", dest=tmp_path / "kirov.wav")
    assert list(tmp_path.iterdir()) == []


def test_say_refuses_what_it_cannot_write(lexicon, tmp_path):
    with pytest.raises(InputError, match="wav"):
        say("Kirov.", lexicon=lexicon, engine="silent", dest=tmp_path / "kirov.mp3")
    with pytest.raises(InputError, match="nothing to say"):
        say("…", lexicon=lexicon, engine="silent", dest=tmp_path / "x.wav")
