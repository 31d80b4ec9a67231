"""The package stage: AAC audio in, one chaptered, tagged .m4b out, written atomically.

Two ways in: `assemble_m4b` joins chapters encoded separately (`audio.aac.encode_adts`, cached per line) without
encoding again, writing the container itself (mp4write.py); `write_m4b` encodes a whole book's PCM at once
and lets ffmpeg's muxer add the chapters (`mux_m4b`), the reference the container writer is tested against.
Both write both chapter formats (the QuickTime text track Apple reads and Nero `chpl`) and end in `tag_m4b`.

Joining AAC: every separately encoded segment begins with one frame (1024 samples) of encoder priming, and
raw ADTS carries no edit list to hide it, so each segment occupies exactly (its samples + 1024) in the
joined stream, its own audio starting 1024 samples in. Segment PCM is a whole number of frames long, so
the encoder adds no padding at the end, and segments begin and end in silence, so the joins cannot click.
"""

from __future__ import annotations

import logging
import os
import re
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from .. import tools
from ..audio.aac import FFMPEG_QUIET, DamagedAudio, encode_aac, pcm_samples
from ..errors import ToolError
from ..files import work_folder
from ..model import ChapterMark, Metadata
from ..runner import run
from . import FORMAT, mp4write
from .ffmetadata import clean_text, ffmetadata
from .mp4read import (
    BUILD_TAG,
    ReadBack,
    build_id,
    decode_errors,
    movie_duration,
    quicktime_chapters,
    read_back,
)

__all__ = [
    "BUILD_TAG",
    "FORMAT",
    "ReadBack",
    "assemble_m4b",
    "build_id",
    "decode_errors",
    "mux_m4b",
    "narrator_credit",
    "read_back",
    "tag_m4b",
    "write_m4b",
]

log = logging.getLogger(__name__)

NERO_MAX_CHAPTERS = mp4write.NERO_MAX_CHAPTERS  # `chpl` counts its chapters in one byte
STIK_AUDIOBOOK = 2
DESC_MAX = 255  # iTunes shows `desc` as a short summary; the whole text goes to `ldes`
_FREEFORM = "----:com.apple.iTunes:"


def narrator_credit(metadata: Metadata) -> str:
    """Who reads the book: the metadata's narrator, else the synthetic voice, named as such."""
    if metadata.narrator:
        return metadata.narrator
    if metadata.voice:
        return f"{metadata.voice} (synthetic voice)"
    return "Synthetic voice"


def write_m4b(
    pcm: Path,
    *,
    sample_rate: int,
    marks: Sequence[ChapterMark],
    metadata: Metadata,
    dest: Path,
    cover: bytes | None = None,
    bitrate: str = "64k",
    aac_coder: str = "fast",
) -> Path:
    """Encode `pcm` (raw mono s16le at `sample_rate`) into `dest`, a chaptered and tagged M4B.

    Everything is built in a temporary folder beside `dest` and moved into place only once the finished
    file opens, has the PCM's duration and all its chapters; on any failure `dest` is left as it was.
    """
    samples = pcm_samples(pcm)
    _check_marks(marks, total=samples)
    with work_folder(dest) as work:
        audio = encode_aac(
            pcm, sample_rate=sample_rate, dest=work / "audio.m4a", bitrate=bitrate, aac_coder=aac_coder
        )
        book = mux_m4b(audio, sample_rate=sample_rate, marks=marks, metadata=metadata, dest=work / "book.m4b")
        audio.unlink()
        _finish(
            book,
            sample_rate=sample_rate,
            samples=samples,
            marks=marks,
            metadata=metadata,
            dest=dest,
            cover=cover,
        )
    return dest


