"""The English word list: which words an English voice already knows (for finding the names it does not).

pyspellchecker's list, offline: it knows inflections (workers, reinstated) and settled names (Moscow,
Leningrad, Kremlin, David). `names` uses it to find a book's names; the editor's lint to find slips.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

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
