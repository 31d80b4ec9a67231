"""Orders the stages: manuscript -> narration (speech + lexicon) -> rendering (engine, audio, AAC) -> package.

`build(options)` is the whole job behind `audiobook build`; it reports progress through a Reporter and
returns a summary. It never prints and never exits: errors are exceptions from pipeline.errors.
A rebuild renders only chapters whose audio changed and assembles the book from the cache; if nothing
that shapes the file changed, it leaves the book alone and says it is up to date.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import filelock

from . import __version__, tools
from .audio import timeline as sentence_timeline
from .audio.cache import Cache, default_root, key
from .audio.render import (
    ChapterJob,
    Encoder,
    EngineSpec,
    Renderer,
    calibrated_gain,
    plan,
)
from .errors import AudiobookError, InputError
from .files import output_name
from .m4b import cover, package
from .m4b.ffmetadata import chapter_title, clean_text
from .model import Metadata
from .progress import Reporter, Silent
from .speech.lexicon import Lexicon
from .speech.narration import ChapterScript, narrate
from .text import manuscript, metadata, source
from .voice import DEFAULT, make_engine

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
    aac_coder: str = "fast"
    formats: frozenset[str] = frozenset({"m4b"})  # also: mp3, podcast, vtt (see pipeline/formats)
    base_url: str | None = None  # for the podcast feed's links; relative links without it
    mp3_per_chapter: bool = False


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


def build(options: BuildOptions, *, reporter: Reporter | None = None, timeline: bool = False) -> BuildResult:
    """Build the audiobook for `options.source` into `options.output_dir`; return what was made.

    With `timeline`, the result also places every chapter and sentence on the M4B's timeline (for
    proof-listening); that needs the book read and narrated even when nothing changed.
    """
    report = reporter or Silent()
    started = time.monotonic()
    tools.ffmpeg()  # a missing encoder is found before any work, not after synthesis
    cache = Cache(options.cache_dir or default_root())
    inputs = _inputs_key(options)
    quick = None if timeline else _unchanged(options, inputs, cache, started)
    if quick is not None:
        report.note(f"{quick.path} is up to date: nothing to synthesize or encode")
        return quick
    loaded = source.load(options.source)
    book = loaded.book
    lexicon_file = source.lexicon_path(options.source, options.lexicon)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    voice = options.voice or book.metadata.voice
    rate = options.rate or book.metadata.rate
    # Made here only to name the voice and key the cache: the workers synthesize, each with its own engine.
    engine = make_engine(options.engine, voice=voice, rate=rate)
    meta = book.metadata if book.metadata.narrator else replace(book.metadata, narrator=_narrator(engine))
    scripts = narrate(book, lexicon=lexicon, notation=engine.NOTATION)
    if not scripts:
        raise InputError(
            "nothing in the manuscript can be read aloud",
            path=options.source,
            fix="check that the files hold the book's text",
        )
    uses = Counter(name for script in scripts for line in script.lines for name in line.entries)
    total_sentences = sum(s.sentences for s in scripts)
    report.note(
        f"{clean_text(meta.author, one_line=True)} - {clean_text(meta.title, one_line=True)}: {len(scripts)} chapters, {total_sentences:,} sentences, "
        f"{book.words:,} words; lexicon {lexicon_file or 'none'} ({len(lexicon)} entries)"
    )

    encoder = Encoder(bitrate=options.bitrate, coder=options.aac_coder)
    gain = calibrated_gain(engine, cache)  # before the worker pool starts: it synthesizes in this process
    jobs = plan(scripts, identity=engine.identity(), gain=gain, encoder=encoder)
    segments = [segment for job in jobs for segment in job.segments]
    art, cover_key = _cover(meta, cache, own=book.cover_image, source=book.files[0] if book.files else None)
    fingerprint = _fingerprint(jobs, scripts, meta, art)
    options.output_dir.mkdir(parents=True, exist_ok=True)
    dest = options.output_dir / output_name(meta)
    lock = filelock.FileLock(str(options.output_dir / f".{dest.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise AudiobookError(
            f"another build is writing {dest} right now",
            path=dest,
            fix="wait for it to finish, then run this build again",
        ) from None
    try:
        current = package.build_id(dest) == fingerprint
        if inputs is not None:
            cache.put_json(
                "inputs",
                inputs,
                {
                    "fingerprint": fingerprint,
                    "dest": str(dest),
                    "sentences": total_sentences,
                    "uses": dict(uses),
                },
            )
        if current and options.formats == {"m4b"} and not timeline:
            report.note(f"{dest} is up to date: nothing to synthesize or encode")
            return replace(
                _result(dest, jobs, total_sentences, 0, 0, 0, True, uses, started), outputs=(dest,)
            )
        synthesized = encoded = encoded_segments = 0
        spec = EngineSpec(engine.NAME, voice=voice, rate=rate)
        with Renderer(spec, cache, jobs=options.jobs, engine=engine) as renderer:
            report.start("Synthesizing and encoding", sum(job.words for job in jobs), "word")
            for job, done in renderer.render(jobs):
                synthesized += done.synthesized
                encoded += bool(done.encoded)
                encoded_segments += done.encoded
                report.advance(job.words)
            report.finish()
            infos = [sentence_timeline.segment_infos(renderer, job) for job in jobs]
            marks = sentence_timeline.chapter_layout(
                [s.title for s in scripts], [[i.samples for i in x] for x in infos]
            )
            redone: list[int] = []
            if not current or encoded:
                report.start("Assembling", 0, "")
                package.assemble_m4b(
                    sentence_timeline.encoded_audio(
                        renderer, jobs, sample_rate=engine.sample_rate, redone=redone
                    ),
                    sample_rate=engine.sample_rate,
                    marks=marks,
                    metadata=meta,
                    dest=dest,
                    cover=art,
                    build_id=fingerprint,
                )
                report.finish()
            encoded += len(set(redone))
            outputs: tuple[Path, ...] = (dest,)
            chapters = sentence_timeline.timed_chapters(scripts, jobs, infos, marks)
            if options.formats - {"m4b"}:
                from . import formats

                book_built = sentence_timeline.BuiltBook(
                    metadata=meta,
                    cover=art,
                    sample_rate=engine.sample_rate,
                    chapters=chapters,
                    m4b=dest,
                    fingerprint=fingerprint,
                    name=dest.stem,
                    renderer=renderer,
                )
                outputs += formats.write(
                    book_built,
                    options.formats - {"m4b"},
                    output_dir=options.output_dir,
                    base_url=options.base_url,
                    mp3_per_chapter=options.mp3_per_chapter,
                    reporter=report,
                )
        report.note(
            f"{synthesized:,} of {total_sentences:,} sentences synthesized, {encoded} of {len(jobs)} chapters "
            f"encoded ({encoded_segments} of {len(segments)} lines), {len(jobs) - encoded} reused"
        )
        segment_keys = [segment.key for segment in segments]
        cache.remember(
            dest,
            {
                "sentences": [s.key for segment in segments for s in segment.sentences],
                "aac": segment_keys,
                "chapters": segment_keys,
                "covers": [cover_key] if cover_key else [],
                "inputs": [inputs] if inputs else [],
            },
        )
        result = _result(
            dest, jobs, total_sentences, synthesized, encoded, encoded_segments, False, uses, started
        )
        return replace(
            result,
            outputs=outputs,
            up_to_date=current and not encoded,
            sample_rate=engine.sample_rate,
            timeline=chapters if timeline else (),
        )
    finally:
        lock.release()


def _inputs_key(options: BuildOptions) -> str | None:
    """A hash of every input file's bytes and every option: if it and the book's tag are as last time, the
    book is up to date without reading, narrating or keying anything. None if an input cannot be read (the
    full build will then say what is wrong)."""
    try:
        folder = source.folder_of(options.source)
        files = [
            *manuscript.manuscript_files(options.source),
            metadata.find(folder),
            source.lexicon_path(options.source, options.lexicon),
        ]
        digests = [(str(f), hashlib.blake2b(f.read_bytes(), digest_size=16).hexdigest()) for f in files if f]
        meta_file = metadata.find(folder)
        if meta_file is not None:
            cover_value = metadata.read(meta_file).values.get("cover")
            if cover_value is not None:
                digests.append(
                    (str(cover_value), hashlib.blake2b(cover_value.read_bytes(), digest_size=16).hexdigest())
                )
    except (AudiobookError, OSError):
        return None
    fields = {f.name: str(getattr(options, f.name)) for f in dataclasses.fields(options)}
    return key("inputs", __version__, package.FORMAT, _tool_versions(), fields, digests)


def _tool_versions() -> list[str]:
    from importlib import metadata as installed

    names = ("pyttsx3", "espeakng-loader", "imageio-ffmpeg", "num2words", "sentencex")
    versions = []
    for name in names:
        try:
            versions.append(f"{name}={installed.version(name)}")
        except installed.PackageNotFoundError:
            versions.append(f"{name}=?")
    return versions


def _unchanged(options: BuildOptions, inputs: str | None, cache: Cache, started: float) -> BuildResult | None:
    """The result of a build with nothing to do, if nothing changed since the last one; else None."""
    if inputs is None or options.formats != {"m4b"}:
        return None
    known = cache.get_json("inputs", inputs)
    if not isinstance(known, dict):
        return None
    dest = Path(known.get("dest", ""))
    if not dest.is_file() or package.build_id(dest) != known.get("fingerprint"):
        return None
    back = package.read_back(dest)
    return BuildResult(
        path=dest,
        chapters=len(back.quicktime_chapters),
        duration=back.duration,
        size=dest.stat().st_size,
        sentences=int(known.get("sentences", 0)),
        synthesized=0,
        encoded=0,
        segments_encoded=0,
        up_to_date=True,
        lexicon_uses=Counter(known.get("uses", {})),
        seconds=time.monotonic() - started,
        outputs=(dest,),
    )


def _cover(
    meta: Metadata, cache: Cache, *, own: bytes | None = None, source: Path | None = None
) -> tuple[bytes, str | None]:
    """The cover: the one book.yaml names, else the manuscript's own (an EPUB's), else a generated one
    (remembered in the cache: drawing it takes a while), with its cache key."""
    if meta.cover is not None:
        return cover.cover_image(meta), None
    if own is not None:
        return cover.from_image_bytes(own, source or Path("cover")), None
    cover_key = key("cover", cover.GENERATOR_VERSION, meta.title, meta.author)
    art = cache.get("covers", cover_key, sample_rate=0)
    if art is None:
        art = cover.cover_image(meta)
        cache.put("covers", cover_key, art, sample_rate=0)
    return art, cover_key


def _narrator(engine) -> str:
    if engine.NAME == "espeak":
        return f"eSpeak NG voice {engine.voice} (synthetic)"
    if engine.NAME == "piper":
        return f"Piper voice {engine.files.model.stem} (synthetic)"
    return f"{engine.NAME} (synthetic)"


def _fingerprint(
    jobs: tuple[ChapterJob, ...], scripts: tuple[ChapterScript, ...], meta: Metadata, art: bytes
) -> str:
    """Everything the finished file depends on: the chapters' audio, their titles, the tags and the cover."""
    fields = meta.key_fields()
    return key(
        "book",
        package.FORMAT,
        [[segment.key for segment in job.segments] for job in jobs],
        [chapter_title(s.title) for s in scripts],
        fields,
        hashlib.blake2b(art, digest_size=16).hexdigest(),
    )


def _result(dest, jobs, sentences, synthesized, encoded, segments, up_to_date, uses, started) -> BuildResult:
    back = package.read_back(dest)
    return BuildResult(
        path=dest,
        chapters=len(jobs),
        duration=back.duration,
        size=dest.stat().st_size,
        sentences=sentences,
        synthesized=synthesized,
        encoded=encoded,
        segments_encoded=segments,
        up_to_date=up_to_date,
        lexicon_uses=uses,
        seconds=time.monotonic() - started,
    )
