"""Orders the stages: manuscript -> narration (speech + lexicon) -> rendering (engine, audio, AAC) -> package.

`build(options)` is the whole job behind `audiobook build`; it reports progress through a Reporter and
returns a summary. It never prints and never exits: errors are exceptions from pipeline.errors.
A rebuild renders only chapters whose audio changed and assembles the book from the cache; if nothing
that shapes the file changed, it leaves the book alone and says it is up to date.

That last answer is the commonest and is given before anything else: a hash of the input files and
options, one cache entry and the book's own tag, with none of the stages imported (they are imported
where the work needs them, in `_prepare` and `finish`), so a no-op rebuild costs little more than Python's
start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, tools
from ..audio.cache import Cache, default_root, key
from ..errors import AudiobookError, InputError
from ..m4b import FORMAT, mp4read
from ..progress import Reporter, Silent
from ..text import locate

if TYPE_CHECKING:
    from ..audio import timeline as sentence_timeline
    from ..audio.jobs import ChapterJob, EngineSpec
    from ..audio.render import Renderer
    from ..model import Metadata
    from ..speech.lexicon import Lexicon
    from ..speech.narration import ChapterScript
    from ..speech.said import Said
    from ..text import source
    from ..voice.base import Engine

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A book read, narrated and keyed, ready to render and assemble (see `prepare` and `finish`)."""

    options: BuildOptions
    started: float
    cache: Cache
    inputs: str | None
    meta: Metadata
    scripts: tuple[ChapterScript, ...]
    uses: Counter[str]
    sentences: int
    jobs: tuple[ChapterJob, ...]
    art: bytes
    cover_key: str | None
    fingerprint: str
    dest: Path
    spec: EngineSpec
    identity: str  # the engine identity every key was made with
    engine: Engine  # this process's: it keys the cache and renders a small change without workers
    draft_keys: tuple[str, ...] = ()  # the drafts' cache entries this book uses (kept by `cache prune`)
    drafting: str | None = None  # the drafting rules' version, when the book has names to draft
    said_keys: tuple[str, ...] = ()  # the records of what its chapters say (kept by `cache prune`)


def build(options: BuildOptions, *, reporter: Reporter | None = None, timeline: bool = False) -> BuildResult:
    """Build the audiobook for `options.source` into `options.output_dir`; return what was made.

    With `timeline`, the result also places every chapter and sentence on the M4B's timeline (for
    proof-listening); that needs the book read and narrated even when nothing changed.
    """
    report = reporter or Silent()
    ready = prepare(options, reporter=report, timeline=timeline)
    if isinstance(ready, BuildResult):
        return ready
    from ..audio.render import Renderer

    with Renderer(ready.spec, ready.cache, jobs=options.jobs, engine=ready.engine) as renderer:
        return finish(ready, renderer, reporter=report, timeline=timeline)


def prepare(
    options: BuildOptions,
    *,
    reporter: Reporter | None = None,
    timeline: bool = False,
    loaded: source.Loaded | None = None,
    engines: dict[EngineSpec, Engine] | None = None,
) -> Prepared | BuildResult:
    """Read, narrate and key the book; or, if nothing changed since it was last built, the result saying so.

    `loaded` is the book already read from `options.source` (the batch reads it to name its folder);
    `engines` keeps this process's engines from book to book (the batch's).
    """
    report = reporter or Silent()
    started = time.monotonic()
    cache = Cache(options.cache_dir or default_root())
    inputs = _inputs_key(options)
    quick = None if timeline else _unchanged(options, inputs, cache, started)
    if quick is not None:
        report.note(f"{quick.path} is up to date: nothing to synthesize or encode")
        return quick
    tools.remember_in(cache.root)  # where ffmpeg is and its version: asked once, not in every build
    tools.ffmpeg()  # a missing encoder is found before any work, not after synthesis
    return _prepare(options, report, started, cache, inputs, loaded, engines)


