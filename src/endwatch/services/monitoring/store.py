"""What the monitoring area needs from storage: one repository per aggregate, each on the unit of work
(`uow.checks`, `uow.trace_requests`, `uow.partners`)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from endwatch.domain.trace_requests import Attachment, Direction, Status, TraceRequest


class CheckRepository(Protocol):
    """The check programme's rules (versioned by date), checks, their expected and found items, outcomes."""


class TraceRequestRepository(Protocol):
    """Trace requests sent and received, their answers, attachments and deadlines; and the deadline notices
    (reminders, escalations) sent for anything with a due date, each at most once per due date."""

    def next_number(self, year: int) -> int: ...
    def add(self, request: TraceRequest) -> int:
        """Store a new request with its serials; its id."""
    def get(self, reference: str) -> TraceRequest | None: ...
    def find(self, *, direction: Direction | None = None, status: Status | None = None,
             party_id: str | None = None, serial: str | None = None) -> list[TraceRequest]:
        """Requests matching every filter given (a serial by its serial key), newest first."""
    def answer(self, reference: str, text: str, answered_on: date, answered_by: str) -> None: ...
    def close(self, reference: str, closed_on: date, reason: str) -> None: ...
    def feed(self, reference: str, finding: str | None, case_id: str | None) -> None: ...
    def attach(self, request_id: int, attachment: Attachment) -> bool:
        """Link a stored evidence file to a request; False when it was linked already."""
    def notice_sent(self, subject: str, subject_key: str, notice: str, due_on: date) -> bool: ...
    def add_notice(self, subject: str, subject_key: str, notice: str, due_on: date, sent_on: date,
                   message_id: str) -> None: ...
    def notices(self, subject: str | None = None, subject_key: str | None = None) -> list[dict[str, Any]]: ...


class PartnerRepository(Protocol):
    """Partner authorities, their exchange limits and the log of every private-set-intersection exchange."""
