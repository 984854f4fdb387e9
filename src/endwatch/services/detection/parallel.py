"""The executor port large detection runs spread their read-only work over, and its in-process implementation.

bootstrap chooses the port's implementation (runtime/forkpool.py forks worker processes). A run starts the
workers once and gives them two jobs in turn, deciding sightings and computing cases' actions; it takes the
results in task order and alone writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Generic, Protocol, TypeVar

from endwatch.services.uow import UnitOfWork

S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)
T = TypeVar("T")
R = TypeVar("R")


class Workers(Protocol[S_co]):
    """Started workers sharing one state."""

    def map(self, work: Callable[[S_co, T], R], tasks: Sequence[T]) -> Iterator[R]:
        """`work(state, task)` for every task, in the workers; the results in task order."""
        ...


class Parallel(Protocol):
    """How a run spreads read-only work: chosen in bootstrap, never by the use case."""

    def processes(self) -> int:
        """How many worker processes `start` runs; 0 when it can run none here (the run then stays in-process)."""
        ...

    def reader(self) -> AbstractContextManager[UnitOfWork]:
        """A read-only unit of work for the worker that calls it, on connections of its own."""
        ...

    def start(self, state: S) -> AbstractContextManager[Workers[S]]:
        """Workers sharing `state` as it is now (inherited, not copied or sent: load what they need first)."""
        ...


class _Here(Generic[S]):
    """Work done in this process, task after task, as the results are taken."""

    def __init__(self, state: S) -> None:
        self.state = state

    def map(self, work: Callable[[S, T], R], tasks: Sequence[T]) -> Iterator[R]:
        return (work(self.state, task) for task in tasks)


class InProcess:
    """The port without worker processes, for small runs: every task runs in the run's own process and
    transaction, one after another."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def processes(self) -> int:
        return 0

    def reader(self) -> AbstractContextManager[UnitOfWork]:
        """The run's own open unit of work, lent: entering and leaving it change nothing."""
        return nullcontext(self._uow)

    @contextmanager
    def start(self, state: S) -> Iterator[Workers[S]]:
        yield _Here(state)