def _prepare(
    options: BuildOptions,
    report: Reporter,
    started: float,
    cache: Cache,
    inputs: str | None,
    loaded: source.Loaded | None,
    engines: dict[EngineSpec, Engine] | None,
) -> Prepared:
    from ..audio import calibration, workers
    from ..audio.jobs import Encoder, EngineSpec, plan
    from ..files import output_name
    from ..m4b.ffmetadata import clean_text
    from ..speech.lexicon import Lexicon
    from ..speech.narration import narrate
    from ..speech.said import Said
    from ..text import source
    from ..voice import make_engine

    loaded = loaded or source.load(options.source, strict_encoding=options.strict_encoding)
    book = loaded.book
    if options.overrides:
        book = replace(book, metadata=override_metadata(book.metadata, dict(options.overrides)))
    lexicon_file = source.lexicon_path(options.source, options.lexicon)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    # What earlier builds said of each chapter: only the paragraphs edited since are normalised again.
    said = Said(book, lambda record: cache.get_json("said", record), salt=",".join(_tool_versions()))
    voice = options.voice or book.metadata.voice
    rate = options.rate or book.metadata.rate
    # Made here only to name the voice and key the cache: the workers synthesize, each with its own engine.
    engines = {} if engines is None else engines
    asked = EngineSpec(options.engine, voice=voice, rate=rate)
    if asked not in engines:
        engines[asked] = make_engine(options.engine, voice=voice, rate=rate)
    engine = engines[asked]
    spec = EngineSpec(engine.NAME, voice=voice, rate=rate)
    # A voice heard for the first time is calibrated in another process while this one narrates the book.
    measuring = (
        None
        if calibration.known_gain(engine, cache) is not None
        else workers.Calibration(spec, engine, cache)
    )
    drafted, draft_keys = 0, []
    if options.draft:
        lexicon, drafted, draft_keys = with_drafts(book, lexicon, cache, said=said)
    meta = book.metadata if book.metadata.narrator else replace(book.metadata, narrator=_narrator(engine))
    scripts = narrate(book, lexicon=lexicon, notation=engine.NOTATION, said=said)
    for record, value in said.new().items():
        cache.put_json("said", record, value)
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
        f"{book.words:,} words; lexicon {lexicon_file or 'none'} ({len(lexicon) - drafted} entries)"
    )
    if drafted:
        report.note(f"{drafted} names drafted; `audiobook lexicon draft` to review them")

    encoder = Encoder(bitrate=options.bitrate, coder=options.aac_coder)
    identity = engine.identity()
    if _mostly_new(scripts, identity, cache):
        workers.warm_up()  # the workers' server imports while this process keys the book
    gain = measuring.gain() if measuring else calibration.calibrated_gain(engine, cache)
    jobs = plan(scripts, identity=identity, gain=gain, encoder=encoder)
    art, cover_key = _cover(meta, cache, own=book.cover_image, source=book.files[0] if book.files else None)
    return Prepared(
        options=options,
        started=started,
        cache=cache,
        inputs=inputs,
        meta=meta,
        scripts=scripts,
        uses=uses,
        sentences=total_sentences,
        jobs=jobs,
        art=art,
        cover_key=cover_key,
        fingerprint=_fingerprint(jobs, scripts, meta, art),
        dest=options.output_dir / output_name(meta),
        spec=spec,
        identity=identity,
        engine=engine,
        draft_keys=tuple(draft_keys),
        said_keys=tuple(said.keys),
        # The drafting rules' version, if this book's drafts depend on them (it has names to draft).
        drafting=_draft_version() if draft_keys[1:] else None,
    )


def _mostly_new(scripts: tuple[ChapterScript, ...], identity: str, cache: Cache) -> bool:
    """Whether more sentences than a small change are missing from the cache (so workers will be needed)."""
    from ..audio.jobs import sentence_key
    from ..audio.render import SMALL_CHANGE

    missing = 0
    for script in scripts:
        for line in script.lines:
            if not cache.contains("sentences", sentence_key(identity, line.spoken, line.pieces)):
                missing += 1
                if missing > SMALL_CHANGE:
                    return True
    return False


def override_metadata(meta: Metadata, values: dict[str, str]) -> Metadata:
    """`meta` with fields given elsewhere (a catalogue's line) put over what the book itself says."""
    from ..model import Metadata

    known = {f.name for f in dataclasses.fields(Metadata)}
    changes: dict[str, object] = {k: v for k, v in values.items() if k in known}
    if "rate" in changes:
        changes["rate"] = int(str(changes["rate"]))
    if "cover" in changes:
        changes["cover"] = Path(str(changes["cover"]))
    return replace(meta, **changes)


