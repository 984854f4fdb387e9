"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import sqlalchemy as sa

from endwatch.db.accounts.repository import SqlAccountRepository
from endwatch.db.assessment.repository import SqlAssessmentRepository
from endwatch.db.audit.repository import SqlAuditRepository
from endwatch.db.casefiles.repository import SqlCasefileRepository
from endwatch.db.detection.repository import SqlDetectionRepository
from endwatch.db.enforcement.proposals import SqlProposalRepository
from endwatch.db.enforcement.repository import SqlEnforcementRepository
from endwatch.db.engine import make_engine
from endwatch.db.errors import translate
from endwatch.db.monitoring.checks import SqlCheckRepository
from endwatch.db.monitoring.partners import SqlPartnerRepository
from endwatch.db.monitoring.requests import SqlTraceRequestRepository
from endwatch.db.registry.deliveries import SqlDeliveryRepository
from endwatch.db.registry.repositories import (
    SqlApplicationRepository,
    SqlPartyRepository,
    SqlPermitRepository,
    SqlPolicyRepository,
    SqlProductRepository,
)
from endwatch.db.reporting.lists import SqlListRepository
from endwatch.db.reporting.party_records import SqlPartyRecordRepository
from endwatch.db.reporting.search import SqlSearchRepository
from endwatch.db.system.repository import SqlSystemRepository

# Each repository a unit of work offers, by attribute name. Other areas add their line here.
REPOSITORIES: dict[str, Callable[[sa.Connection], object]] = {
    "parties": SqlPartyRepository,
    "products": SqlProductRepository,
    "policies": SqlPolicyRepository,
    "applications": SqlApplicationRepository,
    "permits": SqlPermitRepository,
    "deliveries": SqlDeliveryRepository,
    "audit": SqlAuditRepository,
    "cases": SqlCasefileRepository,
    "accounts": SqlAccountRepository,
    "detection": SqlDetectionRepository,
    "enforcement": SqlEnforcementRepository,
    "assessment": SqlAssessmentRepository,
    "proposals": SqlProposalRepository,
    "system": SqlSystemRepository,
    "lists": SqlListRepository,
    "search": SqlSearchRepository,
    "party_records": SqlPartyRecordRepository,
    "checks": SqlCheckRepository,
    "trace_requests": SqlTraceRequestRepository,
    "partners": SqlPartnerRepository,
}


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def readers_for_forked_children(url: str, clock: Callable[[], datetime] = utc_now) -> Callable[[], SqlUnitOfWork]:
    """A factory of read-only units of work for processes forked from this one (detection's workers).

    Each process gets an engine of its own, made on its first call. A child must never use, or even
    close, a connection it inherited: a closed SQLite connection may checkpoint the parent's WAL, and a
    shared PostgreSQL socket mixes two conversations. The inherited ones are left untouched.
    """
    engines: dict[int, sa.Engine] = {}

    def reader() -> SqlUnitOfWork:
        pid = os.getpid()
        if pid not in engines:
            engines[pid] = make_engine(url)
        return SqlUnitOfWork(engines[pid], clock, readonly=True)

    return reader


class SqlUnitOfWork:
    """A transaction on `engine`. Entering begins it; commit() makes it durable; leaving without
    commit() (or on an exception) rolls everything back, so a failure midway writes nothing.

    A writing unit of work holds the database's write lock from its first statement (see
    db.engine.make_engine); after commit() the next statement begins a new transaction, taking it again.
    A read-only one sees one snapshot for its whole transaction (REPEATABLE READ on PostgreSQL; SQLite's
    deferred transaction), so that what it reads in several statements fits together.
    Database errors leave it as the EndwatchError they mean (db.errors.translate): Busy when the lock
    could not be had in time, RuleViolation for a key another writer took first, InvalidInput for a value
    the database cannot hold.
    """

    audit: SqlAuditRepository

    def __init__(
        self, engine: sa.Engine, clock: Callable[[], datetime] = utc_now, *, readonly: bool = False
    ) -> None:
        self.engine = engine
        self._clock = clock
        self.readonly = readonly
        self.conn: sa.Connection | None = None

    def __enter__(self) -> Self:
        self.conn = self.engine.connect()
        if self.readonly:
            self.conn.execution_options(endwatch_readonly=True)
            if self._ends_with_commit():
                # BEGIN READ ONLY: no write can slip in; one snapshot for every statement.
                self.conn.execution_options(postgresql_readonly=True, isolation_level="REPEATABLE READ")
        try:
            self.conn.begin()
        except sa.exc.DBAPIError as exc:
            self.conn.close()
            self.conn = None
            meant = translate(exc)
            if meant is None:
                raise
            raise meant from exc
        for name, make in REPOSITORIES.items():
            setattr(self, name, make(self.conn))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.conn is not None
        try:
            if self.conn.in_transaction():
                if exc_type is None and self._ends_with_commit():
                    self.conn.commit()  # it wrote nothing: the same as a rollback, for the database
                else:
                    self.conn.rollback()
        finally:
            self.conn.close()
            self.conn = None
        meant = translate(exc) if exc is not None else None
        if meant is not None:
            raise meant from exc

    def _ends_with_commit(self) -> bool:
        # A read-only transaction on PostgreSQL ends with COMMIT: the driver (psycopg) forgets every
        # prepared statement on ROLLBACK, so readers ending with one had every statement planned anew.
        return self.readonly and self.engine.dialect.name == "postgresql"

    def now(self) -> datetime:
        return self._clock()

    def commit(self) -> None:
        # The next statement, if any, begins the next transaction (and a writer waits for the lock then,
        # not here: a commit that succeeded never reports that the lock was busy).
        assert self.conn is not None, "commit() outside the unit of work's block"
        try:
            self.conn.commit()
        except sa.exc.DBAPIError as exc:
            meant = translate(exc)
            if meant is None:
                raise
            raise meant from exc
        finally:
            self._transaction_ended()

    def rollback(self) -> None:
        assert self.conn is not None
        self.conn.rollback()
        self._transaction_ended()

    def _transaction_ended(self) -> None:
        # The audit head was read for the transaction that ended; the next one reads it again.
        self.audit.forget_head()