def assemble_m4b(
    parts: Iterable[bytes | Path | mp4write.Copied],
    *,
    sample_rate: int,
    marks: Sequence[ChapterMark],
    metadata: Metadata,
    dest: Path,
    cover: bytes | None = None,
    build_id: str | None = None,
) -> Path:
    """Join separately encoded chapters (ADTS, as `encode_adts` writes them) into `dest` without re-encoding.

    `parts` are the chapters' ADTS data, or files holding it, or frames copied from another M4B (`reuse`);
    they are read one at a time. `marks` must follow the layout in `audio.aac`'s docstring
    (`audio.timeline.chapter_layout` computes it). Written atomically, as `write_m4b`.
    """
    _check_marks(marks, total=marks[-1].end if marks else 0)
    with work_folder(dest) as work:
        book = work / "book.m4b"
        try:
            form = mp4write.write_container(parts, marks, book)
        except DamagedAudio as exc:
            raise ToolError(f"the encoded audio for {dest.name} is damaged: {exc}") from exc
        if form.sample_rate != sample_rate:
            raise ToolError(
                f"the encoded audio for {dest.name} is at {form.sample_rate} Hz, not {sample_rate}"
            )
        _finish(
            book,
            sample_rate=sample_rate,
            samples=marks[-1].end,
            marks=marks,
            metadata=metadata,
            dest=dest,
            cover=cover,
            build_id=build_id,
        )
    return dest


def _finish(
    book: Path,
    *,
    sample_rate: int,
    samples: int,
    marks: Sequence[ChapterMark],
    metadata: Metadata,
    dest: Path,
    cover: bytes | None,
    build_id: str | None = None,
) -> None:
    """Tag and verify the muxed `book`, then move it into place as `dest`."""
    if len(marks) > NERO_MAX_CHAPTERS:
        log.warning(
            "%d chapters: players that read Nero chapters will show only the first %d",
            len(marks),
            NERO_MAX_CHAPTERS,
        )
    tag_m4b(book, metadata=metadata, cover=cover, build_id=build_id)
    _verify(book, seconds=samples / sample_rate, chapters=len(marks), shown_as=dest)
    os.replace(book, dest)
    log.info("wrote %s (%.1f MB, %d chapters)", dest, dest.stat().st_size / 1e6, len(marks))


def mux_m4b(
    audio: Path, *, sample_rate: int, marks: Sequence[ChapterMark], metadata: Metadata, dest: Path
) -> Path:
    """Copy the AAC of `audio` into an M4B with both chapter formats and a first draft of the tags."""
    meta = dest.with_name(dest.name + ".ffmeta")
    meta.write_text(ffmetadata(marks, sample_rate=sample_rate, metadata=metadata), encoding="utf-8")
    # The ipod muxer refuses codecs iPods cannot play; brand "M4B " is what Apple's own audiobooks carry.
    # faststart puts the index first, so players can start before the whole file has been read.
    inputs = ("-i", audio, "-f", "ffmetadata", "-i", meta)
    # The audio's own time base: raw ADTS arrives with 1/28224000, in which a chapter over 76 s overflows
    # the chapter track's 32-bit durations and Apple's chapter list comes out with one chapter.
    streams = (
        "-map",
        "0:a",
        "-map_metadata",
        "1",
        "-map_chapters",
        "1",
        "-c",
        "copy",
        "-time_base:a",
        f"1:{sample_rate}",
    )
    container = ("-movflags", "+faststart", "-brand", "M4B ", "-f", "ipod")
    argv = [tools.ffmpeg(), *FFMPEG_QUIET, *inputs, *streams, *container, dest]
    try:
        run(argv, what=f"adding chapters to {dest.name}", expect=dest)
    finally:
        meta.unlink(missing_ok=True)
    return dest


