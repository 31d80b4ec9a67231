"""`lexicon draft`: proposed entries for the names a book says that its lexicon lacks, in the lexicon's format.

The names are those `lexicon check` lists; each draft comes from `speech.draft` (the Russian word found
through pymorphy3's dictionary, its stress from eSpeak NG's Russian voice, IPA by the lexicon's rules) with a
comment saying where it came from and how sure it is. The file is accepted as it is by `--lexicon FILE`,
`lexicon show` and `say`. It never writes the book's own lexicon and never proposes an entry it already has.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Book
from ..speech import draft, names
from ..speech.lexicon import Lexicon
from ..voice.espeak import texts_to_phonemes


@dataclass(frozen=True, slots=True)
class DraftReport:
    drafts: tuple[draft.Draft, ...]
    text: str  # the YAML

    @property
    def entries(self) -> int:
        return sum(d.ipa is not None for d in self.drafts)

    @property
    def left(self) -> int:
        return sum(d.ipa is None for d in self.drafts)


def russian_voice(words) -> list[str]:
    """eSpeak NG's Russian voice's IPA for each word: the stress of a drafted name."""
    return texts_to_phonemes(list(words), voice="ru", ipa=True)


def draft_lexicon(book: Book, lexicon: Lexicon) -> DraftReport:
    """Drafts for every name of `book` that `lexicon` (entries and `known:`) does not cover."""
    groups = [g.spellings for g in names.check(book, lexicon).groups]
    drafts = tuple(
        d
        for d in draft.draft(groups, russian=russian_voice)
        if not any(lexicon.entry_for(w) for w in (d.name, *d.spellings))
    )
    title = book.metadata.title or "this book"
    return DraftReport(drafts, draft.render(drafts, book=title))


def write(report: DraftReport, dest: Path, *, lexicon: Lexicon) -> Path:
    """Write the drafts to `dest` (atomically); never onto the lexicon in use or a pronunciations.yaml."""
    dest = Path(dest)
    own = lexicon.path is not None and dest.resolve() == Path(lexicon.path).resolve()
    if own or dest.name == "pronunciations.yaml":
        raise InputError(
            f"{dest} is a lexicon the drafts must not overwrite",
            path=dest,
            fix="write the drafts to a file of their own (-o drafts.yaml), then move the entries you keep",
        )
    if not dest.parent.is_dir():
        raise InputError("the folder to write to does not exist", path=dest.parent, fix="create it first")
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with os.fdopen(
            os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w", encoding="utf-8"
        ) as f:
            f.write(report.text)
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return dest
