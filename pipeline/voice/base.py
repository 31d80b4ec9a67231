"""The protocol every text-to-speech engine follows, so the rest of the pipeline never names one."""

from __future__ import annotations

from typing import ClassVar, Protocol

from ..model import Notation

__all__ = ["Engine", "Notation"]


class Engine(Protocol):
    """A text-to-speech engine. Instances are made inside the worker process that uses them."""

    NAME: ClassVar[str]
    NOTATION: ClassVar[str]
    sample_rate: int

    def synthesize(self, text: str, language: str | None = None) -> bytes:
        """Speak one sentence (or one piece of a sentence) of spoken text in `language` (BCP 47; None: the
        voice's own); return mono signed 16-bit little-endian PCM at sample_rate.

        The audio is complete when this returns. Raises SynthesisError on failure, never returns silence.
        """
        ...

    def identity(self) -> str:
        """Everything that changes the audio besides the text (engine, version, voice, rate): a cache key part."""
        ...
