"""Shared fixtures, and the three tiers every test belongs to.

The folders mirror the stages of `pipeline/`: tests/text/, tests/speech/, ... hold one stage's unit tests;
tests/silent_build/ runs the whole pipeline with the silent engine; tests/end_to_end/ the real engine and
encoder on a real book, read back as a player reads it. Each test is marked with its tier (`unit`, `pipeline`,
`end_to_end`; a stage folder's tests marked `slow` run the real engine end to end too), so `pytest -m unit`
runs the fast tier alone. `make test` runs all three.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# In CI the property tests run the same examples every time, so a submission never fails by chance; on a
# developer's machine they explore new ones on every run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


_TIER_OF_FOLDER = {"silent_build": "pipeline", "end_to_end": "end_to_end"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(item.path).relative_to(ROOT / "tests").parts[0]
        tier = _TIER_OF_FOLDER.get(folder, "unit")
        if tier == "unit" and item.get_closest_marker("slow"):
            tier = "end_to_end"
        item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own cache, never the user's."""
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not here (a user's clone has none)")
    return SHARED


# --- the tiny book: three short chapters, names, a date and a sum, for the pipeline and format tests ---------
BOOK = """\
The Tiny Test Book

by Ada Example


CHAPTER I. The Beginning

It was 1926, and Zinoviev was in Leningrad. He said nothing.

The second paragraph is short.


CHAPTER II. The Middle

Kamenev wrote a letter on December 28, 1934. It cost 5,000 roubles.


CHAPTER III. The End

That was all. Nothing more was said.
"""

METADATA = """\
title: The Tiny Test Book
author: Ada Example
year: "2026"
description: A book of three short chapters, for testing.
copyright: Public domain
"""
NAME = "Ada Example - The Tiny Test Book"  # its output name, "Author - Title"


def write_manuscript(folder: Path, text: str = BOOK) -> Path:
    """The tiny book (or `text` under its metadata) as a manuscript folder: book.txt and book.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.txt").write_text(text, encoding="utf-8")
    (folder / "book.yaml").write_text(METADATA, encoding="utf-8")
    return folder


@pytest.fixture
def book(tmp_path) -> Path:
    """The tiny book as a manuscript folder."""
    return write_manuscript(tmp_path / "manuscript")
