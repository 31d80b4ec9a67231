"""`lexicon check`: the names a book says that its pronunciation lexicon lacks.

The finding itself lives in the speech stage (`speech.names`), because the build drafts pronunciations for
the same names; this module is the editor's way in to it.
"""

from __future__ import annotations

from ..speech.names import (
    CheckReport,
    NameGroup,
    Place,
    Variants,
    alike,
    check,
    distance,
    english_count,
    fold,
    skeleton,
)

__all__ = [
    "CheckReport",
    "NameGroup",
    "Place",
    "Variants",
    "alike",
    "check",
    "distance",
    "english_count",
    "fold",
    "skeleton",
]
