"""MP3 for players that cannot open an M4B: one chaptered file for the book, or one file per chapter too.

The audio is every chapter's levelled PCM in order, which is the M4B's timeline sample for sample, so the
ID3v2.4 chapters (CHAP frames under one top-level, ordered CTOC) carry the M4B's chapter times exactly.
Encoded once with LAME at 64 kb/s CBR, mono, 44.1 kHz:
- CBR, not VBR: a player seeks in a CBR file by simple arithmetic, so jumping to a chapter lands where the
  chapter starts even in a long book; a VBR file has only the Xing table's 100 points to seek by (in a
  ten-hour book, one every six minutes) and some players land far off. 64 kb/s is the M4B's rate and ample
  for one voice (about 29 MB an hour).
- 44.1 kHz (resampled from the voice's 22.05 kHz): MPEG-1 Layer III is the MP3 every player decodes, and
  LAME's delay (1105 samples, which a player that ignores the LAME header plays as silence before the
  audio) is 25 ms there, against 50 ms at 22.05 kHz, so chapter starts stay well within 50 ms even then.
The encoded file records its key in an ID3 TXXX frame; a file with this build's key is left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TCOP,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TPUB,
    TRCK,
    TXXX,
    CTOCFlags,
    ID3NoHeaderError,
)
from mutagen.mp3 import MP3

from .. import tools
from ..audio.timeline import BuiltBook, TimedChapter
from ..errors import ToolError
from ..files import work_folder
from ..m4b.ffmetadata import clean_text
from ..m4b.package import narrator_credit
from ..progress import Reporter
from ..runner import run
from .common import book_key, chapter_key, chapter_stem, cover_mime, remove_stale, title_of

log = logging.getLogger(__name__)

RATE = 44100
BITRATE = "64k"
SETTINGS = ("libmp3lame", "cbr", BITRATE, RATE, "mono")
BUILD_DESC = "AUDIOBOOK_BUILD"  # the TXXX frame holding the key the file was made from
_LANGUAGES = {"en": "eng", "ru": "rus", "de": "ger", "fr": "fre", "es": "spa", "it": "ita", "uk": "ukr"}


def write_mp3(
    book: BuiltBook, *, output_dir: Path, per_chapter: bool = False, reporter: Reporter
) -> tuple[Path, ...]:
    """`<name>.mp3` with chapters, and with `per_chapter` the folder `<name> (MP3)/` of chapter files."""
    dest = output_dir / f"{book.name}.mp3"
    whole_key = book_key(book, "mp3", SETTINGS, tools.ffmpeg_version())
    need_whole = build_key(dest) != whole_key
    folder = output_dir / f"{book.name} (MP3)"
    wanted: dict[int, tuple[Path, str]] = {}
    if per_chapter:
        for chapter in book.chapters:
            path = folder / f"{chapter_stem(book, chapter)}.mp3"
            key = chapter_key(book, chapter, "mp3", SETTINGS, tools.ffmpeg_version())
            if build_key(path) != key:
                wanted[chapter.number] = (path, key)
    if need_whole or wanted:
        todo = book.chapters if need_whole else [c for c in book.chapters if c.number in wanted]
        reporter.start("Encoding MP3", len(todo), "chapter")
        with work_folder(dest) as work:
            pcm_path = work / "book.pcm"
            with pcm_path.open("wb") as whole:
                for chapter in todo:
                    pcm = book.levelled_pcm(chapter, work / "chapter.pcm")
                    if need_whole:
                        with pcm.open("rb") as part:
                            shutil.copyfileobj(part, whole)
                    if chapter.number in wanted:
                        path, key = wanted[chapter.number]
                        _write_chapter(book, chapter, pcm, path, key=key, work=work)
                    reporter.advance()
            if need_whole:
                encoded = _encode(pcm_path, work / "book.mp3", sample_rate=book.sample_rate)
                pcm_path.unlink()
                _tag(encoded, book, title=book.metadata.title, build=whole_key, chapters=book.chapters)
                _verify(encoded, seconds=book.samples / book.sample_rate, chapters=len(book.chapters))
                os.replace(encoded, dest)
        reporter.finish()
    if per_chapter:
        remove_stale(folder, {folder / f"{chapter_stem(book, c)}.mp3" for c in book.chapters}, (".mp3",))
        return dest, folder
    return (dest,)


def build_key(path: Path) -> str | None:
    """The key recorded in `path`'s ID3 tag, or None (no file, no tag, unreadable)."""
    try:
        frames = ID3(path).getall(f"TXXX:{BUILD_DESC}")
    except (ID3NoHeaderError, MutagenError, OSError):
        return None
    return str(frames[0].text[0]) if frames and frames[0].text else None


