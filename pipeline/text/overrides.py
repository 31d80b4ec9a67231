"""How a book corrects chapter detection: the `chapters:` key of its metadata file (script/book.yaml).

    chapters:
      headings: ['Letter \\d+']       # extra heading patterns; each must match a whole line (Python regex)
      split_at: [The Indictment]      # exact lines to start a chapter at
      not_headings: [Leon Trotsky]    # exact lines that look like headings but are not
      automatic: true                 # false: only the headings listed above start chapters
      opening: true                   # false: the front matter is not read (it is listed as dropped)
      opening_title: Opening Credits  # the player's name for the front-matter chapter

Every key is optional; `overrides_from_yaml` checks the value and names the line of anything wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

OPENING_TITLE = "Opening Credits"
_KEYS = ("headings", "split_at", "not_headings", "automatic", "opening", "opening_title")


def _normal(line: str) -> str:
    return " ".join(line.split())


@dataclass(frozen=True, slots=True)
class ChapterOverrides:
    """Corrections to chapter detection; the defaults change nothing."""

    headings: tuple[re.Pattern[str], ...] = ()
    split_at: frozenset[str] = frozenset()
    not_headings: frozenset[str] = frozenset()
    automatic: bool = True
    opening: bool = True
    opening_title: str = OPENING_TITLE

    def forces(self, line: str) -> bool:
        """Whether the user made this (stripped) line a heading."""
        if not (self.headings or self.split_at) or self.refuses(line):
            return False
        return _normal(line) in self.split_at or any(p.fullmatch(line) for p in self.headings)

    def refuses(self, line: str) -> bool:
        """Whether the user said this line is not a heading."""
        return bool(self.not_headings) and _normal(line) in self.not_headings


def overrides_from_yaml(value: Any, *, path: Path, line: int) -> ChapterOverrides:
    """Check the `chapters:` value read from `path` (whose key is on `line`) and build the overrides."""
    if value is None:
        return ChapterOverrides()
    if not isinstance(value, dict):
        raise ConfigError(
            f"chapters: must be a mapping of {', '.join(_KEYS)}, not {type(value).__name__}",
            path=path,
            line=line,
            fix="see the `chapters:` example in the README",
        )
    lines: dict[Any, int] = getattr(value, "lines", {})

    def line_of(key: str) -> int:
        return lines.get(key, line)

    for key in value:
        if key not in _KEYS:
            raise ConfigError(
                f"chapters: has no setting {key!r}",
                path=path,
                line=line_of(key),
                fix=f"use one of: {', '.join(_KEYS)}",
            )

    def texts(key: str) -> tuple[str, ...]:
        raw = value.get(key, [])
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
            raise ConfigError(
                f"chapters: {key} must be a list of lines of text",
                path=path,
                line=line_of(key),
                fix=f"write it as {key}: ['first line', 'second line']",
            )
        return tuple(raw)

    def flag(key: str, default: bool) -> bool:
        raw = value.get(key, default)
        if not isinstance(raw, bool):
            raise ConfigError(
                f"chapters: {key} must be true or false, not {raw!r}",
                path=path,
                line=line_of(key),
                fix=f"write {key}: true or {key}: false",
            )
        return raw

    patterns = []
    for pattern in texts("headings"):
        try:
            patterns.append(re.compile(pattern.strip()))
        except re.error as exc:
            raise ConfigError(
                f"chapters: headings: {pattern!r} is not a valid regular expression ({exc})",
                path=path,
                line=line_of("headings"),
                fix="quote it in single quotes and escape special characters with \\",
            ) from None
    title = value.get("opening_title", OPENING_TITLE)
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(
            "chapters: opening_title must be a non-empty text",
            path=path,
            line=line_of("opening_title"),
            fix="write opening_title: Opening Credits",
        )
    return ChapterOverrides(
        headings=tuple(patterns),
        split_at=frozenset(_normal(x) for x in texts("split_at")),
        not_headings=frozenset(_normal(x) for x in texts("not_headings")),
        automatic=flag("automatic", True),
        opening=flag("opening", True),
        opening_title=title.strip(),
    )
