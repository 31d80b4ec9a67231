"""What a batch answers: a `BookReport` per book (built, up to date or failed, and why), the whole run's
`BatchResult` with where its seconds went, and the JSON report (`--report`), written atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class BookReport:
    source: str
    status: str  # "built", "up to date" or "failed"
    output: str | None = None
    title: str | None = None
    author: str | None = None
    chapters: int = 0
    duration: float = 0.0  # seconds of audio
    size: int = 0  # bytes of the M4B
    sentences: int = 0
    synthesized: int = 0
    reused: int = 0  # sentences whose audio came from the cache
    seconds: float = 0.0  # from reading the book to its M4B in place
    error: str | None = None


@dataclass(slots=True)
class BatchResult:
    books: list[BookReport]
    seconds: float
    workers: int
    units: int = 0
    unit_seconds: float = 0.0  # summed over units, as measured in the workers
    client_seconds: float = 0.0  # reading, narrating and keying books, and assembling them, here
    assemble_seconds: float = 0.0  # of which assembling M4Bs
    peak_worker_rss: int = 0  # bytes: the largest worker process's peak resident memory
    reruns: int = 0  # units run again after their worker died
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[BookReport]:
        return [b for b in self.books if b.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "books": [dataclasses.asdict(b) for b in self.books],
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "units": self.units,
            "unit_seconds": round(self.unit_seconds, 3),
            "client_seconds": round(self.client_seconds, 3),
            "assemble_seconds": round(self.assemble_seconds, 3),
            "peak_worker_rss": self.peak_worker_rss,
            "reruns": self.reruns,
            "notes": self.notes,
        }


def write_report(path: Path, result: BatchResult) -> None:
    """The JSON report, written atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(result.to_json(), out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