def finish(
    ready: Prepared,
    renderer: Renderer,
    *,
    reporter: Reporter | None = None,
    timeline: bool = False,
    lock_wait: float = 0.0,
) -> BuildResult:
    """Render what the cache lacks (with `renderer`) and assemble the book, unless it is already in place.

    `lock_wait`: seconds to wait for another build writing the same book (0: say so and stop).
    """
    from .. import files
    from ..audio import timeline as sentence_timeline
    from ..audio.aac import FRAME
    from ..m4b import package, reuse

    report = reporter or Silent()
    options, cache, jobs, dest = ready.options, ready.cache, ready.jobs, ready.dest
    scripts, meta, uses, total_sentences = ready.scripts, ready.meta, ready.uses, ready.sentences
    started, inputs, fingerprint = ready.started, ready.inputs, ready.fingerprint
    engine, art, cover_key = ready.engine, ready.art, ready.cover_key
    segments = [segment for job in jobs for segment in job.segments]
    options.output_dir.mkdir(parents=True, exist_ok=True)
    lock = files.lock(options.output_dir / f".{dest.name}.lock", wait=lock_wait)
    if lock is None:
        raise AudiobookError(
            f"another build is writing {dest} right now",
            path=dest,
            fix="wait for it to finish, then run this build again",
        )
    try:
        current = package.build_id(dest) == fingerprint
        if current and options.formats == {"m4b"} and not timeline:
            report.note(f"{dest} is up to date: nothing to synthesize or encode")
            result = _result(dest, jobs, total_sentences, 0, 0, 0, True, uses, started)
            _remember_inputs(ready, result)
            return replace(result, outputs=(dest,))
        synthesized = encoded = encoded_segments = 0
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
        layout = reuse.Layout.from_json(cache.remembered(dest).get("layout"))  # of the file there now
        if not current or encoded:
            report.start("Assembling", 0, "")
            # The lines the last build's file holds are copied from it; the others come from the cache.
            old = reuse.previous(dest, layout)
            copied = reuse.reused((segment.key for segment in segments), old)
            fresh = tuple(
                replace(job, segments=tuple(s for s in job.segments if s.key not in copied)) for job in jobs
            )
            package.assemble_m4b(
                reuse.parts(
                    [segment.key for segment in segments],
                    old,
                    sentence_timeline.encoded_audio(
                        renderer, fresh, sample_rate=engine.sample_rate, redone=redone
                    ),
                ),
                sample_rate=engine.sample_rate,
                marks=marks,
                metadata=meta,
                dest=dest,
                cover=art,
                build_id=fingerprint,
            )
            frames = [
                (s.key, info.samples // FRAME + 1)
                for job, job_infos in zip(jobs, infos, strict=True)
                for s, info in zip(job.segments, job_infos, strict=True)
            ]
            layout = reuse.Layout(fingerprint, reuse.identity(dest), tuple(frames))
            report.finish()
        elif layout is not None and layout.fingerprint != fingerprint:
            layout = None
        encoded += len(set(redone))
        outputs: tuple[Path, ...] = (dest,)
        chapters = sentence_timeline.timed_chapters(scripts, jobs, infos, marks)
        if options.formats - {"m4b"}:
            from .. import formats

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
                "drafts": list(ready.draft_keys),
                "said": list(ready.said_keys),
            },
            layout=layout.to_json() if layout is not None else None,
        )
        result = _result(
            dest, jobs, total_sentences, synthesized, encoded, encoded_segments, False, uses, started
        )
        _remember_inputs(ready, result)
        return replace(
            result,
            outputs=outputs,
            up_to_date=current and not encoded,
            sample_rate=engine.sample_rate,
            timeline=chapters if timeline else (),
        )
    finally:
        files.unlock(lock)


def _inputs_key(options: BuildOptions) -> str | None:
    """A hash of every input file's bytes and every option: if it and the book's tag are as last time, the
    book is up to date without reading, narrating or keying anything. None if an input cannot be read (the
    full build will then say what is wrong). Files the inputs name (book.yaml's cover) are checked against
    what the last build recorded (`_unchanged`), so this reads no YAML."""
    try:
        files = [
            *locate.manuscript_files(options.source),
            locate.metadata_file(locate.folder_of(options.source)),
            locate.lexicon_path(options.source, options.lexicon),
        ]
        digests = [(str(f), _file_digest(f)) for f in files if f]
        for name, value in options.overrides:
            if name == "cover":
                digests.append((value, _file_digest(Path(value))))
    except (AudiobookError, OSError):
        return None
    fields = {f.name: str(getattr(options, f.name)) for f in dataclasses.fields(options)}
    return key("inputs", __version__, FORMAT, _tool_versions(), fields, digests)


def _file_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _remember_inputs(ready: Prepared, result: BuildResult) -> None:
    """Record what the inputs made, for `_unchanged`: the book's fingerprint and what a result reports, the
    files the inputs name and the drafting rules' version, when the book's drafts depend on them."""
    if ready.inputs is None:
        return
    named = [ready.meta.cover] if ready.meta.cover is not None else []
    ready.cache.put_json(
        "inputs",
        ready.inputs,
        {
            "fingerprint": ready.fingerprint,
            "dest": str(ready.dest),
            "sentences": ready.sentences,
            "uses": dict(ready.uses),
            "chapters": result.chapters,
            "duration": result.duration,
            "files": [[str(path), _file_digest(path)] for path in named],
            "drafting": ready.drafting,
        },
    )


