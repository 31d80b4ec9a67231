"""Looking after the machine: cache (size, prune, clear) and doctor."""

from __future__ import annotations

import argparse
from pathlib import Path


def _cmd_cache(args: argparse.Namespace) -> int:
    from ..audio.cache import Cache, default_root

    cache = Cache(args.cache or default_root())
    if args.action == "clear":
        cache.clear()
        print(f"emptied {cache.root}")
        return 0
    if args.action == "prune":
        removed, freed = cache.prune()
        count, size = cache.size()
        print(
            f"{cache.root}: removed {removed:,} entries ({freed / 1e6:,.1f} MB) that no built book uses; "
            f"{count:,} entries ({size / 1e6:,.1f} MB) kept"
        )
        return 0
    count, size = cache.size()
    print(f"{cache.root}: {count:,} entries, {size / 1e6:,.1f} MB")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from ..editing import doctor

    checks = doctor.doctor(output_dir=args.output, cache_dir=args.cache)
    print(doctor.render(checks))
    return 0 if all(c.ok for c in checks) else 3


# --- the commands' options -------------------------------------------------------------------------------
def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cache",
        help="show the cache's size, prune what no book uses, or empty it",
        description=(
            "Report where the cache is and how big. `cache prune` removes the audio no built book uses any more "
            "(sentences since edited, old lexicon entries, other voices; a book whose output file is gone counts "
            "as no longer built). `cache clear` empties it."
        ),
    )
    p.add_argument("action", nargs="?", choices=["size", "prune", "clear"], default="size")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.set_defaults(func=_cmd_cache)

    p = sub.add_parser(
        "doctor",
        help="check eSpeak NG, ffmpeg, the cache folder and free disk space",
        description="Check that everything a build needs is there and working, and say what to fix.",
    )
    p.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder to check")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.set_defaults(func=_cmd_doctor)
