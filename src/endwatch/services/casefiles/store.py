"""What the casefiles area needs from storage: the case records and one repository for the whole case
aggregate (`uow.cases`): cases, their findings and recommended actions, notes, evidence and inquiries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class CaseRecord:
    """A case as stored (table `cases`): opened by detection on a diversion finding, or by hand."""

    id: str
    title: str
    status: str
    opened_on: date
    closed_on: date | None
    consignee_id: str | None
    observed_user_id: str | None
    opened_by: str
    summary: str = ""
    assigned_to: str | None = None  # the investigator the case is assigned to (a username)


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
    due_on: date | None = None
    reminded_on: date | None = None

    def overdue(self, today: date) -> bool:
        """Unanswered after its due date."""
        return self.answer is None and self.due_on is not None and today > self.due_on


class CasefileRepository(Protocol):
    # cases
    def case(self, case_id: str) -> CaseRecord | None: ...
    def cases(self) -> list[CaseRecord]: ...
    def case_ids(self) -> list[str]: ...
    def next_case_id(self) -> str:
        """The next free id after the highest CASE-nnnn (detection's numbering)."""
    def add_case(self, case: CaseRecord) -> None: ...
    def close_case(self, case_id: str, closed_on: date) -> None: ...
    def reopen_case(self, case_id: str) -> None: ...
    def assign_case(self, case_id: str, username: str | None) -> None: ...
    def open_case_for(self, consignee_id: str | None, observed_user_id: str | None) -> CaseRecord | None:
        """The oldest open case for this consignee and observed user (None matching None)."""
    # findings filed on cases
    def add_case_findings(self, case_id: str, sighting_ids: Sequence[str]) -> None: ...
    def cases_of(self, sighting_ids: Collection[str]) -> dict[str, str]:
        """The case each of these sightings' findings belongs to (sighting id -> case id)."""
    def case_findings(self, case_id: str) -> list[dict[str, Any]]:
        """The sightings of a case joined with their findings, as plain dicts."""
    # recommended actions
    def case_action_keys(self, case_id: str) -> list[tuple[str, str]]:
        """(kind, target) of every action already recorded on a case."""
    def add_case_actions(self, case_id: str, actions: Sequence[tuple[str, str, str]]) -> None:
        """Add (kind, target, reason) actions with status `recommended`."""
    def list_case_actions(self, case_id: str) -> list[dict[str, Any]]: ...
    def case_actions(self, case_id: str) -> list[CaseAction]: ...
    def decide_case_action(self, action_id: int, status: str, at: str, by: str) -> None: ...
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
    def remind_inquiry(self, inquiry_id: int, reminded_on: date) -> None: ...
    def inquiries(self, case_id: str) -> list[Inquiry]: ...
    def inquiries_with_due_date(self) -> list[Inquiry]:
        """Every inquiry with a due date (answered or not), on any case, soonest due first."""
