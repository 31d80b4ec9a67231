"""Processes a test starts: every one, and every descendant seen, is stopped by its id when the test ends,
and every socket any of them opens is checked to be on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from tests.conftest import ROOT

LOOPBACK = "127.0.0.1"


class Processes:
    def __init__(self) -> None:
        self.roots: list[subprocess.Popen] = []
        self.seen: dict[int, psutil.Process] = {}
        self.addresses: set[tuple[str, str, str]] = set()  # (local ip, remote ip, status) of every socket
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def start(self, argv: list, *, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
        environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        proc = subprocess.Popen([str(a) for a in argv], cwd=ROOT, env=environ, text=True, **popen)
        with self._lock:
            self.roots.append(proc)
            self.seen[proc.pid] = psutil.Process(proc.pid)
        return proc

    def audiobook(self, *args, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
        return self.start([sys.executable, "-m", "pipeline", *args], env=env, **popen)

    def sample(self) -> None:
        """Note every descendant and every socket (IPv4 and IPv6) of every process seen so far."""
        with self._lock:
            for proc in list(self.seen.values()):
                try:
                    for child in proc.children(recursive=True):
                        self.seen.setdefault(child.pid, child)
                    for conn in proc.net_connections(kind="inet"):
                        local = conn.laddr.ip if conn.laddr else ""
                        remote = conn.raddr.ip if conn.raddr else ""
                        self.addresses.add((local, remote, conn.status))
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue

    def _watch(self) -> None:
        for _ in range(20_000):  # at most about an hour at 0.2 s
            if self._stop.wait(0.2):
                return
            self.sample()

    def foreign(self) -> set[tuple[str, str, str]]:
        """Sockets on any address but 127.0.0.1 (listening or connected)."""
        return {a for a in self.addresses if a[0] not in (LOOPBACK, "") or a[1] not in (LOOPBACK, "")}

    def alive(self) -> list[psutil.Process]:
        with self._lock:
            procs = list(self.seen.values())
        return [p for p in procs if _running(p)]

    def stop(self) -> None:
        """Stop every process seen, by its id: SIGTERM, then SIGKILL what is left after 10 s."""
        self._stop.set()
        self._watcher.join(timeout=5)
        self.sample()
        procs = self.alive()
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.terminate()
        _, left = psutil.wait_procs(procs, timeout=10)
        for proc in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(left, timeout=10)
        for root in self.roots:
            for stream in (root.stdout, root.stderr):
                if stream:
                    stream.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                root.wait(timeout=5)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(condition, *, seconds: float, step: float = 0.1, what: str = "the condition"):
    """Poll `condition` until it is true (returned) or `seconds` pass (AssertionError); bounded in count too."""
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds / step) + 1):
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def scheduler(procs: Processes, folder: Path) -> str:
    """A `dask scheduler` on 127.0.0.1 (no dashboard); its address."""
    info = folder / "scheduler.json"
    procs.start(
        [
            sys.executable,
            "-m",
            "dask",
            "scheduler",
            "--host",
            LOOPBACK,
            "--port",
            "0",
            # Not --no-dashboard: with it the scheduler's HTTP routes listen on 0.0.0.0:8787 whatever else is
            # said (the socket check found it). Its HTTP server on loopback; no dashboard without bokeh.
            "--dashboard-address",
            f"{LOOPBACK}:0",
            "--scheduler-file",
            info,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    wait_for(lambda: info.is_file() and info.stat().st_size > 0, seconds=60, what="the scheduler")
    address = wait_for(lambda: _address(info), seconds=10, what="the scheduler's address")
    assert address.startswith(f"tcp://{LOOPBACK}:"), address
    return address


def _address(info: Path) -> str | None:
    import json

    try:
        return json.loads(info.read_text())["address"]
    except (ValueError, KeyError, OSError):
        return None


def worker(
    procs: Processes, address: str, name: str, *, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A `dask worker` (a nanny and its one worker process, one thread) on 127.0.0.1."""
    return procs.start(
        [
            sys.executable,
            "-m",
            "dask",
            "worker",
            address,
            "--host",
            LOOPBACK,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--dashboard-address",  # not --no-dashboard: it leaves the worker's HTTP routes on 0.0.0.0
            f"{LOOPBACK}:0",
            "--name",
            name,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def worker_processes(nanny: subprocess.Popen) -> list[psutil.Process]:
    """The worker processes a `dask worker` nanny runs (its children that are Python, not the forkserver)."""
    try:
        children = psutil.Process(nanny.pid).children()
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if _running(c)]


def encoding_worker(procs: Processes, client: subprocess.Popen) -> psutil.Process | None:
    """A worker of `client`'s batch caught encoding (the parent of an ffmpeg that is not the client's own),
    or None; each look also records the processes, so the test can check none is left behind."""
    procs.sample()
    for p in psutil.Process(client.pid).children(recursive=True):
        try:
            # Encoding AAC, not measuring loudness (a voice's first calibration runs in a process of its own)
            if "ffmpeg" in p.name() and p.ppid() != client.pid and "aac" in p.cmdline():
                return p.parent()
        except psutil.NoSuchProcess:
            continue
    return None
