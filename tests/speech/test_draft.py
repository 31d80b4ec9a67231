"""Drafted pronunciations, scored as the lexicon's entries are: through eSpeak NG's own phoneme output.

A drafted name is right when eSpeak NG (en-us), given the draft's phonemes, says one primary stress, on the
syllable the Russian word stresses, with a vowel an English listener hears as that Russian vowel. The names
and their stress come from dictionaries and Wikipedia (each row of the data files cites its reference), never
from the tool. The held-out names come from other novels and were never used to tune the rules.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import MissingDependency
from pipeline.speech import draft
from pipeline.speech.draft import transliteration
from pipeline.speech.draft.ipa import stressed_index
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.phonemes import _VOWELS, _tokens, ipa_to_espeak, stress_pattern
from pipeline.voice.espeak import text_to_phonemes, texts_to_phonemes

DATA = Path(__file__).parent / "data"
KINDS = ("surname", "first", "patronymic", "diminutive", "place")
# The stressed Russian vowel, and the English vowels (as eSpeak NG en-us says them) that carry it.
HEARD_AS = {
    "а": {"ɑː", "æ", "aɪ"}, "я": {"ɑː", "æ", "aɪ"}, "о": {"oʊ", "ɔː", "ɔɪ", "ɑː"}, "ё": {"ɔː", "oʊ"},
    "е": {"ɛ", "eɪ", "e"}, "э": {"ɛ", "eɪ", "e"}, "и": {"iː", "i"}, "ы": {"ɪ", "iː", "i"},
    "у": {"uː", "ʊ"}, "ю": {"uː", "ʊ"},
}  # fmt: skip


def names(file: str) -> list[dict[str, str]]:
    rows = []
    for line in (DATA / file).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, russian, kind, source, reference = line.split("\t")
            rows.append(
                {"english": english, "russian": russian, "kind": kind, "source": source, "ref": reference}
            )
    return rows


def espeak_ru(words):
    return texts_to_phonemes(list(words), voice="ru", ipa=True)


def wrong(said: str, russian: str) -> str:
    """Why eSpeak's reading `said` (IPA) misses the Russian word's stress; '' when it is right."""
    at = stressed_index(russian)
    letter = [ch for ch in russian.lower() if ch in "аеёиоуыэюя"][at]
    if len(said.split()) != 1:
        return f"{said!r} is not one word"
    pattern = stress_pattern(said)[0]
    if pattern.count("1") != 1:
        return f"{pattern.count('1')} primary stresses in {said!r}"
    if pattern.index("1") != at:
        return f"stress on syllable {pattern.index('1') + 1} of {said!r}, not {at + 1}"
    vowel = [t for t in _tokens(said) if t in _VOWELS][at]
    if vowel not in HEARD_AS[letter]:
        return f"the stressed vowel of {said!r} is {vowel}, not one heard as {letter}"
    return ""


def heard(ipa: str) -> str:
    return text_to_phonemes(f"[[{ipa_to_espeak(ipa)}]]", ipa=True)


def accuracy(file: str) -> tuple[Counter, Counter, list[str]]:
    rows = names(file)
    drafts = {d.name: d for d in draft.draft([[r["english"]] for r in rows], russian=espeak_ru)}
    right, total, misses = Counter(), Counter(), []
    said = texts_to_phonemes(
        [f"[[{ipa_to_espeak(drafts[r['english']].ipa or 'ˈə')}]]" for r in rows], ipa=True
    )
    for row, heard_back in zip(rows, said, strict=True):
        d = drafts[row["english"]]
        why = wrong(heard_back, row["russian"]) if d.ipa else "left to the voice"
        total[row["kind"]] += 1
        right[row["kind"]] += not why
        if why:
            misses.append(f"{row['english']} ({row['russian']}, drafted {d.russian}): {why}")
    return right, total, misses


def table(right: Counter, total: Counter) -> str:
    cells = [f"{k} {right[k]}/{total[k]}" for k in KINDS if total[k]]
    return ", ".join(cells) + f"; all {sum(right.values())}/{sum(total.values())}"


@pytest.fixture(scope="module")
def own():
    return accuracy("russian-names.tsv")


def test_the_sets_are_big_enough_and_cite_their_stress():
    rows, held = names("russian-names.tsv"), names("russian-names-heldout.tsv")
    assert len(rows) >= 100 and len(held) >= 60
    assert sum(r["source"] == "War and Peace" for r in rows) >= 40
    assert {r["kind"] for r in rows} == set(KINDS)
    for row in rows + held:
        assert stressed_index(row["russian"]) is not None, row  # one marked stress (or ё, or one vowel)
        assert row["ref"].startswith(("ru.wikipedia: ", "ru.wiktionary: ")), row
    assert not {r["english"] for r in rows} & {r["english"] for r in held}


def test_nine_in_ten_names_are_stressed_right(own):
    right, total, misses = own
    print(f"\nown set: {table(right, total)}\nmisses:\n  " + "\n  ".join(misses))
    assert sum(right.values()) >= 0.9 * sum(total.values()), misses
    for kind in KINDS:  # and no kind of name is left behind
        assert right[kind] >= 0.85 * total[kind], (kind, misses)


def test_names_from_other_novels_do_as_well():
    right, total, misses = accuracy("russian-names-heldout.tsv")
    print(f"\nheld-out: {table(right, total)}\nmisses:\n  " + "\n  ".join(misses))
    assert sum(right.values()) >= 0.85 * sum(total.values()), misses  # measured 89%


def test_plain_espeak_stresses_most_of_them_wrong():
    # What the drafts are for, measured on the same set: eSpeak NG's English reading of the spelling.
    rows = names("russian-names.tsv")
    said = texts_to_phonemes([r["english"] for r in rows], ipa=True)
    right = sum(not wrong(heard_back, r["russian"]) for heard_back, r in zip(said, rows, strict=True))
    assert right < 0.4 * len(rows)


@pytest.mark.parametrize(
    "name", ["Pierre", "Hélène", "Helene", "Anatole", "Napoleon", "Mack", "Bennigsen", "Bourienne", "Pfuel",
             "Weyrother", "Davout", "Hippolyte", "Dessalles", "l'Empereur", "Wintzingerode"],
)  # fmt: skip
def test_names_that_are_not_russian_are_left_to_the_voice(name):
    (d,) = draft.draft([[name]], russian=espeak_ru)
    assert d.ipa is None and d.entry() is None and d.source == "voice"
    assert d.note.startswith("left to the voice")


def test_the_dictionary_chooses_among_the_spellings_candidates():
    picks = {
        "Semenov": "семёнов",  # ё restored: the stress is on it
        "Balashev": "балашов",  # e for ё after ш is written о
        "Kuzminichna": "кузьминична",  # a soft sign the English spelling does not show
        "Svidrigaïlov": "свидригайлов",  # Garnett's ï
        "Razumihin": "разумихин",  # Garnett's h for х
        "Shtcherbatsky": "щербацкий",
        "Zaharovitch": "захарович",  # -itch
        "Dounia": "дуня",  # Garnett's ou
        "Alexeevich": "алексеевич",
        "Vassily": "василий",  # a doubled consonant, -y for -ий
        "Mytishchi": "мытищи",
    }
    for english, russian in picks.items():
        assert transliteration.candidates(english)[0].word == russian, english


def test_forms_share_the_stems_stress():
    drafts = draft.draft([["Kuragin", "Kuragins", "Kuragina"], ["Dolokhov", "Dolokhova"]], russian=espeak_ru)
    by = {d.name: d for d in drafts}
    assert dict(by["Kuragin"].forms) == {"a": "ə", "s": ""}  # Кура́гина: the stem and an unstressed -a
    # Dolokhov's -v is devoiced, Dolokhova's is not: its own entry, stressed as the masculine is.
    assert (
        stress_pattern(by["Dolokhov"].ipa)[0][0] == "1" and stress_pattern(by["Dolokhova"].ipa)[0][0] == "1"
    )
    ilyin = {d.name: d for d in draft.draft([["Ilyin", "Ilyina"]], russian=espeak_ru)}
    assert stress_pattern(ilyin["Ilyina"].ipa) == ("001",)  # Ильина́: an end-stressed -ин moves to the -а


def test_a_name_nothing_places_gets_a_low_confidence_guess():
    (d,) = draft.draft([["Zyrgvlad"]], russian=espeak_ru)
    assert d.ipa and d.confidence == "low" and d.source == "guess"
    assert all(p.count("1") == 1 for p in stress_pattern(d.ipa))


def test_the_draft_file_is_a_lexicon_espeak_says_as_written(tmp_path):
    groups = [["Kutuzov"], ["Rostov", "Rostovs", "Rostova"], ["Bennigsen"], ["Natasha"], ["Borodino"]]
    text = draft.render(draft.draft(groups, russian=espeak_ru), book="a test")
    path = tmp_path / "drafts.yaml"
    path.write_text(text, encoding="utf-8")
    lexicon = Lexicon.load(path)
    assert {e.name for e in lexicon.entries} == {"Kutuzov", "Rostov", "Rostova", "Natasha", "Borodino"}
    assert "#   Bennigsen: left" not in text and "Bennigsen" in text.split("# Left to the voice")[1]
    for entry in lexicon.entries:
        said = heard(entry.ipa)
        assert stress_pattern(said) == stress_pattern(entry.ipa), entry.name
    assert "Kutuzov:  # Куту́зов: surname in pymorphy3's dictionary" in text


def test_missing_dictionary_data_names_the_package_to_reinstall(monkeypatch):
    transliteration.morph.cache_clear()
    monkeypatch.setitem(sys.modules, "pymorphy3", None)  # import fails as if it were not installed
    try:
        with pytest.raises(MissingDependency) as info:
            draft.draft([["Kutuzov"]], russian=espeak_ru)
        assert info.value.exit_code == 3 and "pymorphy3-dicts-ru" in str(info.value)
    finally:
        transliteration.morph.cache_clear()
