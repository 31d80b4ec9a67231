"""Other outputs from a built book: MP3 with chapters, a podcast feed, transcripts (WebVTT and SRT), and an
EPUB 3 whose text is lit sentence by sentence as it is heard (Media Overlays).

In: an `audio.timeline.BuiltBook` (the cached audio and every sentence's time). Out: the files below.

`write(book, wanted, ...)` makes the formats named in `wanted` beside the M4B, from the same timeline and the
same cached audio, so producing another format synthesizes nothing again. Each output records what it was
made from (an ID3 or MP4 tag) or is compared byte for byte, so asking again for an unchanged book rewrites
nothing. Returned: `<name>.mp3` (and the `<name> (MP3)` folder with per-chapter files), the podcast's
`feed.xml`, `<name>.vtt`, `<name>.srt`, the `<name> (transcript)` folder and `<name>.epub`.
"""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path

from ..audio.timeline import BuiltBook
from ..errors import InputError
from ..progress import Reporter, Silent

FORMATS = ("m4b", "mp3", "podcast", "vtt", "epub")


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
    report = reporter or Silent()
    written: list[Path] = []
    if "mp3" in wanted:
        from .mp3 import write_mp3

        written += write_mp3(book, output_dir=output_dir, per_chapter=mp3_per_chapter, reporter=report)
    if "podcast" in wanted:
        from .podcast import write_podcast

        written += write_podcast(book, output_dir=output_dir, base_url=base_url, reporter=report)
    if "vtt" in wanted:
        from .transcript import write_transcripts

        written += write_transcripts(book, output_dir=output_dir)
    if "epub" in wanted:
        from .epub import write_epub

        written += write_epub(book, output_dir=output_dir, reporter=report)
    return tuple(written)
