"""The batch's units on a Dask cluster: `--cluster tcp://HOST:PORT` (a running `dask scheduler`) or
`--cluster local:N` (a LocalCluster of N worker processes on this machine, loopback only, no dashboard).

Imported only when --cluster is given; needs the `cluster` extra (`pip install -e '.[cluster]'`).

Dask runs each unit in a worker process (a child of its nanny); the unit synthesizes each sentence in a
child forked from that process, which has loaded the engine but never spoken, as the pool's workers do.
A worker killed mid-unit is replaced by its nanny and the scheduler runs the unit again elsewhere (up to
distributed.scheduler.allowed-failures times). Before any unit is sent, every worker is asked for its
engine identity (the versions and voice every cache key holds), its ffmpeg and whether it can write the
cache; a worker that differs from this client is not given the work, so it cannot put audio of another
eSpeak NG under this engine's keys (and the unit itself refuses if its worker's engine differs).

A Dask worker does not render a unit itself: it hands it to a lean child process of its own (`python -m
pipeline.batch.cluster`, started on first use and kept), which has imported only the audio stage, as a pool
worker has. Rendering in the worker process itself cost about 1.5 times the CPU of a pool worker (measured
on 2 workers: forking each sentence from an 80 MB process with an event loop and Dask's sampling profiler
beside it); the child brings it back to the pool's. Dask's own periodic work is turned down too
(DASK_SETTINGS, for the LocalCluster; `dask_environment()` for workers started by hand).
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import resource
import socket
import struct
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from .. import runner
from ..audio.jobs import EngineSpec
from ..audio.units import Unit, UnitResult
from ..audio.workers import EngineMismatch, engine_for, render_unit
from ..errors import AudiobookError, InputError, MissingDependency
from ..progress import Reporter

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")

# Dask's periodic work in every worker, turned down: its statistical profiler samples every thread's stack
# each 10 ms, the event loop checks its own health each 20 ms and the system monitor reads /proc each 0.5 s.
# On 2 workers rendering eSpeak NG units this was a third of the workers' own CPU. Set for the LocalCluster
# here; for workers started by hand, put `dask_environment()` in their environment (README: "On a real cluster").
DASK_SETTINGS: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.disk": False,
}


def dask_environment() -> dict[str, str]:
    """DASK_SETTINGS as the environment variables Dask reads at start-up (for `dask worker`, `dask scheduler`)."""
    return {
        "DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
        for key, value in DASK_SETTINGS.items()
    }


def _import():
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependency(
            "--cluster needs Dask distributed, which is not installed",
            fix="run `.venv/bin/pip install -e '.[cluster]'`",
        ) from exc
    return distributed


def worker_check(spec: EngineSpec | None, cache_root: str) -> dict[str, Any]:
    """Run on a worker: its engine identity for `spec`, and whether it has ffmpeg and can write the cache."""
    from .. import tools

    answer: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        import dask

        answer["profiling"] = bool(dask.config.get("distributed.worker.profile.enabled", False))
    except ImportError:
        pass
    try:
        answer["ffmpeg"] = str(tools.ffmpeg())
    except AudiobookError as exc:
        answer["problem"] = str(exc)
        return answer
    try:
        Path(cache_root).mkdir(parents=True, exist_ok=True)
        probe = Path(cache_root) / f".tmp-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        answer["problem"] = f"cannot write the cache {cache_root} ({exc.strerror})"
        return answer
    if spec is not None:
        try:
            answer["identity"] = engine_for(spec).identity()
        except AudiobookError as exc:
            answer["problem"] = str(exc)
    return answer


class DaskWorkers:
    """Units submitted to a Dask cluster, each restricted to workers whose engine is this client's."""

    def __init__(self, address: str, *, cache_root: Path, reporter: Reporter) -> None:
        distributed = _import()
        self._distributed = distributed
        self.report = reporter
        self.cache_root = str(cache_root)
        self.cluster = None
        if address.startswith("local:"):
            try:
                count = int(address.removeprefix("local:"))
            except ValueError:
                count = 0
            if count < 1:
                raise InputError(
                    f"--cluster {address}: N must be a whole number of workers",
                    fix="write e.g. --cluster local:2",
                )
            import dask

            with dask.config.set(DASK_SETTINGS):  # the nannies keep it for the workers they restart
                self.cluster = distributed.LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = distributed.Client(self.cluster)
        else:
            if not _ADDRESS.match(address):
                raise InputError(
                    f"--cluster {address!r} is not a scheduler address",
                    fix="write tcp://HOST:PORT (what `dask scheduler` prints), or local:N",
                )
            try:
                self.client = distributed.Client(address, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise AudiobookError(
                    f"cannot reach the Dask scheduler at {address} ({exc})",
                    fix="start it with `dask scheduler`, and check the address and port",
                ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._allowed: dict[tuple[EngineSpec, str], list[str]] = {}
        self.peak_rss = 0

    def _workers_for(self, spec: EngineSpec, identity: str) -> list[str]:
        """The workers whose engine for `spec` is this client's (asked once per engine)."""
        if (spec, identity) not in self._allowed:
            answers = self.client.run(worker_check, spec, self.cache_root, on_error="return")
            allowed, refused, profiling = [], [], []
            for address, answer in answers.items():
                if isinstance(answer, BaseException):
                    refused.append(f"{address}: {answer}")
                elif answer.get("problem"):
                    refused.append(f"{address}: {answer['problem']}")
                elif answer.get("identity") != identity:
                    refused.append(
                        f"{address}: its engine is {answer.get('identity')}, this client's is {identity}"
                    )
                else:
                    allowed.append(address)
                    if answer.get("profiling"):
                        profiling.append(address)
            for line in refused:
                self.report.note(f"not using worker {line}")
            if profiling:
                self.report.note(
                    f"{len(profiling)} of the workers run Dask's sampling profiler, which slows this work: "
                    "start them with " + " ".join(f"{k}={v}" for k, v in dask_environment().items())
                )
            if not allowed:
                raise EngineMismatch(
                    "no worker of the cluster can make this audio: " + "; ".join(refused),
                    fix="install the same audiobook-pipeline, eSpeak NG and ffmpeg on the workers as here "
                    "(`pip install -e '.[cluster]'` from the same checkout), and give them the same cache path",
                )
            self._allowed[spec, identity] = allowed
        return self._allowed[spec, identity]

    def submit(self, unit: Unit, *, priority: int):
        return self.client.submit(
            render_in_child,
            unit,
            priority=priority,
            pure=False,
            workers=self._workers_for(unit.spec, unit.identity),
            allow_other_workers=False,
        )

    def died(self, future) -> bool:
        return False  # the scheduler reruns a dead worker's units itself; KilledWorker means it gave up

    def recover(self, future) -> None:
        pass

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


# --- on a worker: the unit rendered in a lean child process ------------------------------------------------
ATTEMPTS = 2  # a child killed mid-unit: the unit once more in a new child, then the error is the unit's


class ChildDied(AudiobookError):
    """The worker's rendering process ended without answering."""


def _send(stream: BinaryIO, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (size,) = struct.unpack("<Q", head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Child:
    """One rendering process: units in on its stdin, results (or the unit's exception) out on its stdout."""

    def __init__(self) -> None:
        self.proc = runner.start([sys.executable, "-m", __name__], what="starting a rendering process")

    def call(self, unit: Unit) -> tuple[bool, Any]:
        """(True, the unit's result) or (False, the exception the unit raised there)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            _send(self.proc.stdin, unit)
            return _receive(self.proc.stdout)
        except (OSError, EOFError):
            self.proc.wait()
            raise ChildDied(
                f"the rendering process {self.proc.pid} ended (exit {self.proc.returncode}) during a unit"
            ) from None

    def close(self) -> None:
        runner.stop(self.proc)  # it exits when its input ends


_idle: list[_Child] = []
_idle_lock = threading.Lock()


def render_in_child(unit: Unit) -> UnitResult:
    """Run on a Dask worker: render `unit` in one of this worker's rendering processes (one per thread that
    is rendering, kept between units). Memory reported is the worker's plus its child's."""
    with _idle_lock:
        child = _idle.pop() if _idle else None
    for attempt in range(1, ATTEMPTS + 1):
        if child is None or child.proc.poll() is not None:
            child = _Child()
        try:
            ok, value = child.call(unit)
            break
        except ChildDied:
            child = None
            if attempt == ATTEMPTS:
                raise
            log.warning("a rendering process died during a unit; running the unit again in a new one")
        except BaseException:  # between a question and its answer: this child cannot be asked again
            child.proc.kill()
            child.close()
            raise
    with _idle_lock:
        _idle.append(child)  # it answered, so it is ready for the next unit
    if not ok:
        raise value
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return replace(value, peak_rss=value.peak_rss + own)


def _serve() -> None:
    """The rendering process: answer units until the input ends. Its stdout is the channel, so everything
    else that would write there (a library, a child process) is pointed at stderr."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch's client handles Ctrl-C
    channel_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    channel_in = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    while True:  # until the worker closes our input (or dies)
        try:
            unit = _receive(channel_in)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, render_unit(unit))
        except BaseException as exc:  # the unit's error goes back to the worker, which raises it
            answer = (False, exc)
        try:
            try:
                _send(channel_out, answer)
            except (pickle.PicklingError, TypeError, AttributeError):
                _send(channel_out, (False, AudiobookError(f"{type(answer[1]).__name__}: {answer[1]}")))
        except OSError:  # the worker is gone (killed mid-unit): what the unit made is in the cache
            return


if __name__ == "__main__":
    _serve()
