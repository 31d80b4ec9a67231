"""A worker whose eSpeak NG differs from the client's gets no work and puts nothing in the shared cache.

The engine identity (versions, voice, rate, sample rate) is in every cache key; a worker with another
install would otherwise store its audio under this engine's keys. Here the other install is simulated the
way pip would show it: another espeakng-loader version on the worker's path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.processes import Processes, scheduler, wait_for, worker

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

TIMEOUT = 600
BOOKS = {
    "one.txt": "The First Pamphlet\n\nby Ann Author\n\nCHAPTER 1\n\nZinoviev wrote in 1934. The river ran past the town.\n\n"
    "CHAPTER 2\n\n\u201cWas it the war?\u201d she asked. Nobody answered.\n",
    "two.txt": "The Second Pamphlet\n\nby Ann Author\n\nCHAPTER 1\n\nKamenev paid 4,500 roubles. The lamps were lit.\n",
}


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.stop()
    assert p.alive() == []
    assert p.foreign() == set(), f"sockets off 127.0.0.1: {p.foreign()}"


def other_espeak(tmp_path: Path) -> dict[str, str]:
    """A worker environment in which the installed espeakng-loader is another version."""
    fake = tmp_path / "other-install"
    info = fake / "espeakng_loader-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: espeakng-loader\nVersion: 0.0.1\n")
    return {"PYTHONPATH": f"{fake}{os.pathsep}{ROOT}"}


def test_a_worker_with_another_espeak_ng_gets_no_work_and_poisons_nothing(procs, tmp_path):
    from distributed import Client

    books = tmp_path / "catalogue"
    books.mkdir()
    for name, text in BOOKS.items():
        (books / name).write_text(text)
    address = scheduler(procs, tmp_path)
    same = worker(procs, address, "same")
    worker(procs, address, "other", env=other_espeak(tmp_path))
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)
    out, cache = tmp_path / "out", tmp_path / "cache"
    proc = procs.audiobook("batch", books, "-o", out, "--cache", cache, "--cluster", address)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "not using worker" in err and "0.0.1" in err  # the other worker was seen and left out
    for name in BOOKS:
        alone = subprocess.run(
            [
                os.sys.executable,
                "-m",
                "pipeline",
                "build",
                books / name,
                "-o",
                tmp_path / "alone" / name,
                "--cache",
                tmp_path / "alone-cache",
                "-q",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert alone.returncode == 0, alone.stderr
        m4b = Path(alone.stdout.strip().splitlines()[-1])
        assert (out / "Ann Author" / m4b.stem.split(" - ", 1)[1] / m4b.name).read_bytes() == m4b.read_bytes()
    # With only the other worker left, the batch stops at once and caches nothing.
    same.terminate()
    same.wait(timeout=60)
    with Client(address, timeout="30s") as client:
        wait_for(lambda: len(client.nthreads()) == 1, seconds=120, what="one worker left")
    fresh = tmp_path / "fresh-cache"
    proc = procs.audiobook("batch", books, "-o", tmp_path / "out2", "--cache", fresh, "--cluster", address)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1 and "no worker" in err and "0.0.1" in err, err
    assert not list((fresh / "sentences").rglob("*.pcm")) if (fresh / "sentences").exists() else True
    assert not (tmp_path / "out2").exists() or not list((tmp_path / "out2").rglob("*.m4b"))
