"""The exceptions a user can act on. The CLI is the only place that turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


class AudiobookError(Exception):
    """Base of every error this tool reports to a person. `exit_code` is what the CLI returns."""

    exit_code = 1

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None, fix: str | None = None
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.fix = fix
        super().__init__(str(self))

    def __reduce__(self):
        # Rebuilt whole in another process (a pool or Dask worker's error reaches the batch as it was raised).
        return (_rebuild, (type(self), self.message, self.path, self.line, self.fix))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class InputError(AudiobookError):
    """The manuscript, metadata, lexicon or command line is wrong; the person must edit something."""

    exit_code = 2


class ConfigError(InputError):
    """A metadata or lexicon file is malformed (a kind of bad input)."""


class MissingDependency(AudiobookError):
    """A program, library or data file the tool needs is not there."""

    exit_code = 3


class ToolError(AudiobookError):
    """An external program or engine ran but failed."""

    exit_code = 1


class SynthesisError(ToolError):
    """One sentence could not be synthesized (the build as a whole may still report it)."""


def _rebuild(cls: type[AudiobookError], message: str, path, line, fix) -> AudiobookError:
    return cls(message, path=path, line=line, fix=fix)