def tag_m4b(
    path: Path, *, metadata: Metadata, cover: bytes | None = None, build_id: str | None = None
) -> None:
    """Write all the player-visible tags with mutagen, replacing any there (both chapter formats survive).

    The translator goes to a freeform TRANSLATOR atom (what taggers such as Mp3tag and MusicBrainz
    Picard read) and, since most players show neither, also to the comment as "Translated by ...".
    """
    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        tags = mp4.tags
        # The tags are rewritten whole, so a retag never keeps a stale one (ffmpeg's encoder name stays)
        for key in [key for key in tags if key != "©too"]:
            del tags[key]
        for key, value in _text_tags(metadata).items():
            tags[key] = [value]
        tags["stik"] = [STIK_AUDIOBOOK]
        for name, value in (
            ("TRANSLATOR", metadata.translator),
            ("PUBLISHER", metadata.publisher),
            (_identifier_tag(metadata.identifier), metadata.identifier),
        ):
            if value:
                tags[_FREEFORM + name] = [MP4FreeForm(clean_text(value, one_line=True).encode("utf-8"))]
        if cover is not None:
            tags["covr"] = [MP4Cover(cover, imageformat=_image_format(cover))]
        if build_id:
            tags[BUILD_TAG] = [MP4FreeForm(build_id.encode("utf-8"))]
        mp4.save()
    except MutagenError as exc:
        raise ToolError(
            f"cannot write tags into {path.name}: {exc}",
            path=path,
            fix="check the disk has space and the file is not open elsewhere",
        ) from exc


def _identifier_tag(identifier: str | None) -> str:
    """ISBN for an ISBN (the tag audiobook apps read), else IDENTIFIER (an EPUB's uuid, say)."""
    digits = re.sub(r"[\s-]", "", (identifier or "").lower().removeprefix("urn:isbn:").removeprefix("isbn:"))
    return "ISBN" if re.fullmatch(r"\d{9}[\dx]|\d{13}", digits) else "IDENTIFIER"


def _text_tags(metadata: Metadata) -> dict[str, str]:
    line = {
        "©nam": metadata.title,
        "©alb": metadata.title,
        "©ART": metadata.author,
        "aART": metadata.author,
        "©nrt": narrator_credit(metadata),
        # Apple's players show the composer as the narrator of an audiobook
        "©wrt": narrator_credit(metadata),
        "©gen": metadata.genre,
        "©day": metadata.year,
        "cprt": metadata.copyright,
        "©cmt": f"Translated by {metadata.translator}" if metadata.translator else None,
    }
    tags = {key: clean_text(value, one_line=True) for key, value in line.items() if value}
    if metadata.description:
        text = clean_text(metadata.description, one_line=False)
        tags["ldes"] = text
        tags["desc"] = _shorten(clean_text(text, one_line=True), DESC_MAX)
    return {key: value for key, value in tags.items() if value}


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _image_format(data: bytes) -> int:
    if data.startswith(b"\xff\xd8\xff"):
        return MP4Cover.FORMAT_JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MP4Cover.FORMAT_PNG
    raise ValueError("the cover must be JPEG or PNG bytes (cover.cover_image makes sure of it)")


def _check_marks(marks: Sequence[ChapterMark], *, total: int) -> None:
    previous_end = 0
    for number, mark in enumerate(marks, 1):
        if not (previous_end <= mark.start < mark.end <= total):
            raise ValueError(
                f"chapter {number} ({mark.title!r}) runs from sample {mark.start} to {mark.end}; chapters must "
                f"be in order, not overlap, and lie within the audio's {total} samples"
            )
        previous_end = mark.end


def _verify(path: Path, *, seconds: float, chapters: int, shown_as: Path) -> None:
    """Check what a player will read, since ffmpeg and mutagen can succeed and still write the wrong thing."""
    try:
        nero = MP4(path).chapters
        duration = movie_duration(path)
        quicktime = quicktime_chapters(path)
    except (MutagenError, ValueError, struct.error) as exc:
        raise ToolError(f"the M4B written for {shown_as} cannot be read back: {exc}") from exc
    problems = []
    if abs(duration - seconds) > 0.002:
        problems.append(f"it lasts {duration:.3f} s, not {seconds:.3f} s")
    if len(nero or ()) != min(chapters, NERO_MAX_CHAPTERS):
        problems.append(f"it has {len(nero or ())} Nero chapters, not {chapters}")
    if len(quicktime) != chapters:
        problems.append(f"it has {len(quicktime)} QuickTime chapters, not {chapters}")
    if problems:
        raise ToolError(
            f"the M4B written for {shown_as} is wrong: {'; '.join(problems)}",
            fix="report this with the log from `-v`; nothing was replaced",
        )
