"""The fork pool behind detection's executor port (services.detection.parallel.Parallel): worker processes
forked from this one, sharing its memory (the registry facts, the sightings, millions of folded serials)
instead of copying or sending it. Matching, deciding and computing actions only read; the results come
back to the process that forked, which alone writes."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from multiprocessing.pool import Pool
from typing import Any, Generic, TypeVar

from endwatch.services.uow import UnitOfWork

MAX_WORKERS = 8

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# The state a worker process shares with the run that forked it. Set in each child only, by the pool's
# initializer (with the fork start method the argument is inherited, not pickled); never in the process
# that forks, so nothing of a run outlives its pool there.
_SHARED: Any = None


def _inherit(state: Any) -> None:
    global _SHARED
    _SHARED = state


def _call(work: Callable[[Any, T], R], task: T) -> R:
    """One task, in a worker: `work` on the state the worker inherited."""
    return work(_SHARED, task)


class _Forked(Generic[S]):
    """A started pool: tasks go to the workers, results come back in task order."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    def map(self, work: Callable[[S, T], R], tasks: Sequence[T]) -> Iterator[R]:
        yield from self._pool.imap(partial(_call, work), tasks)


class ForkPool:
    """Worker processes forked from this one, one per CPU (at most `max_workers`), each reading on
    connections of its own through `readers` (db.uow.readers_for_forked_children)."""

    def __init__(self, readers: Callable[[], UnitOfWork], max_workers: int = MAX_WORKERS) -> None:
        self._readers = readers
        self.max_workers = max_workers

    def processes(self) -> int:
        """One per CPU, at most `max_workers`; none with a single CPU or where processes cannot fork."""
        if "fork" not in multiprocessing.get_all_start_methods():
            return 0
        return min(os.cpu_count() or 1, self.max_workers) if (os.cpu_count() or 1) > 1 else 0

    def reader(self) -> UnitOfWork:
        """A read-only unit of work on the calling process's own connections (never an inherited one)."""
        return self._readers()

    @contextmanager
    def start(self, state: S) -> Iterator[_Forked[S]]:
        """Fork the workers, sharing `state` as it is now; they are stopped when the block ends."""
        # Objects alive now are left out of the children's garbage collections: collecting would touch
        # (and so copy) every shared page of the inherited registry and its millions of folded serials.
        gc.freeze()
        pool = multiprocessing.get_context("fork").Pool(self.processes(), initializer=_inherit, initargs=(state,))
        try:
            yield _Forked(pool)
        finally:
            pool.terminate()
            pool.join()
            gc.unfreeze()
