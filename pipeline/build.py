"""Orders the stages: manuscript -> narration (speech + lexicon) -> rendering (engine, audio) -> package.

`build(options)` is the whole job behind `audiobook build`; it reports progress through a Reporter and
returns a summary. It never prints and never exits: errors are exceptions from pipeline.errors.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from . import cover, package, source, tools
from .cache import Cache, default_root
from .engines import DEFAULT, engine_class
from .errors import ToolError
from .lexicon import Lexicon
from .model import Metadata
from .narration import ChapterScript, narrate
from .progress import Reporter, Silent
from .render import EngineSpec, Renderer, plan

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    source: Path = Path("script")
    output_dir: Path = Path("output")
    lexicon: Path | None = None
    engine: str = DEFAULT
    voice: str | None = None
    rate: int | None = None
    cache_dir: Path | None = None
    jobs: int | None = None
    bitrate: str = "64k"


@dataclass(frozen=True, slots=True)
class BuildResult:
    path: Path
    chapters: int
    duration: float  # seconds
    size: int  # bytes
    sentences: int
    synthesized: int
    chapters_rendered: int
    lexicon_uses: Counter[str]
    seconds: float


_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_filename(name: str, *, suffix: str, max_bytes: int = 240) -> str:
    """A file name safe on any filesystem: no separators or reserved characters, not reserved, not too long."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = re.sub(r'[\\/:*?"<>|]+', " ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"audiobook {name}".strip()
    limit = max_bytes - len(suffix.encode())
    while len(name.encode("utf-8")) > limit:
        name = name[:-1]
    return name.rstrip(" .") + suffix


def output_name(meta: Metadata) -> str:
    return safe_filename(f"{meta.author} - {meta.title}", suffix=".m4b")


def _narrator(meta: Metadata, voice: str) -> Metadata:
    if meta.narrator:
        return meta
    return replace(meta, narrator=f"eSpeak NG voice {voice} (synthetic)" if voice else "Synthetic voice")


def build(options: BuildOptions, *, reporter: Reporter | None = None) -> BuildResult:
    """Build the audiobook for `options.source` into `options.output_dir`; return what was made."""
    report = reporter or Silent()
    started = time.monotonic()
    tools.ffmpeg()  # a missing encoder is found before any work, not after synthesis
    loaded = source.load(options.source)
    book = loaded.book
    meta = book.metadata
    lexicon_file = source.lexicon_path(options.source, options.lexicon)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    engine = engine_class(options.engine)
    voice = options.voice or meta.voice
    rate = options.rate or meta.rate
    scripts = narrate(book, lexicon=lexicon, notation=engine.NOTATION)
    uses = Counter(name for script in scripts for line in script.lines for name in line.entries)
    total_sentences = sum(s.sentences for s in scripts)
    report.note(
        f"{meta.author} - {meta.title}: {len(scripts)} chapters, {total_sentences:,} sentences, "
        f"{book.words:,} words; lexicon {lexicon_file or 'none'} ({len(lexicon)} entries)"
    )

    cache = Cache(options.cache_dir or default_root())
    options.output_dir.mkdir(parents=True, exist_ok=True)
    dest = options.output_dir / output_name(meta)
    spec = EngineSpec(engine.NAME, voice=voice, rate=rate)
    with Renderer(spec, cache, jobs=options.jobs) as renderer:
        jobs = plan(scripts, identity=renderer.identity)
        synthesized = rendered = 0
        report.start("Synthesizing", len(jobs), "chapter")
        for done in renderer.render(jobs):
            synthesized += done.synthesized
            rendered += done.loudness is not None
            report.advance()
        report.finish()
        with tempfile.TemporaryDirectory(dir=options.output_dir, prefix=".building-") as tmp:
            pcm = Path(tmp) / "book.pcm"
            marks = _assemble(scripts, jobs, renderer, pcm)
            report.start("Encoding AAC", 0, "")
            art = cover.cover_image(meta)
            package.write_m4b(
                pcm,
                sample_rate=renderer.sample_rate,
                marks=marks,
                metadata=_narrator(meta, voice or ""),
                dest=dest,
                cover=art,
                bitrate=options.bitrate,
            )
            report.finish()
    readback = package.read_back(dest)
    return BuildResult(
        path=dest,
        chapters=len(marks),
        duration=readback.duration,
        size=dest.stat().st_size,
        sentences=total_sentences,
        synthesized=synthesized,
        chapters_rendered=rendered,
        lexicon_uses=uses,
        seconds=time.monotonic() - started,
    )


def _assemble(
    scripts: tuple[ChapterScript, ...], jobs, renderer: Renderer, pcm: Path
) -> list[package.ChapterMark]:
    """Concatenate the cached chapter audio into one PCM file; return each chapter's start and end."""
    marks = []
    position = 0
    rate = renderer.sample_rate
    with pcm.open("wb") as out:
        for script, job in zip(scripts, jobs, strict=True):
            data = renderer.cache.get("chapters", job.key, sample_rate=rate)
            if data is None:  # damaged since it was rendered: render it again, once
                renderer.render_one(job)
                data = renderer.cache.get("chapters", job.key, sample_rate=rate)
                if data is None:
                    raise ToolError(
                        f"the audio of chapter {script.number} could not be stored in {renderer.cache.root}"
                    )
            out.write(data)
            samples = len(data) // 2
            marks.append(package.ChapterMark(title=script.title, start=position, end=position + samples))
            position += samples
    return marks


def remove_stale_temp(output_dir: Path) -> None:
    """Remove work folders a killed build left behind (never the finished books)."""
    for leftover in output_dir.glob(".building-*"):
        shutil.rmtree(leftover, ignore_errors=True)
