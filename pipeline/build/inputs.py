"""The inputs record: a hash of every input file's bytes and every option, and what the last build made of it.

In: the options (and, after a build, what it made). Out: `unchanged`, the result of a build with nothing to
do (the commonest answer, given with none of the stages imported), or None: the book must be read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, tools
from ..audio.cache import Cache, key
from ..errors import AudiobookError
from ..m4b import FORMAT, mp4read
from ..text import locate
from .options import BuildOptions, BuildResult

if TYPE_CHECKING:
    from .prepared import Prepared


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


def tool_versions() -> list[str]:
    """name=version of each library the audio depends on."""
    return tools.installed_versions(TOOLS)


def inputs_key(options: BuildOptions) -> str | None:
    """A hash of every input file's bytes and every option: if it and the book's tag are as last time, the
    book is up to date without reading, narrating or keying anything. None if an input cannot be read (the
    full build will then say what is wrong). Files the inputs name (book.yaml's cover) are checked against
    what the last build recorded (`unchanged`), so this reads no YAML."""
    try:
        files = [
            *locate.manuscript_files(options.source),
            locate.metadata_file(locate.folder_of(options.source)),
            locate.lexicon_path(options.source, options.lexicon),
        ]
        digests = [(str(f), file_digest(f)) for f in files if f]
        for name, value in options.overrides:
            if name == "cover":
                digests.append((value, file_digest(Path(value))))
    except (AudiobookError, OSError):
        return None
    fields = {f.name: str(getattr(options, f.name)) for f in dataclasses.fields(options)}
    return key("inputs", __version__, FORMAT, tool_versions(), fields, digests)


def file_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def remember(ready: Prepared, result: BuildResult) -> None:
    """Record what the inputs made, for `unchanged`: the book's fingerprint and what a result reports, the
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
            "files": [[str(path), file_digest(path)] for path in named],
            "drafting": ready.drafting,
        },
    )


def draft_version() -> str:
    from ..speech import draft

    return draft.data_version()


def unchanged(options: BuildOptions, inputs: str | None, cache: Cache, started: float) -> BuildResult | None:
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
        if any(file_digest(Path(path)) != digest for path, digest in known["files"]):
            return None
    except (OSError, TypeError, ValueError):
        return None
    if known.get("drafting") is not None and known["drafting"] != draft_version():
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