def _draft_version() -> str:
    from ..speech import draft

    return draft.data_version()


def with_drafts(
    book, lexicon: Lexicon, cache: Cache, *, said: Said | None = None
) -> tuple[Lexicon, int, list[str]]:
    """`lexicon` with a drafted entry for every name of `book` it lacks, how many, and the cache keys used.

    The drafts are kept in the cache under the names and the drafting data's version, so a rebuild costs one
    name check and no drafting; the name check asks the English word list through the book's remembered
    answers (`english.RememberedWords`), so it loads the list only when the book has a word it never asked.
    A draft never replaces an entry: it only covers names the lexicon does not.
    Low-confidence guesses (names nothing places: no dictionary word, no Russian ending) are only proposed by
    `lexicon draft`, not spoken: an English book's invented names stay as the voice reads them.
    Drafted entries rewrite sentences as entries do, so a sentence's audio is keyed on its drafted phonemes
    and only the sentences whose names' drafts changed are synthesized again.
    """
    from ..speech import english, names
    from ..speech.lexicon import Lexicon

    memo_key = key("english-words", english.word_list_version())
    memo = cache.get_json("drafts", memo_key)
    words = english.RememberedWords(memo if isinstance(memo, dict) else None)
    groups = [list(g.spellings) for g in names.check(book, lexicon, words=words, said=said).groups]
    if words.grew:
        cache.put_json("drafts", memo_key, words.asked)
    if not groups:
        return lexicon, 0, [memo_key]
    from ..speech import draft  # only a book with names to draft needs the drafting rules
    from ..voice.espeak import texts_to_phonemes

    drafts_key = key("drafts", draft.data_version(), groups)
    kept = cache.get_json("drafts", drafts_key)
    try:
        drafts = [draft.Draft.from_json(d) for d in kept] if isinstance(kept, list) else None
    except (KeyError, TypeError, ValueError):
        drafts = None  # written by another version: draft again
    if drafts is None:
        drafts = list(
            draft.draft(groups, russian=lambda words: texts_to_phonemes(list(words), voice="ru", ipa=True))
        )
        cache.put_json("drafts", drafts_key, [d.to_json() for d in drafts])
    entries = []
    for d in drafts:
        entry = d.entry()
        if d.confidence == "low" or entry is None:
            continue
        if not any(lexicon.entry_for(w) for w in entry.written):
            entries.append(entry)
    merged = Lexicon([*lexicon.entries, *entries], path=lexicon.path, known=lexicon.known)
    return merged, len(entries), [memo_key, drafts_key]


TOOLS = (
    "pyttsx3",
    "espeakng-loader",
    "imageio-ffmpeg",
    "num2words",
    "sentencex",
    "py3langid",
    "pyspellchecker",
    "pymorphy3",
    "pymorphy3-dicts-ru",
)


def _tool_versions() -> list[str]:
    """name=version of each library the audio depends on."""
    return tools.installed_versions(TOOLS)


def _unchanged(options: BuildOptions, inputs: str | None, cache: Cache, started: float) -> BuildResult | None:
    """The result of a build with nothing to do, if nothing changed since the last one; else None."""
    if inputs is None or options.formats != {"m4b"}:
        return None
    known = cache.get_json("inputs", inputs)
    if not isinstance(known, dict) or not {"chapters", "duration", "files"} <= known.keys():
        return None
    dest = Path(known.get("dest", ""))
    if not dest.is_file() or mp4read.build_id(dest) != known.get("fingerprint"):
        return None
    try:
        if any(_file_digest(Path(path)) != digest for path, digest in known["files"]):
            return None
    except (OSError, TypeError, ValueError):
        return None
    if known.get("drafting") is not None and known["drafting"] != _draft_version():
        return None
    return BuildResult(
        path=dest,
        chapters=int(known["chapters"]),
        duration=float(known["duration"]),
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
    from ..m4b import cover

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
    from ..m4b.ffmetadata import chapter_title

    fields = meta.key_fields()
    return key(
        "book",
        FORMAT,
        [[segment.key for segment in job.segments] for job in jobs],
        [chapter_title(s.title) for s in scripts],
        fields,
        hashlib.blake2b(art, digest_size=16).hexdigest(),
    )


def _result(dest, jobs, sentences, synthesized, encoded, segments, up_to_date, uses, started) -> BuildResult:
    return BuildResult(
        path=dest,
        chapters=len(jobs),
        duration=mp4read.movie_duration(dest),
        size=dest.stat().st_size,
        sentences=sentences,
        synthesized=synthesized,
        encoded=encoded,
        segments_encoded=segments,
        up_to_date=up_to_date,
        lexicon_uses=uses,
        seconds=time.monotonic() - started,
    )
