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
"""

from __future__ import annotations

import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

from ..audio.jobs import EngineSpec
from ..audio.units import Unit
from ..audio.workers import EngineMismatch, engine_for, render_unit
from ..errors import AudiobookError, InputError, MissingDependency
from ..progress import Reporter

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")


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
            allowed, refused = [], []
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
            for line in refused:
                self.report.note(f"not using worker {line}")
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
            render_unit,
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
