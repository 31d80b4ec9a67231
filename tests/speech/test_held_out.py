"""Held-out sentences from other public-domain books (tests/data/held_out.tsv): not used to write the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.speech.normalise import sentences

DATA = Path(__file__).resolve().parents[1] / "data" / "held_out.tsv"
ROWS = [
    line.split("\t") for line in DATA.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
]


@pytest.mark.parametrize(("source", "checked", "written", "spoken"), ROWS, ids=[r[0] for r in ROWS])
def test_held_out(source: str, checked: str, written: str, spoken: str) -> None:
    assert " ".join(s.spoken for s in sentences(written)) == spoken
