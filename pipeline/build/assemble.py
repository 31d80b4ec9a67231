"""The second half of a build: render what the cache lacks and assemble the book, unless it is already in place.

In: a `Prepared` book and a `Renderer`. Out: the M4B (only its changed lines encoded, the rest copied from the
file there or from the cache), the other formats asked for, the cache's record of what the book uses, and the
`BuildResult`. Only one build writes a book at a time (a lock beside it).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AudiobookError
from ..m4b import mp4read
from ..progress import Reporter, Silent
from .inputs import remember
from .options import BuildResult

if TYPE_CHECKING:
    from ..audio.render import Renderer
    from .prepared import Prepared


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
            remember(ready, result)
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
        remember(ready, result)
        return replace(
            result,
            outputs=outputs,
            up_to_date=current and not encoded,
            sample_rate=engine.sample_rate,
            timeline=chapters if timeline else (),
        )
    finally:
        files.unlock(lock)


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
