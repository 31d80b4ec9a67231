"""What a build is asked and what it answers: `BuildOptions` in (the CLI's and the batch's), `BuildResult` out.

Plain records with no stage imported, so the no-op answer (`inputs.unchanged`) costs no more than reading them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..audio import timeline as sentence_timeline


@dataclass(frozen=True, slots=True)
class BuildOptions:
    source: Path = Path("script")
    output_dir: Path = Path("output")
    lexicon: Path | None = None
    engine: str = "espeak"  # voice.DEFAULT (not imported here: it loads every engine's module)
    voice: str | None = None
    rate: int | None = None
    cache_dir: Path | None = None
    jobs: int | None = None
    bitrate: str = "64k"
    aac_coder: str = "fast"
    formats: frozenset[str] = frozenset({"m4b"})  # also: mp3, podcast, vtt (see pipeline/formats)
    base_url: str | None = None  # for the podcast feed's links; relative links without it
    mp3_per_chapter: bool = False
    draft: bool = True  # draft pronunciations for the names the lexicon lacks (see speech/draft)
    strict_encoding: bool = False  # bytes that are not valid text stop the build (exit 2)
    # Metadata over what the book itself says (a catalogue's line): (field, value) pairs, e.g. ("title", "…").
    overrides: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BuildResult:
    path: Path
    chapters: int
    duration: float  # seconds
    size: int  # bytes
    sentences: int
    synthesized: int
    encoded: int  # chapters with audio encoded in this build (the rest were reused whole from the cache)
    segments_encoded: int  # titles and paragraphs encoded in this build
    up_to_date: bool  # nothing changed: the book on disk was left as it was
    lexicon_uses: Counter[str]
    seconds: float
    outputs: tuple[Path, ...] = ()  # every file written or kept up to date, the M4B first
    sample_rate: int = 0
    timeline: tuple[
        sentence_timeline.TimedChapter, ...
    ] = ()  # with build(timeline=True): every sentence, timed
