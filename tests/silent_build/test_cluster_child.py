"""On a Dask worker a unit is rendered in the worker's own lean child process (`pipeline.batch.cluster.render_in_child`): the same
cache entries as rendering it in place, the unit's own error back with its type, and a child killed
mid-unit replaced and the unit run again. Needs no Dask: the child is plain Python."""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import replace

import psutil
import pytest

from pipeline.audio import units, workers
from pipeline.audio.cache import Cache
from pipeline.audio.jobs import EngineSpec
from pipeline.batch import cluster
from tests.audio.test_units import planned
from tests.processes import wait_for


@pytest.fixture
def children():
    """The rendering children this test makes, stopped by their ids when it ends."""
    yield cluster._idle
    with cluster._idle_lock:
        made, cluster._idle[:] = list(cluster._idle), []
    for child in made:
        child.close()
        assert child.proc.poll() is not None


def _entries(root) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.suffix in (".pcm", ".aac")
    }


def test_a_unit_rendered_in_the_child_makes_the_same_cache_entries(tmp_path, book, children):
    here, there = Cache(tmp_path / "here"), Cache(tmp_path / "there")
    engine, jobs = planned(book, here)
    planned(book, there)
    spec = EngineSpec("silent")
    unit = units.units(jobs, here, spec=spec, identity=engine.identity(), size=1000)[0]
    in_place = workers.render_unit(unit)
    moved = replace(unit, cache_root=str(there.root))
    in_child = cluster.render_in_child(moved)
    assert in_child.worker != in_place.worker  # another process did it
    assert [r.encoded for r in in_child.rendered] == [r.encoded for r in in_place.rendered]
    assert _entries(there.root) == _entries(here.root) != {}
    assert in_child.peak_rss > in_place.peak_rss / 2  # the worker's memory and its child's
    assert len(children) == 1 and children[0].proc.poll() is None  # kept for the next unit


def test_the_units_own_error_comes_back_with_its_type(tmp_path, book, children):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    unit = units.units(jobs, cache, spec=EngineSpec("silent"), identity=engine.identity(), size=50)[0]
    other = replace(unit, identity=engine.identity().replace("silent:1", "silent:2"))
    with pytest.raises(workers.EngineMismatch, match="silent:2"):
        cluster.render_in_child(other)
    assert children and children[0].proc.poll() is None  # a refused unit does not cost the child


def test_a_child_killed_mid_unit_is_replaced_and_the_unit_runs_again(tmp_path, book, children):
    cache = Cache(tmp_path / "cache")
    engine, jobs = planned(book, cache)
    unit = units.units(jobs, cache, spec=EngineSpec("silent"), identity=engine.identity(), size=1000)[0]
    first = cluster._Child()
    cluster._idle.append(first)
    answer: list = []
    thread = threading.Thread(target=lambda: answer.append(cluster.render_in_child(unit)))
    thread.start()
    # Kill it once it is at work: its ffmpeg (levelling and encoding the unit's lines) has started.
    wait_for(
        lambda: any("ffmpeg" in p.name() for p in psutil.Process(first.proc.pid).children()),
        seconds=60,
        step=0.005,
        what="the child at work",
    )
    os.kill(first.proc.pid, signal.SIGKILL)
    assert not answer  # killed mid-unit
    thread.join(timeout=300)
    assert not thread.is_alive() and answer, "the unit did not finish in a new child"
    assert first.proc.wait(timeout=10) == -signal.SIGKILL
    assert sum(r.encoded for r in answer[0].rendered) == unit.segments  # all of it, in the new child
    assert units.units(jobs, cache, spec=unit.spec, identity=unit.identity, size=1000) == []
    assert children and children[0] is not first


def test_the_readme_starts_workers_with_the_settings_the_batch_uses():
    """What the README tells a cluster's operator to export is what the LocalCluster's workers get."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name, value in cluster.dask_environment().items():
        assert f"{name}={value}" in readme
    pytest.importorskip("distributed")  # its defaults are registered when it is imported
    import dask

    for key, value in cluster.DASK_SETTINGS.items():
        assert dask.config.get(key) != value  # each one changes a default (or it need not be there)
