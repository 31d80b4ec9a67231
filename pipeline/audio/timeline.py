"""A built book as the other output formats see it: chapters and sentences timed on the M4B's timeline.

Times are in samples of the M4B's audio (its sample rate), where each segment (a title or a paragraph) takes
one AAC priming frame and then its own audio (see aac.py). MP3, podcast episodes and transcripts are all
made from this, so every format agrees with the M4B to the sample. It also gives each chapter's audio: the
encoded AAC frames from the cache, or the levelled PCM laid out on the same timeline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from ..model import ChapterKind, ChapterMark, Metadata
from ..speech.narration import ChapterScript
from .aac import FRAME
from .jobs import ChapterJob, SegmentInfo, cached
from .render import Renderer


@dataclass(frozen=True, slots=True)
class TimedSentence:
    text: str  # as written in the manuscript (a title line: the chapter title)
    start: int
    end: int
    paragraph: int | None = None  # which of the chapter's paragraphs it is in; None for the title


@dataclass(frozen=True, slots=True)
class TimedChapter:
    number: int  # 1-based
    title: str
    start: int  # the chapter mark: where the chapter's own audio starts (0 for the first)
    end: int  # where the next chapter starts (the end of the book for the last)
    region: tuple[int, int]  # the samples this chapter's segments occupy, priming frames included
    sentences: tuple[TimedSentence, ...]
    job: ChapterJob
    kind: ChapterKind = ChapterKind.BODY  # the opening credits, a chapter of the body, or the notes


@dataclass(frozen=True)
class BuiltBook:
    metadata: Metadata
    cover: bytes
    sample_rate: int
    chapters: tuple[TimedChapter, ...]
    m4b: Path
    fingerprint: str  # changes whenever anything in the book's audio, titles, tags or cover changes
    name: str  # the output files' base name, e.g. "Leon Trotsky - On the Kirov Assassination"
    renderer: Renderer

    @property
    def samples(self) -> int:
        return self.chapters[-1].end if self.chapters else 0

    def aac_frames(self, chapter: TimedChapter) -> Iterator[bytes]:
        """The chapter's encoded audio (ADTS, one piece per segment), as `m4b.package.assemble_m4b` joins it."""
        return encoded_audio(self.renderer, (chapter.job,), sample_rate=self.sample_rate)

    def levelled_pcm(self, chapter: TimedChapter, dest: Path) -> Path:
        """Write the chapter's levelled PCM (mono s16le) covering exactly `chapter.region` of the timeline."""
        self.renderer.levelled(chapter.job, dest)
        expected = 2 * (chapter.region[1] - chapter.region[0])
        if dest.stat().st_size != expected:
            raise ToolError(
                f"chapter {chapter.number}'s audio is {dest.stat().st_size} bytes, not {expected}"
            )
        return dest


def timed_chapters(
    scripts: tuple[ChapterScript, ...],
    jobs: tuple[ChapterJob, ...],
    infos: list[list[SegmentInfo]],
    marks: list[ChapterMark],
) -> tuple[TimedChapter, ...]:
    """Place every sentence on the timeline from the segments' recorded lengths and sentence spans."""
    chapters = []
    position = 0
    for script, job, segment_infos, mark in zip(scripts, jobs, infos, marks, strict=True):
        region_start = position
        sentences = []
        lines = iter(script.lines)
        for info in segment_infos:
            own = position + FRAME  # the segment's audio starts after its priming frame
            for start, end in info.sentences:
                line = next(lines)
                sentences.append(TimedSentence(line.written, own + start, own + end, line.paragraph))
            position += info.samples + FRAME
        chapters.append(
            TimedChapter(
                job.number,
                script.title,
                mark.start,
                mark.end,
                (region_start, position),
                tuple(sentences),
                job,
                script.kind,
            )
        )
    return tuple(chapters)


def encoded_audio(
    renderer: Renderer, jobs: tuple[ChapterJob, ...], *, sample_rate: int, redone: list[int] | None = None
) -> Iterator[bytes]:
    """Each segment's encoded audio, in order, read from the cache with its digest checked; a damaged entry
    is rendered again (its chapter's number is added to `redone`)."""
    for job in jobs:
        for segment in job.segments:
            data = renderer.cache.get("aac", segment.key, sample_rate=sample_rate)
            if data is None:
                renderer.render_one(job)
                if redone is not None:
                    redone.append(job.number)
                data = renderer.cache.get("aac", segment.key, sample_rate=sample_rate)
                if data is None:
                    raise ToolError(
                        f"the audio of chapter {job.number} could not be read from {renderer.cache.root}"
                    )
            yield data


def segment_infos(renderer: Renderer, job: ChapterJob) -> list[SegmentInfo]:
    """The recorded length and sentence spans of each of the chapter's segments (rendering it if they are gone)."""
    infos = []
    for segment in job.segments:
        info = cached(renderer.cache, segment)
        if info is None:  # damaged or removed since it was rendered: render the chapter again, once
            renderer.render_one(job)
            info = cached(renderer.cache, segment)
            if info is None:
                raise ToolError(
                    f"the audio of chapter {job.number} could not be stored in {renderer.cache.root}"
                )
        infos.append(info)
    return infos


def chapter_layout(titles: Sequence[str], segments: Sequence[Sequence[int]]) -> list[ChapterMark]:
    """Chapter marks for chapters made of segments of the given lengths, joined as `assemble_m4b` joins them.

    Each segment takes its length plus one priming frame; a chapter's mark is where its first segment's own
    audio starts (after that frame), the first chapter's at 0. Chapters are contiguous, as players expect:
    each ends where the next begins, the last with the file.
    """
    starts = []
    position = 0
    for number, lengths in enumerate(segments):
        starts.append(0 if number == 0 else position + FRAME)
        position += sum(count + FRAME for count in lengths)
    ends = [*starts[1:], position]
    return [ChapterMark(title=t, start=a, end=b) for t, a, b in zip(titles, starts, ends, strict=True)]
