"""Other outputs from a built book: MP3 with chapters, a podcast feed, transcripts (WebVTT and SRT).

`write(book, wanted, ...)` makes the formats named in `wanted` beside the M4B, from the same timeline and the
same cached audio, so producing another format synthesizes nothing again.
"""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path

from ..built import BuiltBook
from ..errors import InputError
from ..progress import Reporter

FORMATS = ("m4b", "mp3", "podcast", "vtt")


def write(
    book: BuiltBook,
    wanted: Set[str],
    *,
    output_dir: Path,
    base_url: str | None = None,
    mp3_per_chapter: bool = False,
    reporter: Reporter | None = None,
) -> tuple[Path, ...]:
    """Write each format in `wanted` (not m4b: the build writes that); return the paths written or kept."""
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown:
        raise InputError(
            f"unknown output format {', '.join(unknown)}", fix=f"choose from: {', '.join(FORMATS)}"
        )
    raise NotImplementedError(
        "formats other than m4b are being built (issue: podcast feed, MP3, transcripts)"
    )
