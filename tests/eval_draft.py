"""How right the drafted pronunciations are, by kind of name and by where the stress came from (`make eval-draft`).

Scores each name of tests/speech/data's two sets the way tests/speech/test_draft.py does (eSpeak NG en-us
reads the phonemes back: one primary stress, on the Russian word's stressed syllable, with a vowel heard as
it), for four ways of saying it:
  plain en-us         eSpeak NG's English voice reading the English spelling (what a book gets without drafts)
  gruut-lang-ru       the stress of gruut-lang-ru's lexicon for the (given) Russian spelling, if installed
  eSpeak ru (given)   eSpeak NG's Russian voice's stress for the given Russian spelling, our IPA rules
  draft               the whole draft from the English spelling: transliteration, dictionary, stress, IPA
and then the drafts by their own source and confidence (dictionary/rule/guess, high/medium/low). Also times
drafting War and Peace's names when ../shared/corpus is there.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.speech import draft  # noqa: E402
from pipeline.speech.draft.ipa import to_ipa, vowel_count  # noqa: E402
from pipeline.speech.phonemes import ipa_to_espeak  # noqa: E402
from pipeline.voice.espeak import texts_to_phonemes  # noqa: E402
from tests.speech.test_draft import KINDS, names, wrong  # noqa: E402


def russian(words):
    return texts_to_phonemes(list(words), voice="ru", ipa=True)


def heard(ipas: list[str | None], fallback: list[str]) -> list[str]:
    return texts_to_phonemes(
        [f"[[{ipa_to_espeak(i)}]]" if i else f for i, f in zip(ipas, fallback, strict=True)], ipa=True
    )


def gruut_stress():
    """gruut-lang-ru's lexicon as a stress source, or None when it is not installed (it is not a dependency)."""
    try:
        import gruut_lang_ru
    except ImportError:
        return None
    db = sqlite3.connect(Path(gruut_lang_ru.__file__).parent / "lexicon.db")

    def stress(word: str) -> int | None:
        row = db.execute("select phonemes from word_phonemes where word=?", (word,)).fetchone()
        if row is None:
            row = db.execute(
                "select phonemes from word_phonemes where word=?", (word.replace("ё", "е"),)
            ).fetchone()
        vowels = [p for p in (row[0].split() if row else []) if any(c in "aeiouɨəɐɪʊɛɔ" for c in p)]
        return next((i for i, p in enumerate(vowels) if "ː" in p), None)

    return stress


def evaluate(file: str) -> None:
    rows = names(file)
    plain_words = [r["russian"].replace("\u0301", "").lower() for r in rows]
    started = time.perf_counter()
    drafts = {d.name: d for d in draft.draft([[r["english"]] for r in rows], russian=russian)}
    took = time.perf_counter() - started
    columns: dict[str, list[str]] = {}
    columns["plain en-us"] = texts_to_phonemes([r["english"] for r in rows], ipa=True)
    stress = gruut_stress()
    if stress is not None:
        ipas = []
        for word in plain_words:
            at = stress(word)
            ipas.append(to_ipa(word, at) if at is not None and at < vowel_count(word) else None)
        columns["gruut-lang-ru"] = heard(ipas, ["-"] * len(rows))
    given = [
        to_ipa(w, draft._stress_from(said, w))
        for w, said in zip(plain_words, russian(plain_words), strict=True)
    ]
    columns["eSpeak ru (given)"] = heard(given, plain_words)
    columns["draft"] = heard([drafts[r["english"]].ipa for r in rows], [r["english"] for r in rows])
    print(f"\n{file}: {len(rows)} names (drafted in {took:.2f} s)")
    print(f"{'':20}" + "".join(f"{k:>14}" for k in (*KINDS, "all")))
    for column, said in columns.items():
        right, total = Counter(), Counter()
        for row, s in zip(rows, said, strict=True):
            total[row["kind"]] += 1
            right[row["kind"]] += not wrong(s, row["russian"])
        cells = [f"{right[k]}/{total[k]} {100 * right[k] / total[k]:3.0f}%" for k in KINDS]
        n, r = sum(total.values()), sum(right.values())
        print(f"{column:20}" + "".join(f"{c:>14}" for c in cells) + f"{f'{r}/{n} {100 * r / n:3.0f}%':>14}")
    by_source: Counter = Counter()
    for row, s in zip(rows, columns["draft"], strict=True):
        d = drafts[row["english"]]
        by_source[(d.source, d.confidence, not wrong(s, row["russian"]) if d.ipa else False)] += 1
    print("drafts by source: " + ", ".join(
        f"{src}/{conf}: {by_source[(src, conf, True)]} right of {by_source[(src, conf, True)] + by_source[(src, conf, False)]}"
        for src, conf in sorted({(s, c) for s, c, _ in by_source})
    ))  # fmt: skip
    misses = [
        f"  {r['english']} ({r['russian']}): drafted {drafts[r['english']].russian} {drafts[r['english']].ipa}: {why}"
        for r, s in zip(rows, columns["draft"], strict=True)
        if (why := wrong(s, r["russian"]))
    ]
    print("misses:\n" + "\n".join(misses))


def war_and_peace() -> None:
    corpus = ROOT.parent / "shared" / "corpus" / "war-and-peace.txt"
    if not corpus.is_file():
        print("\n(War and Peace timing skipped: ../shared/corpus is not here)")
        return
    from pipeline.speech import names
    from pipeline.speech.lexicon import Lexicon
    from pipeline.text import source

    book = source.load(corpus).book
    started = time.perf_counter()
    groups = [g.spellings for g in names.check(book, Lexicon.empty()).groups]
    checked = time.perf_counter() - started
    started = time.perf_counter()
    drafts = draft.draft(groups, russian=russian)
    took = time.perf_counter() - started
    print(
        f"\nWar and Peace: {len(groups)} name groups found in {checked:.1f} s, drafted in {took:.1f} s: "
        f"{sum(d.ipa is not None for d in drafts)} entries, {sum(d.ipa is None for d in drafts)} left to the voice"
    )


if __name__ == "__main__":
    evaluate("russian-names.tsv")
    evaluate("russian-names-heldout.tsv")
    war_and_peace()
