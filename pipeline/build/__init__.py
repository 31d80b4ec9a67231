"""Orders the stages: manuscript -> narration (speech + lexicon) -> rendering (engine, audio, AAC) -> package.

In: `BuildOptions` (a manuscript, its lexicon, the engine and the formats). Out: the book in the output folder
and a `BuildResult`. `build(options)` is the whole job behind `audiobook build`: `prepare` then `finish`. It
reports progress through a Reporter, never prints and never exits: errors are exceptions from pipeline.errors.
A rebuild renders only chapters whose audio changed and assembles the book from the cache; if nothing
that shapes the file changed, it leaves the book alone and says it is up to date.

That last answer is the commonest and is given before anything else: a hash of the input files and
options, one cache entry and the book's own tag (`inputs`), with none of the stages imported (they are
imported where the work needs them, in `prepared.read_and_key` and `assemble.finish`), so a no-op rebuild
costs little more than Python's start. `drafts` drafts the names the lexicon lacks; `options` holds the
records in and out.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import tools
from ..audio.cache import Cache, default_root
from ..progress import Reporter, Silent
from .assemble import finish
from .drafts import with_drafts
from .inputs import inputs_key, unchanged
from .options import BuildOptions, BuildResult
from .prepared import Prepared, override_metadata, read_and_key

if TYPE_CHECKING:
    from ..audio.jobs import EngineSpec
    from ..text import source
    from ..voice.base import Engine

__all__ = [
    "BuildOptions",
    "BuildResult",
    "Prepared",
    "build",
    "finish",
    "override_metadata",
    "prepare",
    "with_drafts",
]


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
    inputs = inputs_key(options)
    quick = None if timeline else unchanged(options, inputs, cache, started)
    if quick is not None:
        report.note(f"{quick.path} is up to date: nothing to synthesize or encode")
        return quick
    tools.remember_in(cache.root)  # where ffmpeg is and its version: asked once, not in every build
    tools.ffmpeg()  # a missing encoder is found before any work, not after synthesis
    return read_and_key(options, report, started, cache, inputs, loaded, engines)
