"""What the monitoring area needs from storage: one repository per aggregate, each on the unit of work
(`uow.checks`, `uow.trace_requests`, `uow.partners`)."""

from __future__ import annotations

from typing import Protocol


class CheckRepository(Protocol):
    """The check programme's rules (versioned by date), checks, their expected and found items, outcomes."""


class TraceRequestRepository(Protocol):
    """Trace requests sent and received, their answers, attachments and deadlines."""


class PartnerRepository(Protocol):
    """Partner authorities, their exchange limits and the log of every private-set-intersection exchange."""
