"""`make bench-batch`: the catalogue runner's benchmark (reported, not a timed test).

1. A generated catalogue of silent-engine books: the scheduling overhead per book and per chapter (the
   batch's wall time less the time its workers spent in units, shared among them) for the one-machine pool,
   a LocalCluster of 2 workers and a scheduler with 2 separate worker processes.
2. Real-engine books (eSpeak NG): audio hours per CPU-hour (every process: client, scheduler, workers,
   ffmpeg), in the same three ways.
3. A second edition of the real-engine books with 1% of the sentences changed, on the first edition's
   cache: the share of sentences reused.
Each run is a cold `audiobook batch` subprocess (empty cache); peak memory is the largest worker's.

    python tests/benchmark_batch.py [--books 1000] [--real 20] [--modes pool,local,separate] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from pipeline.batch.cluster import dask_environment  # noqa: E402
from tests import catalogue  # noqa: E402

WORKERS = 2


class TreeCPU:
    """CPU seconds of a set of processes and all their descendants (each sampled until it exits, its own
    waited-for children included), summed: client, scheduler, workers, ffmpeg and the forked synthesis."""

    def __init__(self) -> None:
        self.roots: list[int] = []
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for _ in range(200_000):  # bounded: about 28 hours at 0.5 s
            self.sample()
            if self._stop.wait(0.5):
                return

    def sample(self) -> None:
        for root in list(self.roots):
            try:
                procs = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for proc in procs:
                try:
                    t = proc.cpu_times()
                    self.last[proc.pid] = t.user + t.system + t.children_user + t.children_system
                except psutil.NoSuchProcess:
                    continue

    def stop(self) -> float:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)
        return sum(self.last.values())


def _start(argv, *, env: dict[str, str] | None = None, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([str(a) for a in argv], cwd=ROOT, env=env, **kw)


def _separate(folder: Path):
    """A scheduler and two worker processes on 127.0.0.1; (address, processes)."""
    info = folder / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        _start(
            [
                sys.executable,
                "-m",
                "dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",  # not --no-dashboard: it leaves the HTTP routes on 0.0.0.0:8787
                "127.0.0.1:0",
                "--scheduler-file",
                info,
            ],
            **quiet,
        )
    ]
    for _ in range(600):
        if info.is_file() and info.stat().st_size:
            break
        time.sleep(0.1)
    address = json.loads(info.read_text())["address"]
    for i in range(WORKERS):
        procs.append(
            _start(
                [
                    sys.executable,
                    "-m",
                    "dask",
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--dashboard-address",
                    "127.0.0.1:0",
                    "--name",
                    f"bench-{i}",
                ],
                env=dask_environment(),  # as the README says to start them
                **quiet,
            )
        )
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.wait_for_workers(WORKERS, timeout=300)
    return address, procs


def run(mode: str, books: Path, work: Path, *, engine: str, cache: Path | None = None) -> dict:
    """One cold batch of `books` in `mode`; its figures."""
    out = work / f"out-{mode}-{engine}"
    cache = cache or work / f"cache-{mode}-{engine}"
    shutil.rmtree(out, ignore_errors=True)
    report = work / f"report-{mode}-{engine}.json"
    extra: list[str] = []
    helpers: list[subprocess.Popen] = []
    meter = TreeCPU()
    if mode == "pool":
        extra = ["-j", str(WORKERS)]
    elif mode == "local":
        extra = ["--cluster", f"local:{WORKERS}"]
    else:
        address, helpers = _separate(work)
        meter.roots += [h.pid for h in helpers]
        extra = ["--cluster", address]
    started = time.monotonic()
    proc = _start(
        [
            sys.executable,
            "-m",
            "pipeline",
            "batch",
            books,
            "-o",
            out,
            "--cache",
            cache,
            "--engine",
            engine,
            "--report",
            report,
            "-q",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    meter.roots.append(proc.pid)
    _, err = proc.communicate()
    wall = time.monotonic() - started
    cpu = meter.stop()
    for helper in reversed(helpers):  # stopped by their ids
        helper.terminate()
    for helper in reversed(helpers):
        try:
            helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
    if proc.returncode != 0:
        raise SystemExit(f"{mode} batch failed ({proc.returncode}):\n{err[-3000:]}")
    data = json.loads(report.read_text())
    entries = data["books"]
    chapters = sum(b["chapters"] for b in entries)
    audio = sum(b["duration"] for b in entries)
    idle = wall - data["unit_seconds"] / WORKERS
    return {
        "mode": mode,
        "engine": engine,
        "books": len(entries),
        "chapters": chapters,
        "units": data["units"],
        "sentences": sum(b["sentences"] for b in entries),
        "reused": sum(b["reused"] for b in entries),
        "wall": wall,
        "cpu": cpu,
        "audio_hours": audio / 3600,
        "unit_seconds": data["unit_seconds"],
        "client_seconds": data["client_seconds"],
        "assemble_seconds": data["assemble_seconds"],
        "overhead_per_book": idle / len(entries),
        "overhead_per_chapter": idle / chapters,
        "audio_hours_per_cpu_hour": (audio / 3600) / (cpu / 3600) if cpu else 0.0,
        "audio_hours_per_hour": (audio / 3600) / (wall / 3600),
        "peak_worker_mb": data["peak_worker_rss"] / 1e6,
    }


def table(rows: list[dict]) -> str:
    head = (
        "| engine | mode | books | chapters | audio h | wall s | CPU s | overhead/book s | overhead/chapter s "
        "| client s/book | audio h per CPU-h | audio h per h | peak worker MB |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lines.append(
            f"| {r['engine']} | {r['mode']} | {r['books']} | {r['chapters']} | {r['audio_hours']:.1f} | "
            f"{r['wall']:.0f} | {r['cpu']:.0f} | {r['overhead_per_book']:.2f} | {r['overhead_per_chapter']:.3f} | "
            f"{r['client_seconds'] / r['books']:.2f} | {r['audio_hours_per_cpu_hour']:.1f} | "
            f"{r['audio_hours_per_hour']:.1f} | {r['peak_worker_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--books", type=int, default=1000, help="silent-engine books (default 1000)")
    parser.add_argument("--real", type=int, default=20, help="real-engine books (default 20)")
    parser.add_argument("--modes", default="pool,local,separate")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed)")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    try:
        if args.books:
            silent = work / "silent"
            catalogue.write_catalogue(silent, args.books)
            for mode in modes:
                rows.append(run(mode, silent, work, engine="silent"))
                print(table(rows[-1:]).splitlines()[-1], flush=True)
        if args.real:
            real = work / "real"
            catalogue.write_catalogue(real, args.real, start=args.books + 1)
            for mode in modes:
                rows.append(run(mode, real, work, engine="espeak"))
                print(table(rows[-1:]).splitlines()[-1], flush=True)
            second = work / "real-2"
            catalogue.write_catalogue(second, args.real, start=args.books + 1, edition=2, changed=0.01)
            edition = run(modes[0], second, work, engine="espeak", cache=work / f"cache-{modes[0]}-espeak")
            edition["mode"] += " (2nd edition, 1% changed)"
            rows.append(edition)
            print(table(rows[-1:]).splitlines()[-1], flush=True)
        print()
        print(table(rows))
        base = {r["engine"]: r for r in rows if r["mode"] == modes[0]}
        for r in rows:
            if r["mode"] in ("local", "separate") and r["engine"] in base:
                ratio = r["audio_hours_per_hour"] / base[r["engine"]]["audio_hours_per_hour"]
                print(f"{r['engine']} {r['mode']}: {ratio:.2f}x the one-machine pool's throughput")
        for r in rows:
            if "edition" in r["mode"]:
                print(
                    f"second edition: {r['reused']:,} of {r['sentences']:,} sentences reused "
                    f"({r['reused'] / r['sentences']:.1%})"
                )
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
