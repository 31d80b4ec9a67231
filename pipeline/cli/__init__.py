"""The `audiobook` command: a thin shell that parses options, calls the library and maps errors to exit codes.

Each module here holds a group of commands with their options: `book` (build, chapters, spoken, voices,
serve), `catalogue` (batch), `editing` (lint, lexicon, say, check-audio), `upkeep` (cache, doctor); `args`
what they share.

Exit codes: 0 success, 1 a tool or engine failed, 2 bad input or usage, 3 a missing dependency, 130 Ctrl-C,
143 stopped by SIGTERM (`kill`, a job scheduler, a timeout).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .. import __version__
from ..errors import AudiobookError
from . import book, catalogue, editing, upkeep

log = logging.getLogger("pipeline")


# --- parsing --------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiobook",
        description=("Turn a plain-text manuscript into a chaptered, tagged M4B audiobook, offline."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step and show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (book, catalogue, editing, upkeep):
        group.add_commands(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it unwinds as Ctrl-C does."""


def _terminate(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends it at once
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # By default SIGTERM ends Python at once, skipping every `finally`: a batch's or a build's worker pool
    # (its forkserver and workers) was left running for ever. Unwound instead, the pools are shut down.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except AudiobookError as exc:
        if args.verbose:
            log.exception("failed")
        print(f"audiobook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `audiobook chapters … | head`: the reader has all it wanted
        # Python would complain again when it flushes stdout at exit; point stdout at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # the disk filled up, a folder is not writable: nothing was replaced
        if args.verbose:
            log.exception("failed")
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"audiobook: error: {where}{exc.strerror or exc}\n  fix: free some disk space (or choose another "
            "-o/--cache folder) and build again; the previous book is still in place",
            file=sys.stderr,
        )
        return 1
    except Terminated:
        print("audiobook: stopped (SIGTERM); finished work is kept in the cache", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("audiobook: interrupted; finished work is kept in the cache", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
