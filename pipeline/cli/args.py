"""What several commands share: the SOURCE and engine arguments, whole-number options, the build options
and the lexicon a command uses."""

from __future__ import annotations

import argparse
from pathlib import Path


def source_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=Path("script"),
        help="manuscript folder or .txt file (default: script/)",
    )


def engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lexicon",
        type=Path,
        help="pronunciation lexicon (default: pronunciations.yaml beside "
        "the manuscript, else in the current folder)",
    )
    p.add_argument(
        "--engine",
        default="espeak",
        help="text-to-speech engine: espeak (default), piper (pip install -e '.[piper]') or silent",
    )


def strict_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strict-encoding",
        action="store_true",
        help="stop (exit 2) on bytes that are not valid UTF-8 instead of reading them as Windows-1252",
    )


def whole(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {value}")
        return value

    return parse


def build_options(args: argparse.Namespace):
    """The one options object `build` and `check-audio` take, from the command line."""
    from ..build import BuildOptions

    formats = frozenset(f.strip().lower() for f in getattr(args, "format", "m4b").split(",") if f.strip())
    return BuildOptions(
        source=args.source,
        output_dir=args.output,
        lexicon=args.lexicon,
        engine=args.engine,
        voice=args.voice,
        rate=args.rate,
        cache_dir=args.cache,
        jobs=args.jobs,
        formats=formats | {"m4b"},
        base_url=getattr(args, "base_url", None),
        mp3_per_chapter=getattr(args, "mp3_per_chapter", False),
        draft=not getattr(args, "no_draft", False),
        strict_encoding=getattr(args, "strict_encoding", False),
    )


def lexicon_for(args: argparse.Namespace):
    from ..speech.lexicon import Lexicon
    from ..text import source

    src = args.source if getattr(args, "source", None) is not None else Path("script")
    path = source.lexicon_path(src if src.exists() else Path.cwd(), args.lexicon)
    return Lexicon.load(path) if path else Lexicon.empty()
