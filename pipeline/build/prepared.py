"""A book read, narrated and keyed: `read_and_key` makes the `Prepared` that `assemble.finish` renders and packages.

In: the options (and the book already read, for the batch). Out: every chapter's script, the cache key of every
sentence and segment, the cover and the book's fingerprint; the voice calibrated and the workers' server warming.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..audio.cache import Cache, key
from ..errors import InputError
from ..m4b import FORMAT
from ..progress import Reporter
from .drafts import with_drafts
from .inputs import draft_version, tool_versions
from .options import BuildOptions

if TYPE_CHECKING:
    from ..audio.jobs import ChapterJob, EngineSpec
    from ..model import Metadata
    from ..speech.narration import ChapterScript
    from ..text import source
    from ..voice.base import Engine


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


def read_and_key(
    options: BuildOptions,
    report: Reporter,
    started: float,
    cache: Cache,
    inputs: str | None,
    loaded: source.Loaded | None,
    engines: dict[EngineSpec, Engine] | None,
) -> Prepared:
    """Read, narrate and key the book (`__init__.prepare` has found that it changed, or was asked for its
    timeline). `loaded`: the book already read; `engines`: this process's engines, kept from book to book."""
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
    said = Said(book, lambda record: cache.get_json("said", record), salt=",".join(tool_versions()))
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
        drafting=draft_version() if draft_keys[1:] else None,
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
