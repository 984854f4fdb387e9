"""What the services need from storage: a unit of work holding one repository per aggregate.

Each area declares its repositories in its own store.py; the unit of work gathers them in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from endwatch.services.accounts.store import AccountRepository
from endwatch.services.assessment.store import AssessmentRepository
from endwatch.services.audit.store import AuditRepository
from endwatch.services.casefiles.store import CasefileRepository
from endwatch.services.detection.store import DetectionRepository
from endwatch.services.enforcement.store import EnforcementRepository, ProposalRepository
from endwatch.services.monitoring.store import CheckRepository, PartnerRepository, TraceRequestRepository
from endwatch.services.registry.store import (
    ApplicationRepository,
    DeliveryRepository,
    PartyRepository,
    PermitRepository,
    PolicyRepository,
    ProductRepository,
)
from endwatch.services.reporting.store import ListRepository, PartyRecordRepository, SearchRepository
from endwatch.services.system.store import SystemRepository


class UnitOfWork(Protocol):
    """One transaction over every repository. Leaving the block without commit() rolls back."""

    parties: PartyRepository
    products: ProductRepository
    policies: PolicyRepository
    applications: ApplicationRepository
    permits: PermitRepository
    deliveries: DeliveryRepository
    audit: AuditRepository
    cases: CasefileRepository
    enforcement: EnforcementRepository
    accounts: AccountRepository
    detection: DetectionRepository
    assessment: AssessmentRepository
    proposals: ProposalRepository
    system: SystemRepository
    lists: ListRepository
    search: SearchRepository
    party_records: PartyRecordRepository
    checks: CheckRepository
    trace_requests: TraceRequestRepository
    partners: PartnerRepository

    def now(self) -> datetime: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class Database(Protocol):
    """Where units of work come from (bootstrap.Endwatch is one): long jobs plan on a reader and write
    through a writer, so that they hold the write lock only while they write."""

    def uow(self) -> UnitOfWork:
        """A unit of work that may write; it holds the database's write lock from its first statement."""
    def reader(self) -> UnitOfWork:
        """A unit of work that only reads, one snapshot throughout; it never waits for writers."""
