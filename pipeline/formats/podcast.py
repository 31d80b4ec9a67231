"""The book as a podcast: `<name> (podcast)/` with one M4A episode per chapter, the cover, each episode's
transcript (WebVTT and SRT) and `feed.xml` (see feed.py), ready for `audiobook serve` or any web server.

An episode is the chapter's cached AAC, exactly as the M4B holds it, put into its own MP4 without encoding
again: its timeline is the chapter's region (audio/timeline.py), which the chapter transcripts are timed on. Each
episode records the key of what it was made from; an episode with this build's key is left alone, so a
one-word edit remuxes one episode, and the feed and transcripts are rewritten only if their bytes change.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from .. import tools
from ..audio.aac import FRAME, adts_frames
from ..audio.timeline import BuiltBook, TimedChapter
from ..errors import ToolError
from ..files import work_folder
from ..m4b import package
from ..m4b.ffmetadata import clean_text
from ..progress import Reporter
from ..runner import run
from . import feed, transcript
from .common import chapter_key, chapter_stem, cover_suffix, remove_stale, title_of, write_if_changed

log = logging.getLogger(__name__)

EPISODE_FORMAT = "m4a-adts-copy-1"
BUILD_TAG = package.BUILD_TAG


def podcast_folder(output_dir: Path, name: str) -> Path:
    return output_dir / f"{name} (podcast)"


def write_podcast(
    book: BuiltBook,
    *,
    output_dir: Path,
    base_url: str | None = None,
    reporter: Reporter,
    now: datetime | None = None,
) -> tuple[Path, ...]:
    """Write or update the podcast folder; returns the feed's path."""
    folder = podcast_folder(output_dir, book.name)
    folder.mkdir(parents=True, exist_ok=True)
    cover = f"cover{cover_suffix(book.cover)}"
    write_if_changed(folder / cover, book.cover)
    kept = {folder / cover}
    episodes = []
    stale = [c for c in book.chapters if _episode_key(_episode_path(book, c, folder)) != _key(book, c)]
    if stale:
        reporter.start("Podcast episodes", len(stale), "episode")
    for chapter in book.chapters:
        path = _episode_path(book, chapter, folder)
        if chapter in stale:
            _write_episode(book, chapter, path)
            reporter.advance()
        vtt, srt = transcript.write_chapter(book, chapter, folder)
        kept |= {path, vtt, srt}
        episodes.append(
            feed.Episode(
                number=chapter.number,
                title=title_of(chapter),
                audio=path.name,
                vtt=vtt.name,
                srt=srt.name,
                size=path.stat().st_size,
                seconds=(chapter.region[1] - chapter.region[0]) / book.sample_rate,
            )
        )
    if stale:
        reporter.finish()
    remove_stale(folder, kept, (".m4a", ".vtt", ".srt"))
    for other in (".jpg", ".png"):
        if folder / f"cover{other}" not in kept:
            (folder / f"cover{other}").unlink(missing_ok=True)
    feed_path = folder / feed.FEED
    data = feed.render(
        book.metadata,
        episodes,
        cover=cover,
        base_url=base_url,
        published=feed.published_dates(feed_path),
        now=(now or datetime.now(UTC)).replace(microsecond=0),
    )
    write_if_changed(feed_path, data)
    return (feed_path,)


def _key(book: BuiltBook, chapter: TimedChapter) -> str:
    return chapter_key(book, chapter, "episode", EPISODE_FORMAT)


def _episode_path(book: BuiltBook, chapter: TimedChapter, folder: Path) -> Path:
    return folder / f"{chapter_stem(book, chapter)}.m4a"


def _episode_key(path: Path) -> str | None:
    try:
        values = (MP4(path).tags or {}).get(BUILD_TAG)
    except (MutagenError, OSError):
        return None
    return bytes(values[0]).decode("utf-8", "replace") if values else None


def _write_episode(book: BuiltBook, chapter: TimedChapter, dest: Path) -> None:
    rate = book.sample_rate
    with work_folder(dest) as work:
        joined = work / "episode.aac"
        frames = 0
        with joined.open("wb") as out:
            for data in book.aac_frames(chapter):
                frames += adts_frames(data)
                out.write(data)
        expected = chapter.region[1] - chapter.region[0]
        if frames * FRAME != expected:
            raise ToolError(
                f"chapter {chapter.number}'s cached audio holds {frames * FRAME} samples, not {expected}"
            )
        episode = work / "episode.m4a"
        argv = [
            tools.ffmpeg(),
            *("-hide_banner", "-nostats", "-v", "error", "-y", "-i", joined),
            # The audio's own time base, as for the M4B (see package.mux_m4b); faststart so an app can start
            # playing before the whole episode has downloaded.
            *("-map", "0:a", "-c", "copy", "-time_base:a", f"1:{rate}", "-map_metadata", "-1"),
            *("-movflags", "+faststart", "-f", "ipod", episode),
        ]
        run(argv, what=f"putting chapter {chapter.number} into a podcast episode", expect=episode)
        _tag(episode, book, chapter)
        try:
            length = MP4(episode).info.length
        except MutagenError as exc:
            raise ToolError(f"the episode written for {dest.name} cannot be read back: {exc}") from exc
        if abs(length - expected / rate) > 0.002:
            raise ToolError(
                f"the episode written for {dest.name} lasts {length:.3f} s, not {expected / rate:.3f} s",
                fix="report this with the log from `-v`; nothing was replaced",
            )
        os.replace(episode, dest)


def _tag(path: Path, book: BuiltBook, chapter: TimedChapter) -> None:
    meta = book.metadata
    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        tags = mp4.tags
        text = {
            "©nam": title_of(chapter),
            "©alb": meta.title,
            "©ART": meta.author,
            "aART": meta.author,
            "©wrt": package.narrator_credit(meta),
            "©gen": "Podcast",
            "©day": meta.year,
            "cprt": meta.copyright,
            "desc": f"{meta.title}, part {chapter.number} of {len(book.chapters)}",
        }
        for name, value in text.items():
            if value:
                tags[name] = [clean_text(value, one_line=True)]
        tags["trkn"] = [(chapter.number, len(book.chapters))]
        image = MP4Cover.FORMAT_PNG if cover_suffix(book.cover) == ".png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(book.cover, imageformat=image)]
        tags[BUILD_TAG] = [MP4FreeForm(_key(book, chapter).encode("utf-8"))]
        mp4.save()
    except MutagenError as exc:
        raise ToolError(f"cannot write the tags of {path.name}: {exc}", path=path) from exc
