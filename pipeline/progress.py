"""How the library tells its caller what it is doing, without printing: a small reporter protocol.

The CLI renders it as progress bars with an ETA on a terminal and as plain lines otherwise; tests and
other callers pass nothing and hear nothing.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int, unit: str) -> None:
        """A stage with `total` steps begins (total 0: a step of unknown length)."""

    def advance(self, steps: int = 1) -> None: ...

    def finish(self) -> None:
        """The current stage is done."""

    def note(self, message: str) -> None:
        """A line worth showing the person running the build."""


class Silent:
    def start(self, stage: str, total: int, unit: str) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass
