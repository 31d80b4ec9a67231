"""Where a batch's units run on this machine: a pool of worker processes, each rendering any book's units.

The other place is a Dask cluster (`cluster.DaskWorkers`); both answer submit, died, recover and close.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..audio.units import Unit
from ..audio.workers import init_pool_worker, our_environment, pool_context, render_unit


class LocalWorkers:
    """A pool of worker processes on this machine (forkserver: each starts clean, not as a copy of this one)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.generation = 0
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=pool_context(),
            initializer=init_pool_worker,
            initargs=(our_environment(),),
        )

    def submit(self, unit: Unit, *, priority: int):
        try:
            future = self._pool.submit(render_unit, unit)
        except BrokenProcessPool:  # a worker died since the last result was read: a new pool, now
            self._restart()
            future = self._pool.submit(render_unit, unit)
        future.generation = self.generation  # type: ignore[attr-defined]
        return future

    def died(self, future) -> bool:
        """Whether the future failed because its worker process died (and so may be run again)."""
        try:
            return isinstance(future.exception(timeout=0), BrokenProcessPool)
        except Exception:
            return False

    def recover(self, future) -> None:
        """A worker died, which breaks the whole pool: start a new one (once per breakage)."""
        if getattr(future, "generation", -1) == self.generation:
            self._restart()

    def _restart(self) -> None:
        # Not cancel_futures: a broken pool fails each of its futures, and each failed unit is run again;
        # a cancelled one would be lost.
        self._pool.shutdown(wait=False)
        self.generation += 1
        self._pool = self._new()

    def check(self, unit: Unit) -> list[str]:
        return []

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
