"""What the monitoring area needs from storage: one repository per aggregate, each on the unit of work
(`uow.checks`, `uow.trace_requests`, `uow.partners`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from endwatch.domain.risk.model import CheckRecord
from endwatch.domain.trace_requests import Attachment, Direction, Status, TraceRequest
from endwatch.services.detection.store import Candidate


@dataclass(frozen=True)
class AnswerPolicyVersion:
    """A version of the policy on overdue answers: from `effective_from`, whether answers given late or never
    count against the party in assessments; who set it, when and why."""

    effective_from: date
    counts: bool
    set_by: str
    set_at: str
    reason: str = ""


@dataclass(frozen=True)
class ProgrammeVersion:
    """A version of the check programme as stored: its file form (`body`), who set it and when."""

    id: int | None
    effective_from: date
    body: dict[str, Any]
    set_by: str
    set_at: str
    reason: str = ""


@dataclass(frozen=True)
class PermitFacts:
    """What the plan needs of one permit with items delivered (or none), as of a date, read in one query.

    `done` is the latest check done on the permit by kind; `unchecked_items` and `first_unchecked` count the
    items delivered after the latest inventory (all of them when there was none)."""

    number: str
    application_number: str | None
    exporter_id: str
    end_user_id: str
    destination: str
    product_id: str
    designated: bool
    issued_on: date
    expires_on: date
    items: int
    first_delivered: date | None
    last_delivered: date | None
    unchecked_items: int
    first_unchecked: date | None
    done: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemFacts:
    """A permit's items delivered by a day: how many, the first and last delivery, and those after its latest
    inventory (all of them when there was none)."""

    items: int
    first_delivered: date | None
    last_delivered: date | None
    unchecked_items: int
    first_unchecked: date | None


@dataclass(frozen=True)
class ApplicationFacts:
    """A pending application as of a date, for pre-licence checks."""

    number: str
    exporter_id: str
    end_user_id: str
    destination: str
    product_id: str
    designated: bool
    received_on: date
    quantity: int
    done: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class FoundItem:
    """A serial a check found: the model marked, where, with whom (a party id, or a name), in what condition,
    and how it was recorded (typed, file, sighting)."""

    serial: str
    model: str = ""
    place: str = ""
    user_id: str | None = None
    user_name: str = ""
    condition: str = ""
    source: str = "typed"
    sighting_number: str | None = None


@dataclass(frozen=True)
class Check:
    """A check: its kind, what it covers (permits, or applications before a licence), who checks, where,
    when it is planned and done, its grade as a source, and its outcome once recorded."""

    id: int | None
    kind: str
    subjects: tuple[tuple[str, str], ...]  # (permit | application, number)
    planned_on: date
    inspector: str
    place: str = ""
    by_authority: bool = True
    reliability: str = "A"
    credibility: str = "1"
    done_on: date | None = None
    outcome: str | None = None  # favourable | unfavourable
    reasons: str = ""
    created_by: str = ""
    created_at: str = ""

    @property
    def permits(self) -> tuple[str, ...]:
        return tuple(k for kind, k in self.subjects if kind == "permit")


@dataclass(frozen=True)
class SeriesDay:
    """A day's figures of the plan as recorded in the series (`endwatch checks record`): the designated items
    delivered by the day, those whose inventory was overdue, and overdue checks by age (plan.AGES, in order)."""

    day: date
    designated_items: int
    designated_items_overdue: int
    overdue_by_age: tuple[int, ...]
    recorded_by: str = ""
    recorded_at: str = ""

    @property
    def overdue_share(self) -> float | None:
        """The share of designated items whose inventory is overdue (None when there are none)."""
        return self.designated_items_overdue / self.designated_items if self.designated_items else None


class CheckRepository(Protocol):
    """The check programme's rules (versioned by date), checks, their expected and found items, outcomes."""

    def save_programme(self, version: ProgrammeVersion) -> int:
        """Store a version (replacing one with the same effective date); its id."""
        ...

    def programme_on(self, on: date) -> ProgrammeVersion | None:
        """The version in force on `on`: the latest effective on or before it."""
        ...

    def programme_on_exact(self, effective_from: date) -> ProgrammeVersion | None: ...
    def programme_versions(self) -> list[ProgrammeVersion]: ...

    def permit_facts(self, as_of: date) -> list[PermitFacts]:
        """Every permit issued by `as_of`, with the latest check of each kind done on it; its items are not read
        (zero and None here: `item_facts` reads them)."""
        ...

    def item_facts(self, numbers: Collection[str] | None, as_of: date) -> dict[str, ItemFacts]:
        """The delivered items of these permits (None: of every permit), aggregated in SQL; permits with none
        delivered by `as_of` are absent."""
        ...

    def pending_applications(self, as_of: date) -> list[ApplicationFacts]:
        """Applications received by `as_of` and not decided (approved, denied, withdrawn) by then."""
        ...

    def add_check(self, check: Check) -> int: ...
    def get_check(self, check_id: int) -> Check | None: ...
    def list_checks(self, exporter_id: str | None = None) -> list[Check]:
        """Every check, latest first; with `exporter_id`, only those on that exporter's permits or applications."""
        ...

    def record_result(self, check_id: int, done_on: date, outcome: str, reasons: str, items: list[FoundItem]) -> None:
        """Record a check's result and the items it found (replacing any found before)."""
        ...

    def found_items(self, check_id: int) -> list[FoundItem]: ...
    def expected_items(self, permits: list[str], on: date) -> list[Candidate]:
        """The items delivered under these permits on or before `on`, as detection's candidates."""
        ...

    def add_photo(self, check_id: int, sha256: str, filename: str, added_by: str) -> None: ...
    def photos(self, check_id: int) -> list[tuple[str, str]]: ...

    def outcomes(self) -> list[CheckRecord]:
        """Every check done with its outcome, with the end users, consignees and destinations of its permits."""
        ...

    def product_categories(self) -> dict[str, tuple[str, ...]]:
        """Each product's control-list entries."""
        ...

    def save_series_day(self, figures: SeriesDay) -> None:
        """Store a day's figures, replacing any recorded for that day."""
        ...

    def late_checks(self, brackets: Collection[tuple[date | None, date]],
                    exporter_id: str | None = None) -> list[int]:
        """How many checks not recorded done were planned within each (first, last) range of days (first None:
        no lower bound), on one exporter's permits and applications or all."""
        ...
    def series_day(self, day: date) -> SeriesDay | None: ...
    def series(self, start: date, end: date) -> list[SeriesDay]:
        """The days recorded from `start` to `end` (both included), earliest first."""
        ...


