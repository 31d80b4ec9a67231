"""The book's metadata file (script/book.yaml): what players show, the voice, and chapter-detection overrides.

Anything not given falls back to what the text itself says (a Gutenberg header, the front matter), and
then to the file name, so a bare .txt file still builds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Metadata
from .locate import METADATA_NAMES as METADATA_NAMES
from .locate import metadata_file

find = metadata_file  # the metadata file in a manuscript folder, if there is one (found by `locate`)

log = logging.getLogger(__name__)


_TEXT_FIELDS = (
    "title",
    "author",
    "translator",
    "year",
    "language",
    "description",
    "voice",
    "narrator",
    "genre",
    "copyright",
    "publisher",
    "identifier",
)
KNOWN_KEYS = (*_TEXT_FIELDS, "rate", "cover", "chapters", "languages", "strict_encoding", "alt_text")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
RATES = (80, 450)  # words per minute: what eSpeak NG accepts; the silent engine keeps to the same range


@dataclass(frozen=True, slots=True)
class MetadataFile:
    """What the metadata file says: the fields it sets, its `chapters:` value (for detection overrides), where."""

    values: dict[str, Any]
    chapters: Any = None
    chapters_line: int = 0
    path: Path | None = None


def read(path: Path | None) -> MetadataFile:
    """Read and validate a metadata file; ConfigError with the line for anything wrong."""
    if path is None:
        return MetadataFile(values={})
    from . import yamlfile  # here, not above: finding the file (a no-op rebuild's need) loads no YAML parser

    data = yamlfile.load(path)
    if data is None:
        return MetadataFile(values={}, path=path)
    if not isinstance(data, dict):
        raise ConfigError(
            "the metadata file must be a mapping of keys such as `title:` and `author:`",
            path=path,
            line=1,
            fix="see script/book.yaml in the project for an example",
        )
    lines = getattr(data, "lines", {})
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(key)
        if key not in KNOWN_KEYS:
            raise ConfigError(
                f"unknown key {key!r}", path=path, line=line, fix=f"use one of: {', '.join(KNOWN_KEYS)}"
            )
        if key == "chapters":
            continue
        if value is None:
            continue
        if key == "rate":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(
                    f"rate must be a whole number of words per minute, not {value!r}",
                    path=path,
                    line=line,
                    fix="write e.g. `rate: 175`",
                )
            if not RATES[0] <= value <= RATES[1]:
                raise ConfigError(
                    f"rate {value} is out of range",
                    path=path,
                    line=line,
                    fix=f"choose a rate from {RATES[0]} to {RATES[1]} words per minute (175 is usual)",
                )
            values[key] = value
        elif key == "languages":
            # The other languages to find passages in; `false` or `[]` turns it off.
            if value is False:
                value = []
            if not isinstance(value, list) or not all(
                isinstance(v, str) and _LANGUAGE_CODE.fullmatch(v.strip()) for v in value
            ):
                raise ConfigError(
                    f"languages must be a list of language codes, not {value!r}",
                    path=path,
                    line=line,
                    fix="write e.g. `languages: [fr, de, la]`, or `languages: false` to look for none",
                )
            values[key] = tuple(v.strip() for v in value)
        elif key == "strict_encoding":
            if not isinstance(value, bool):
                raise ConfigError(
                    f"strict_encoding must be true or false, not {value!r}",
                    path=path,
                    line=line,
                    fix="write `strict_encoding: true` to stop on bytes that are not valid text",
                )
            values[key] = value
        elif key == "alt_text":
            if not isinstance(value, bool):
                raise ConfigError(
                    f"alt_text must be true or false, not {value!r}",
                    path=path,
                    line=line,
                    fix="write `alt_text: true` to have images' descriptions read aloud (EPUB)",
                )
            values[key] = value
        elif key == "cover":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    "cover must be the name of an image file",
                    path=path,
                    line=line,
                    fix="write e.g. `cover: cover.jpg` (relative to this file)",
                )
            cover = (path.parent / value).resolve()
            if not cover.is_file():
                raise ConfigError(
                    f"the cover image {cover} does not exist",
                    path=path,
                    line=line,
                    fix="put the image beside the metadata file, or remove the `cover:` line",
                )
            values[key] = cover
        else:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ConfigError(
                    f"{key} must be text, not {type(value).__name__}",
                    path=path,
                    line=line,
                    fix=f'write it as `{key}: "..."`',
                )
            text = str(value).strip()
            if "\x00" in text:
                raise ConfigError(f"{key} contains a NUL character", path=path, line=line, fix="remove it")
            values[key] = text
    return MetadataFile(
        values=values, chapters=data.get("chapters"), chapters_line=lines.get("chapters", 0), path=path
    )


def resolve(given: MetadataFile, *, guessed: dict[str, str | None], fallback_title: str) -> Metadata:
    """Metadata from the file, else from what the text says (`guessed`), else from the file name."""
    merged: dict[str, Any] = {k: v for k, v in guessed.items() if v}
    merged.update(given.values)
    merged.setdefault("title", fallback_title)
    merged.setdefault("author", "Unknown author")
    known = {f.name for f in fields(Metadata)}
    return Metadata(**{k: v for k, v in merged.items() if k in known})
