"""Lexicon drafting for a build: the names of a book its lexicon lacks, drafted and cached, merged in.

In: the book, its lexicon and the cache. Out: the lexicon with the confident drafts added (never replacing an
entry), how many, and the cache keys the drafts are kept under (so `cache prune` keeps them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..audio.cache import Cache, key

if TYPE_CHECKING:
    from ..speech.lexicon import Lexicon
    from ..speech.said import Said


def with_drafts(
    book, lexicon: Lexicon, cache: Cache, *, said: Said | None = None
) -> tuple[Lexicon, int, list[str]]:
    """`lexicon` with a drafted entry for every name of `book` it lacks, how many, and the cache keys used.

    The drafts are kept in the cache under the names and the drafting data's version, so a rebuild costs one
    name check and no drafting; the name check asks the English word list through the book's remembered
    answers (`english.RememberedWords`), so it loads the list only when the book has a word it never asked.
    A draft never replaces an entry: it only covers names the lexicon does not.
    Low-confidence guesses (names nothing places: no dictionary word, no Russian ending) are only proposed by
    `lexicon draft`, not spoken: an English book's invented names stay as the voice reads them.
    Drafted entries rewrite sentences as entries do, so a sentence's audio is keyed on its drafted phonemes
    and only the sentences whose names' drafts changed are synthesized again.
    """
    from ..speech import english, names
    from ..speech.lexicon import Lexicon

    memo_key = key("english-words", english.word_list_version())
    memo = cache.get_json("drafts", memo_key)
    words = english.RememberedWords(memo if isinstance(memo, dict) else None)
    groups = [list(g.spellings) for g in names.check(book, lexicon, words=words, said=said).groups]
    if words.grew:
        cache.put_json("drafts", memo_key, words.asked)
    if not groups:
        return lexicon, 0, [memo_key]
    from ..speech import draft  # only a book with names to draft needs the drafting rules
    from ..voice.espeak import texts_to_phonemes

    drafts_key = key("drafts", draft.data_version(), groups)
    kept = cache.get_json("drafts", drafts_key)
    try:
        drafts = [draft.Draft.from_json(d) for d in kept] if isinstance(kept, list) else None
    except (KeyError, TypeError, ValueError):
        drafts = None  # written by another version: draft again
    if drafts is None:
        drafts = list(
            draft.draft(groups, russian=lambda words: texts_to_phonemes(list(words), voice="ru", ipa=True))
        )
        cache.put_json("drafts", drafts_key, [d.to_json() for d in drafts])
    entries = []
    for d in drafts:
        entry = d.entry()
        if d.confidence == "low" or entry is None:
            continue
        if not any(lexicon.entry_for(w) for w in entry.written):
            entries.append(entry)
    merged = Lexicon([*lexicon.entries, *entries], path=lexicon.path, known=lexicon.known)
    return merged, len(entries), [memo_key, drafts_key]
