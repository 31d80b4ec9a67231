"""How the library tells its caller what it is doing, without printing: a small reporter protocol.

The CLI renders it as progress bars with an ETA on a terminal and as plain lines otherwise; tests and
other callers pass nothing and hear nothing.
"""

from __future__ import annotations

import sys
from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int, unit: str) -> None:
        """A stage with `total` steps begins (total 0: a step of unknown length)."""

    def advance(self, steps: int = 1) -> None: ...

    def finish(self) -> None:
        """The current stage is done."""

    def note(self, message: str) -> None:
        """A line worth showing the person running the build."""

    def status(self, text: str) -> None:
        """A short summary beside the current progress bar (e.g. hours of audio made so far)."""

    def detail(self, message: str) -> None:
        """A line for a log: shown where there is no progress bar (not a terminal), else left out."""


class Silent:
    def start(self, stage: str, total: int, unit: str) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def status(self, text: str) -> None:
        pass

    def detail(self, message: str) -> None:
        pass


class TerminalReporter:
    """Progress bars with an ETA on a terminal; one plain line per step otherwise; nothing with --quiet."""

    def __init__(self, *, quiet: bool = False, stream=sys.stderr) -> None:
        self.quiet = quiet
        self.stream = stream
        self.tty = stream.isatty()
        self._bar = None

    def start(self, stage: str, total: int, unit: str) -> None:
        if self.quiet:
            return
        if self.tty and total:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=stage,
                unit=f" {unit}" if unit else "it",
                file=self.stream,
                dynamic_ncols=True,
            )
        else:
            print(f"{stage}…" + (f" ({total} {unit}s)" if total else ""), file=self.stream, flush=True)

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def note(self, message: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def status(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def detail(self, message: str) -> None:
        if not self.quiet and self._bar is None:
            print(message, file=self.stream, flush=True)