class TraceRequestRepository(Protocol):
    """Trace requests sent and received, their answers, attachments and deadlines; and the deadline notices
    (reminders, escalations) sent for anything with a due date, each at most once per due date."""

    def next_number(self, year: int) -> int: ...
    def add(self, request: TraceRequest) -> int:
        """Store a new request with its serials; its id."""
    def get(self, reference: str) -> TraceRequest | None: ...
    def find(self, *, direction: Direction | None = None, status: Status | None = None,
             party_id: str | None = None, serial: str | None = None,
             case_id: str | None = None) -> list[TraceRequest]:
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
    def answer_policies(self) -> list[AnswerPolicyVersion]:
        """Every version of the policy on overdue answers, earliest effective first."""
        ...
    def save_answer_policy(self, version: AnswerPolicyVersion) -> None:
        """Store a version (replacing the one with the same effective date)."""
        ...


@dataclass(frozen=True)
class Partner:
    """A partner authority we compare serials with; its own limits, or None for the settings' defaults."""

    id: str
    name: str
    added_at: str
    added_by: str
    max_items: int | None = None
    max_exchanges: int | None = None


@dataclass(frozen=True)
class Exchange:
    """One private-set-intersection exchange with a partner, from our side: we initiated it (`initiator`)
    or answered it (`responder`); `requested` -> `finished` for the initiator, `answered` -> `finished` for
    the responder. `sent`/`received` count blinded items; `check_digest` binds the files of later steps to
    what this side sent; `key_fingerprint` tells the right key file from a wrong one (never the key)."""

    id: str
    partner_id: str
    role: str
    status: str
    started_at: str
    started_by: str
    key_fingerprint: str
    check_digest: str
    sent: int
    received: int | None = None
    finished_at: str | None = None
    finished_by: str | None = None
    matched: int | None = None


@dataclass(frozen=True)
class PartnerMatch:
    """One of our delivered items the partner also holds, at the best tier it matched, and the reference of
    the trace request opened for it."""

    exchange_id: str
    delivery_id: int
    tier: str
    reference: str
    serial: str = ""
    permit_number: str = ""


class PartnerRepository(Protocol):
    """Partner authorities, their exchange limits and the log of every private-set-intersection exchange."""

    def add_partner(self, partner: Partner) -> None: ...
    def partner(self, partner_id: str) -> Partner | None: ...
    def partners(self) -> list[Partner]: ...
    def add_exchange(self, exchange: Exchange) -> None: ...
    def exchange(self, exchange_id: str) -> Exchange | None: ...
    def exchanges(self, partner_id: str | None = None) -> list[Exchange]: ...
    def exchanges_started_since(self, partner_id: str, since: str) -> int:
        """How many exchanges with the partner (either role) started at or after `since` (ISO 8601, UTC)."""
    def finish_exchange(self, exchange_id: str, *, finished_at: str, finished_by: str, matched: int,
                        received: int | None) -> None: ...
    def add_matches(self, matches: Sequence[PartnerMatch]) -> None: ...
    def matches(self, exchange_id: str) -> list[PartnerMatch]: ...
    def delivered_serials(self) -> list[tuple[int, str, str]]:
        """(delivery id, serial key, serial as recorded) of every delivered item: the set compared with partners."""