def _write_chapter(
    book: BuiltBook, chapter: TimedChapter, pcm: Path, dest: Path, *, key: str, work: Path
) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    encoded = _encode(pcm, work / "chapter.mp3", sample_rate=book.sample_rate)
    _tag(encoded, book, title=title_of(chapter), build=key, track=chapter.number)
    _verify(encoded, seconds=(chapter.region[1] - chapter.region[0]) / book.sample_rate, chapters=0)
    os.replace(encoded, dest)


def _encode(pcm: Path, dest: Path, *, sample_rate: int) -> Path:
    argv = [
        tools.ffmpeg(),
        *("-hide_banner", "-nostats", "-v", "error", "-y"),
        *("-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", pcm),
        *("-map", "0:a", "-ar", str(RATE), "-ac", "1"),
        *("-c:a", "libmp3lame", "-b:a", BITRATE, "-flags:a", "+bitexact"),
        # Bit-exact ffmpeg names itself in the LAME header; players and taggers that trim the encoder delay
        # (mutagen, Rockbox, many hardware players) trust only a header that names LAME, whose layout it has.
        *("-metadata:s:a:0", "encoder=LAME3.100"),
        # No ID3 from ffmpeg (mutagen writes the tags whole); the Xing/LAME header stays, for gapless
        # players and for the duration.
        *("-id3v2_version", "0", "-write_xing", "1", "-fflags", "+bitexact", "-f", "mp3", dest),
    ]
    run(argv, what=f"encoding {pcm.name} to MP3", expect=dest)
    return dest


def _tag(
    path: Path,
    book: BuiltBook,
    *,
    title: str,
    build: str,
    track: int | None = None,
    chapters: tuple[TimedChapter, ...] = (),
) -> None:
    meta = book.metadata
    language = _LANGUAGES.get(meta.language.split("-")[0].lower(), "und")
    tags = ID3()
    text_frames = [
        (TIT2, title),
        (TALB, meta.title),
        (TPE1, meta.author),
        (TPE2, meta.author),  # album artist: players group the files under the author
        (TCOM, narrator_credit(meta)),  # as in the M4B: players show an audiobook's composer as narrator
        (TCON, meta.genre),
        (TDRC, meta.year),
        (TCOP, meta.copyright),
        (TPUB, meta.publisher),
        (TLAN, language),
        (TRCK, f"{track}/{len(book.chapters)}" if track else None),
    ]
    for frame, value in text_frames:
        if value:
            tags.add(frame(encoding=3, text=[clean_text(value, one_line=True)]))
    for desc, value in (("NARRATOR", narrator_credit(meta)), ("TRANSLATOR", meta.translator)):
        if value:
            tags.add(TXXX(encoding=3, desc=desc, text=[clean_text(value, one_line=True)]))
    if meta.description:
        text = clean_text(meta.description, one_line=False)
        tags.add(COMM(encoding=3, lang=language, desc="", text=[text]))
    if book.cover:
        tags.add(APIC(encoding=3, mime=cover_mime(book.cover), type=3, desc="Cover", data=book.cover))
    tags.add(TXXX(encoding=3, desc=BUILD_DESC, text=[build]))
    if chapters:
        ids = [f"ch{chapter.number}" for chapter in chapters]
        for element, chapter in zip(ids, chapters, strict=True):
            tags.add(
                CHAP(
                    element_id=element,
                    start_time=_ms(chapter.start, book.sample_rate),
                    end_time=_ms(chapter.end, book.sample_rate),
                    # No byte offsets (0xFFFFFFFF): the times are exact, and the ID3 tag in front would shift
                    # any offsets if it were ever rewritten.
                    start_offset=0xFFFFFFFF,
                    end_offset=0xFFFFFFFF,
                    sub_frames=[TIT2(encoding=3, text=[title_of(chapter)])],
                )
            )
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )
    try:
        tags.save(path, v2_version=4, v1=0)
    except MutagenError as exc:
        raise ToolError(f"cannot write the MP3 tags of {path.name}: {exc}", path=path) from exc


def _verify(path: Path, *, seconds: float, chapters: int) -> None:
    """Read the file back as a player would: its length (gapless, from the LAME header) and its chapters."""
    try:
        mp3 = MP3(path)
        found = len(mp3.tags.getall("CHAP")) if mp3.tags else 0
    except MutagenError as exc:
        raise ToolError(f"the MP3 written for {path.name} cannot be read back: {exc}") from exc
    problems = []
    if abs(mp3.info.length - seconds) > 0.1:
        problems.append(f"it lasts {mp3.info.length:.3f} s, not {seconds:.3f} s")
    if found != chapters:
        problems.append(f"it has {found} chapters, not {chapters}")
    if problems:
        raise ToolError(
            f"the MP3 written for {path.name} is wrong: {'; '.join(problems)}",
            fix="report this with the log from `-v`; nothing was replaced",
        )


def _ms(samples: int, sample_rate: int) -> int:
    return round(samples * 1000 / sample_rate)
