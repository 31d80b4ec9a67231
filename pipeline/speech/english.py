"""The English word list: which words an English voice already knows (for finding the names it does not).

pyspellchecker's list, offline: it knows inflections (workers, reinstated) and settled names (Moscow,
Leningrad, Kremlin, David). `names` uses it to find a book's names; the editor's lint to find slips.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache

from .. import tools
from ..errors import MissingDependency


@cache
def english_words() -> Mapping[str, int]:
    """Lower-case English words and how common each is (pyspellchecker's list, 160,000 words, offline)."""
    try:
        from spellchecker import SpellChecker
    except ImportError:  # pragma: no cover - the dependency is declared
        raise MissingDependency(
            "the English word list (pyspellchecker) is not installed",
            fix="pip install pyspellchecker (make setup installs it)",
        ) from None
    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def word_list_version() -> str:
    """What the answers of the word list depend on: the installed pyspellchecker."""
    (found,) = tools.installed_versions(["pyspellchecker"])
    return found.replace("=", " ", 1)


class RememberedWords(Mapping[str, int]):
    """The word list, asked through a memo of earlier answers ({word: count, or None for no word}).

    Loading the 160,000 words takes longer than everything else a one-word rebuild does; a book asks about
    the same few thousand words every time, so the build keeps the answers in its cache and loads the list
    only for a word it has not asked about before. `asked` is the memo grown by this run's new answers.
    """

    def __init__(self, memo: Mapping[str, int | None] | None = None) -> None:
        self.asked: dict[str, int | None] = dict(memo or {})
        self.grew = False

    def _count(self, word: str) -> int | None:
        if word not in self.asked:
            self.asked[word] = english_words().get(word)
            self.grew = True
        return self.asked[word]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._count(word) is not None

    def __getitem__(self, word: str) -> int:
        count = self._count(word)
        if count is None:
            raise KeyError(word)
        return count

    def __iter__(self) -> Iterator[str]:
        return iter(english_words())

    def __len__(self) -> int:
        return len(english_words())
