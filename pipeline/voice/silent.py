"""A real engine that says nothing: silence as long as a reading would take. For fast tests and dry runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

from ..model import count_words
from .base import Notation


@dataclass
class SilentEngine:
    """Silence of a plausible length (rate words per minute), so chapter timings and the M4B are realistic."""

    NAME: ClassVar[str] = "silent"
    NOTATION: ClassVar[str] = Notation.TEXT

    voice: str = "silence"
    rate: int = 175
    sample_rate: int = 22050

    def identity(self) -> str:
        return f"{self.NAME}:1:rate={self.rate}:sr={self.sample_rate}"

    def synthesize(self, text: str, language: str | None = None) -> bytes:  # the language changes nothing
        words = max(1, count_words(text))
        samples = int(words * 60 / self.rate * self.sample_rate)
        # A faint, text-dependent level keeps the audio from being digital zero (which some loudness meters and
        # encoders treat specially) while staying inaudible (about -80 dBFS).
        level = 2 + hashlib.blake2b(text.encode(), digest_size=1).digest()[0] % 2
        return (level.to_bytes(2, "little", signed=True) + (-level).to_bytes(2, "little", signed=True)) * (
            samples // 2
        )
