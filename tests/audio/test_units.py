"""A batch's units of work: what the cache lacks of a book, cut into pieces, each rendered by whatever
worker gets it, which refuses a unit keyed for another engine than its own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.audio import units, workers
from pipeline.audio.cache import Cache
from pipeline.audio.calibration import calibrated_gain
from pipeline.audio.jobs import Encoder, EngineSpec, plan
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate
from pipeline.text import source
from pipeline.voice import make_engine


def planned(book, cache: Cache):
    engine = make_engine("silent")
    scripts = narrate(source.load(book).book, lexicon=Lexicon.empty(), notation=engine.NOTATION)
    gain = calibrated_gain(engine, cache)
    jobs = plan(scripts, identity=engine.identity(), gain=gain, encoder=Encoder())
    return engine, jobs


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_units_cover_exactly_the_missing_segments_in_book_order(tmp_path, book, size):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    spec = EngineSpec("silent")
    cut = units.units(jobs, cache, spec=spec, identity=engine.identity(), size=size)
    assert all(0 < unit.segments <= size for unit in cut)
    order = [(job.number, s.key) for unit in cut for job in unit.jobs for s in job.segments]
    assert order == [(job.number, s.key) for job in jobs for s in job.segments]
    # Render the first unit: the next cut leaves out what it put in the cache.
    done = workers.render_unit(cut[0])
    assert sum(r.encoded for r in done.rendered) == cut[0].segments and done.peak_rss > 0
    again = units.units(jobs, cache, spec=spec, identity=engine.identity(), size=size)
    assert [s.key for u in again for j in u.jobs for s in j.segments] == [k for _, k in order][
        cut[0].segments :
    ]


def test_a_unit_keyed_for_another_engine_is_refused_and_caches_nothing(tmp_path, book):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    unit = units.units(jobs, cache, spec=EngineSpec("silent"), identity=engine.identity(), size=50)[0]
    other = replace(unit, identity=engine.identity().replace("silent:1", "silent:2"))
    with pytest.raises(workers.EngineMismatch, match="silent:2"):
        workers.render_unit(other)
    assert not list((tmp_path / "cache").rglob("*.pcm")) and not list((tmp_path / "cache").rglob("*.aac"))


def test_the_forkserver_preloads_the_module_every_worker_function_is_in():
    """A preload name that is not importable is skipped without a word: each worker would then import the
    audio stage itself. Every function a pool or process runs (a build's, a batch's, a calibration's) must be
    in the module the forkserver imports."""
    run_in_workers = (
        workers.init_worker,
        workers.render_chapter,
        workers.levelled,
        workers.init_pool_worker,
        workers.render_unit,
        workers._calibrate,
    )
    context = workers.pool_context()
    from multiprocessing import forkserver

    preloaded = forkserver._forkserver._preload_modules
    assert context.get_start_method() == "forkserver"
    assert {f.__module__ for f in run_in_workers} <= set(preloaded)
