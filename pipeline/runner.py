"""The one place that runs external programs: argv lists only, stdin closed, stderr kept for the error."""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .errors import MissingDependency, ToolError

log = logging.getLogger(__name__)


def run(
    argv: Sequence[str | Path], *, what: str, expect: Path | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `argv` (never through a shell) and return the finished process.

    `what` says in plain words what the command was for; it leads the error message. With `expect`, a
    zero exit that did not produce that non-empty file is a failure too.
    """
    args = [str(a) for a in argv]
    log.debug("running: %s", shlex.join(args))
    try:
        proc = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise MissingDependency(
            f"{what}: cannot run {args[0]!r}: {exc.strerror}",
            fix="reinstall with `make setup`, or check the program path you set",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{what}: {Path(args[0]).name} did not finish within {timeout:.0f} s") from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    if stderr:
        log.debug("%s stderr:\n%s", Path(args[0]).name, stderr)
    if proc.returncode != 0:
        last = next((ln for ln in reversed(stderr.splitlines()) if ln.strip()), "no message")
        raise ToolError(
            f"{what}: {Path(args[0]).name} exited with {proc.returncode}: {last.strip()}",
            fix=f"run again with -v to see all of {Path(args[0]).name}'s output; check the disk has space",
        )
    if expect is not None and (not expect.exists() or expect.stat().st_size == 0):
        raise ToolError(
            f"{what}: {Path(args[0]).name} exited successfully but did not write {expect}",
            fix=f"run again with -v to see all of {Path(args[0]).name}'s output; check the disk has space",
        )
    return proc


def start(argv: Sequence[str | Path], *, what: str) -> subprocess.Popen[bytes]:
    """Start `argv` (never through a shell) as a long-lived helper that talks over its stdin and stdout;
    its stderr is left as ours, so what it logs reaches our log. `stop()` ends it."""
    args = [str(a) for a in argv]
    log.debug("starting: %s", shlex.join(args))
    try:
        return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    except FileNotFoundError as exc:
        raise MissingDependency(
            f"{what}: cannot run {args[0]!r}: {exc.strerror}",
            fix="reinstall with `make setup`, or check the program path you set",
        ) from exc


def stop(proc: subprocess.Popen[bytes], *, timeout: float = 30.0) -> int:
    """End a helper from `start()`: close its input (it should exit at end of input), wait, and kill it if
    it is still there after `timeout` seconds. Its exit code."""
    if proc.stdin:
        proc.stdin.close()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
