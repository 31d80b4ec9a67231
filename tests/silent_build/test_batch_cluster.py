"""`audiobook batch --cluster`: the same books from a Dask LocalCluster and from a scheduler with separate
worker processes, byte for byte; a worker killed with kill -9 mid-batch; every process on 127.0.0.1 only.

Each test starts its own scheduler and workers (or LocalCluster) and stops them by their process ids.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests import catalogue
from tests.processes import Processes, encoding_worker, scheduler, wait_for, worker

pytest.importorskip("distributed")

TIMEOUT = 600
SMALL = (120, 260)  # words a book: several chapters, a few seconds to build


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.stop()
    assert p.alive() == []
    assert p.foreign() == set(), f"sockets off 127.0.0.1: {p.foreign()}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """The catalogue and its books as the one-machine batch makes them."""
    where = tmp_path_factory.mktemp("reference")
    books = where / "catalogue"
    catalogue.write_catalogue(books, 3, words=SMALL)
    procs = Processes()
    try:
        proc = procs.audiobook(
            "batch", books, "-o", where / "out", "--cache", where / "cache", "--engine", "silent"
        )
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
    finally:
        procs.stop()
    return books, {str(p.relative_to(where / "out")): p.read_bytes() for p in (where / "out").rglob("*.m4b")}


def batch(procs, books, out, cache, cluster, report):
    return procs.audiobook(
        "batch",
        books,
        "-o",
        out,
        "--cache",
        cache,
        "--engine",
        "silent",
        "--cluster",
        cluster,
        "--report",
        report,
    )


def same_books(out: Path, reference: dict[str, bytes]) -> None:
    made = {str(p.relative_to(out)): p.read_bytes() for p in out.glob("*/*/*.m4b")}
    assert sorted(made) == sorted(reference)
    for name, data in reference.items():
        assert made[name] == data, f"{name} differs from the one-machine batch"


def connected_on_loopback(procs: Processes) -> None:
    """Proves the socket check saw the cluster's connections (so its emptiness of foreign ones means something)."""
    assert any(status == "ESTABLISHED" and remote == "127.0.0.1" for _, remote, status in procs.addresses)


def test_a_local_cluster_makes_the_same_books(procs, tmp_path, reference):
    books, expected = reference
    out, report = tmp_path / "out", tmp_path / "report.json"
    proc = batch(procs, books, out, tmp_path / "cache", "local:2", report)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "sampling profiler" not in err  # the LocalCluster's workers run with DASK_SETTINGS
    same_books(out, expected)
    data = json.loads(report.read_text())
    assert data["workers"] == 2 and {b["status"] for b in data["books"]} == {"built"}
    assert 0 < data["peak_worker_rss"] < 1 << 30
    connected_on_loopback(procs)


def test_a_scheduler_with_two_workers_survives_a_worker_killed_mid_batch(procs, tmp_path, reference):
    from distributed import Client

    from pipeline.batch.cluster import dask_environment

    books, expected = reference
    address = scheduler(procs, tmp_path)
    # Started as the README says, with Dask's periodic work turned down (w1), and as Dask comes (w2).
    nannies = [worker(procs, address, "w1", env=dask_environment()), worker(procs, address, "w2")]
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)
        pids = client.run(os.getpid)
        profiling = client.run(_profiling)
    assert sorted(profiling.values()) == [False, True]
    out, cache, report = tmp_path / "out", tmp_path / "cache", tmp_path / "report.json"
    proc = batch(procs, books, out, cache, address, report)
    # Once units are running (sentences reaching the cache), kill one worker process, not its nanny.
    wait_for(
        lambda: list((cache / "sentences").rglob("*.pcm")),
        seconds=TIMEOUT,
        step=0.05,
        what="work in the cache",
    )
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "run Dask's sampling profiler" in err and "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False" in err
    same_books(out, expected)
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)
        now = client.run(os.getpid)
    assert victim not in now.values()  # the nanny started a new worker in its place
    assert all(n.poll() is None for n in nannies)
    connected_on_loopback(procs)


def _profiling() -> bool:
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled"))


def test_kill_9_during_a_local_cluster_batch(procs, tmp_path, reference):
    """The process killed is the one encoding: on Dask, a worker's rendering child (`python -m
    pipeline.batch.cluster`); the worker runs the unit again in a new child."""
    books, expected = reference
    out, cache, report = tmp_path / "out", tmp_path / "cache", tmp_path / "report.json"
    proc = batch(procs, books, out, cache, "local:2", report)

    victim = wait_for(
        lambda: encoding_worker(procs, proc), seconds=TIMEOUT, step=0.05, what="a worker encoding"
    )
    assert "cluster" in " ".join(victim.cmdline())
    os.kill(victim.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    same_books(out, expected)
