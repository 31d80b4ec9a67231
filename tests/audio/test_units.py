"""A batch's units of work: what the cache lacks of a book, cut into pieces, each rendered by whatever
worker gets it, which refuses a unit keyed for another engine than its own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.audio import render
from pipeline.audio.cache import Cache
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate
from pipeline.text import source
from pipeline.voice import make_engine


def planned(book, cache: Cache):
    engine = make_engine("silent")
    scripts = narrate(source.load(book).book, lexicon=Lexicon.empty(), notation=engine.NOTATION)
    gain = render.calibrated_gain(engine, cache)
    jobs = render.plan(scripts, identity=engine.identity(), gain=gain, encoder=render.Encoder())
    return engine, jobs


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_units_cover_exactly_the_missing_segments_in_book_order(tmp_path, book, size):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    spec = render.EngineSpec("silent")
    units = render.units(jobs, cache, spec=spec, identity=engine.identity(), size=size)
    assert all(0 < unit.segments <= size for unit in units)
    order = [(job.number, s.key) for unit in units for job in unit.jobs for s in job.segments]
    assert order == [(job.number, s.key) for job in jobs for s in job.segments]
    # Render the first unit: the next cut leaves out what it put in the cache.
    done = render.render_unit(units[0])
    assert sum(r.encoded for r in done.rendered) == units[0].segments and done.peak_rss > 0
    again = render.units(jobs, cache, spec=spec, identity=engine.identity(), size=size)
    assert [s.key for u in again for j in u.jobs for s in j.segments] == [k for _, k in order][
        units[0].segments :
    ]


def test_a_unit_keyed_for_another_engine_is_refused_and_caches_nothing(tmp_path, book):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    unit = render.units(jobs, cache, spec=render.EngineSpec("silent"), identity=engine.identity(), size=50)[0]
    other = replace(unit, identity=engine.identity().replace("silent:1", "silent:2"))
    with pytest.raises(render.EngineMismatch, match="silent:2"):
        render.render_unit(other)
    assert not list((tmp_path / "cache").rglob("*.pcm")) and not list((tmp_path / "cache").rglob("*.aac"))
