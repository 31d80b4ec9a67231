"""The build drafts the names its lexicon lacks, as `lexicon draft` does, and says so; `--no-draft` turns it off.

Drafted names enter the spoken text as lexicon entries do, so the sentence cache (keyed on spoken text)
re-synthesizes only the sentences whose drafted names changed. A lexicon entry always wins over a draft.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.speech import draft
from pipeline.speech.lexicon import Lexicon

BOOK = """\
CHAPTER I. Moscow

Kutuzov rode out of Moscow. Rostov followed him. Nobody spoke.


CHAPTER II. The Battle

Kirov was not there. Denisov was. The guns fired at Borodino.
"""


def make_book(folder: Path, lexicon: str = "Kirov: ˈkiːrəf\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.txt").write_text(BOOK, encoding="utf-8")
    (folder / "pronunciations.yaml").write_text(lexicon, encoding="utf-8")
    (folder / "book.yaml").write_text("title: Drafts\nauthor: Test Author\n", encoding="utf-8")
    return folder


class Notes:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def start(self, *args) -> None:
        pass

    def advance(self, *args) -> None:
        pass

    def finish(self) -> None:
        pass


def run(folder: Path, tmp_path: Path, **options):
    notes = Notes()
    opts = BuildOptions(source=folder, output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1,
                        engine="silent", **options)  # fmt: skip
    return build(opts, reporter=notes), notes.notes


def spoken(folder: Path, *extra: str, capsys) -> str:
    assert main(["spoken", str(folder), "--engine", "espeak", *extra]) == 0
    return capsys.readouterr().out


def test_the_build_drafts_the_names_its_lexicon_lacks(tmp_path, capsys):
    book = make_book(tmp_path / "book")
    result, notes = run(book, tmp_path)
    assert "3 names drafted; `audiobook lexicon draft` to review them" in notes  # Kutuzov, Rostov, Denisov
    assert {"Kutuzov", "Rostov", "Denisov", "Kirov"} <= set(result.lexicon_uses)
    said = spoken(book, capsys=capsys)
    assert "[[kUt'u:z@f]] rode out of Moscow." in said  # Borodino and Moscow are English words
    assert "[[k'i:r@f]]" in said  # the lexicon's own entry, as before
    plain = spoken(book, "--no-draft", capsys=capsys)
    assert "Kutuzov rode" in plain and "[[k'i:r@f]]" in plain


def test_low_confidence_guesses_are_proposed_but_not_spoken(tmp_path, capsys):
    book = make_book(tmp_path / "book")
    (book / "book.txt").write_text(BOOK.replace("Nobody spoke.", "Zyrgvlad spoke."), encoding="utf-8")
    result, notes = run(book, tmp_path)
    assert "3 names drafted; `audiobook lexicon draft` to review them" in notes
    assert "Zyrgvlad" not in result.lexicon_uses
    assert main(["lexicon", "draft", str(book)]) == 0
    assert re.search(r"^Zyrgvlad:  # .*guess, confidence low$", capsys.readouterr().out, re.M)


def test_no_draft_builds_with_the_lexicon_alone(tmp_path):
    result, notes = run(make_book(tmp_path / "book"), tmp_path, draft=False)
    assert set(result.lexicon_uses) == {"Kirov"}
    assert not any("drafted" in n for n in notes)


def test_a_draft_never_overrides_an_entry(tmp_path, capsys):
    book = make_book(tmp_path / "book", lexicon="Kirov: ˈkiːrəf\nKutuzov: kuːˈtuːzɒf\n")
    _, notes = run(book, tmp_path)
    assert "2 names drafted; `audiobook lexicon draft` to review them" in notes
    assert "[[ku:t'u:z0f]]" in spoken(book, capsys=capsys)


def test_drafts_are_cached_and_a_changed_draft_resynthesizes_only_its_sentences(tmp_path, monkeypatch):
    book = make_book(tmp_path / "book")
    run(book, tmp_path)
    calls = []
    real = draft.draft

    def counting(groups, **kw):
        calls.append(groups)
        return real(groups, **kw)

    monkeypatch.setattr(draft, "draft", counting)
    (book / "book.txt").write_text(BOOK.replace("Nobody spoke.", "Nobody spoke at all."), encoding="utf-8")
    warm, _ = run(book, tmp_path)
    assert calls == [] and warm.synthesized == 1  # the drafts came from the cache; one sentence changed

    def other_rules(groups, **kw):  # new drafting rules that change one name's pronunciation
        out = real(groups, **kw)
        return tuple(d if d.name != "Denisov" else draft.Draft("Denisov", "dɛˈniːsɒf") for d in out)

    monkeypatch.setattr(draft, "draft", other_rules)
    monkeypatch.setattr(draft, "data_version", lambda: "other rules")
    again, _ = run(book, tmp_path)
    assert again.synthesized == 1  # only "Denisov was." is said differently


def test_the_first_books_names_need_no_draft():
    # Its lexicon covers every name, so the build drafts nothing and its audio is unchanged (the hash is
    # checked by tests/end_to_end).
    from pipeline.speech import names
    from pipeline.text import source
    from tests.conftest import ROOT

    book = source.load(ROOT / "script").book
    assert names.check(book, Lexicon.load(ROOT / "pronunciations.yaml")).groups == ()


def test_lexicon_draft_writes_a_file_say_and_show_accept(tmp_path, capsys):
    book = make_book(tmp_path / "book")
    out = tmp_path / "drafts.yaml"
    assert main(["lexicon", "draft", str(book), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert re.search(r"^Kutuzov:  # Куту́зов: surname in pymorphy3's dictionary", text, re.M)
    assert not re.search(r"^Kirov:", text, re.M)  # never an entry the lexicon has
    assert (book / "pronunciations.yaml").read_text(encoding="utf-8") == "Kirov: ˈkiːrəf\n"
    capsys.readouterr()
    assert main(["lexicon", "show", "Rostov", "--lexicon", str(out)]) == 0
    assert "rəsˈtɔːf" in capsys.readouterr().out
    wav = tmp_path / "say.wav"
    assert main(["say", "Kutuzov and Denisov", "--lexicon", str(out), "-o", str(wav)]) == 0
    assert wav.stat().st_size > 10_000
    capsys.readouterr()
    assert main(["lexicon", "draft", str(book)]) == 0
    assert capsys.readouterr().out.startswith("# Drafted pronunciations for Drafts")


def test_lexicon_draft_refuses_to_overwrite_the_lexicon(tmp_path, capsys):
    book = make_book(tmp_path / "book")
    assert main(["lexicon", "draft", str(book), "-o", str(book / "pronunciations.yaml")]) == 2
    assert "must not overwrite" in capsys.readouterr().err
    assert (book / "pronunciations.yaml").read_text(encoding="utf-8") == "Kirov: ˈkiːrəf\n"


def test_a_corrupt_dictionary_is_exit_3_naming_the_package(tmp_path, capsys, monkeypatch):
    import pymorphy3

    from pipeline.speech.draft import transliteration

    def unreadable(**kwargs):
        raise ValueError("words.dawg: not a DAWG file")  # what a damaged data file gives

    transliteration.morph.cache_clear()
    monkeypatch.setattr(pymorphy3, "MorphAnalyzer", unreadable)
    try:
        assert main(["lexicon", "draft", str(make_book(tmp_path / "book"))]) == 3
        assert "pip install --force-reinstall pymorphy3-dicts-ru" in capsys.readouterr().err
    finally:
        transliteration.morph.cache_clear()
