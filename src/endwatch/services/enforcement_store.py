"""What enforcement and case files need from storage: records and the repository protocol.

The unit of work offers it as `uow.enforcement`. Cases, their findings and recommended actions are
detection's tables; this repository reads and updates them in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class CaseRecord:
    """A case as stored by detection (table `cases`)."""

    id: str
    title: str
    status: str
    opened_on: date
    closed_on: date | None
    consignee_id: str | None
    observed_user_id: str | None
    opened_by: str
    summary: str = ""


@dataclass(frozen=True)
class CaseAction:
    """An action recommended on a case (table `case_actions`)."""

    id: int
    case_id: str
    kind: str  # suspend_permit | hold_application | notify_exporter
    target: str
    reason: str
    status: str  # recommended | applied | dismissed
    decided_at: str | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class EnforcementAction:
    """An applied decision over a scope of permits."""

    id: int | None
    action: str
    scope: dict[str, Any]
    effective_on: date
    reason: str
    reference: str
    decided_by: str
    decided_at: str
    case_id: str | None
    permits: tuple[str, ...]
    applications: tuple[str, ...]


@dataclass(frozen=True)
class OutboxMessage:
    """A notification waiting in (or delivered from) the outbox."""

    id: int | None
    message_id: str
    kind: str
    party_id: str | None
    to_address: str
    subject: str
    body: str
    action_id: int | None
    case_id: str | None
    created_at: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: str = ""
    last_error: str | None = None
    sent_at: str | None = None


@dataclass(frozen=True)
class CaseNote:
    id: int | None
    case_id: str
    text: str
    written_on: date
    written_by: str
    written_at: str


@dataclass(frozen=True)
class EvidenceLink:
    """A stored file attached to a case."""

    case_id: str
    sha256: str
    filename: str
    description: str
    added_by: str
    added_at: str
    size: int


@dataclass(frozen=True)
class Inquiry:
    """A question put to a party about a case, and its answer when it arrives."""

    id: int | None
    case_id: str
    to_party: str
    question: str
    asked_on: date
    asked_by: str
    answer: str | None = None
    answered_on: date | None = None
    answered_by: str | None = None


class EnforcementRepository(Protocol):
    # enforcement actions
    def add_action(self, action: EnforcementAction) -> int: ...
    def actions(self, case_id: str | None = None) -> list[EnforcementAction]: ...
    # contacts and outbox
    def contact(self, party_id: str) -> str | None: ...
    def set_contact(self, party_id: str, email: str) -> None: ...
    def add_message(self, message: OutboxMessage) -> int: ...
    def messages(self, status: str | None = None, case_id: str | None = None) -> list[OutboxMessage]: ...
    def due(self, now: str, limit: int) -> list[OutboxMessage]: ...
    def claim(self, message_id: int, token: str, now: str, until: str) -> bool:
        """Take a due, unclaimed (or lease-expired) pending message for `token`; False if someone else has it."""
    def mark_sent(self, message_id: int, token: str, now: str) -> bool: ...
    def mark_failed(self, message_id: int, token: str, next_attempt_at: str, error: str) -> None: ...
    # cases (detection's tables)
    def case(self, case_id: str) -> CaseRecord | None: ...
    def cases(self) -> list[CaseRecord]: ...
    def add_case(self, case: CaseRecord) -> None: ...
    def close_case(self, case_id: str, closed_on: date) -> None: ...
    def case_ids(self) -> list[str]: ...
    def case_actions(self, case_id: str) -> list[CaseAction]: ...
    def decide_case_action(self, action_id: int, status: str, at: str, by: str) -> None: ...
    def case_findings(self, case_id: str) -> list[dict[str, Any]]:
        """The sightings of a case joined with their findings, as plain dicts."""
    # notes, evidence, inquiries
    def add_note(self, note: CaseNote) -> int: ...
    def notes(self, case_id: str) -> list[CaseNote]: ...
    def file_known(self, sha256: str) -> bool: ...
    def add_file(self, sha256: str, size: int, stored_at: str, stored_by: str) -> None: ...
    def link_file(self, link: EvidenceLink) -> bool:
        """Attach a stored file to a case; False when it was already attached."""
    def evidence(self, case_id: str | None = None) -> list[EvidenceLink]: ...
    def add_inquiry(self, inquiry: Inquiry) -> int: ...
    def inquiry(self, inquiry_id: int) -> Inquiry | None: ...
    def answer_inquiry(self, inquiry_id: int, answer: str, answered_on: date, answered_by: str) -> None: ...
    def inquiries(self, case_id: str) -> list[Inquiry]: ...
    # registry history the timeline needs that the registry repositories do not expose
    def application_history(self, numbers: Sequence[str]) -> list[dict[str, Any]]: ...
