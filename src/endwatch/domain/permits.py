"""Applications, permits and the permit's status history; whether a permit is in force on a date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from endwatch.errors import RuleViolation


class ApplicationStatus(StrEnum):
    """Where an application stands."""

    RECEIVED = "received"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"

    @property
    def pending(self) -> bool:
        """True while no final decision has been taken."""
        return self in (ApplicationStatus.RECEIVED, ApplicationStatus.ON_HOLD)


@dataclass(frozen=True)
class EndUseUndertaking:
    """The end-use undertaking (end-use certificate) given with an application."""

    end_use: str = ""
    no_reexport: bool = False
    signatory: str | None = None
    signed_on: date | None = None


@dataclass(frozen=True)
class Application:
    """An application for an export permit, as received."""

    number: str
    exporter_id: str
    consignee_id: str
    end_user_id: str
    destination: str
    product_id: str
    quantity: int
    received_on: date
    undertaking: EndUseUndertaking = field(default_factory=EndUseUndertaking)
    value: Decimal | None = None
    currency: str | None = None
    status: ApplicationStatus = ApplicationStatus.RECEIVED
    # Set on a record that predates endwatch (an older registry, the bundled case): where it comes from.
    # Its status was decided outside endwatch: no decision in endwatch stands behind it.
    historical_source: str | None = None


class PermitStatus(StrEnum):
    """Recorded status events. `expired` is never recorded: it follows from the expiry date."""

    ISSUED = "issued"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


class PermitState(StrEnum):
    """Whether a permit allows deliveries on a given day, and if not, why."""

    NOT_YET_ISSUED = "not_yet_issued"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class StatusChange:
    """One event in a permit's status history, effective from `effective_on`."""

    status: PermitStatus
    effective_on: date
    reason: str = ""
    reference: str = ""
    historical_source: str | None = None  # set on an event that predates endwatch: where it comes from


_FINAL = (PermitStatus.REVOKED, PermitStatus.CANCELLED)
_ALLOWED_AFTER: dict[PermitStatus, tuple[PermitStatus, ...]] = {
    PermitStatus.ISSUED: (PermitStatus.SUSPENDED, *_FINAL),
    PermitStatus.REINSTATED: (PermitStatus.SUSPENDED, *_FINAL),
    PermitStatus.SUSPENDED: (PermitStatus.REINSTATED, *_FINAL),
    PermitStatus.REVOKED: (),
    PermitStatus.CANCELLED: (),
}


@dataclass(frozen=True)
class Permit:
    """An export permit: parties, goods, validity and its status history (oldest first).

    `expires_on` is the last day the permit is valid. The policy fields record what it was issued under.
    """

    number: str
    exporter_id: str
    consignee_id: str
    end_user_id: str
    destination: str
    product_id: str
    quantity: int
    issued_on: date
    expires_on: date
    undertaking: EndUseUndertaking = field(default_factory=EndUseUndertaking)
    value: Decimal | None = None
    currency: str | None = None
    application_number: str | None = None
    policy_id: str | None = None
    policy_measure: str | None = None
    exception: str | None = None
    justification: str | None = None
    history: tuple[StatusChange, ...] = ()
    historical_source: str | None = None  # set on a permit issued before endwatch: where it comes from

    def state_on(self, day: date) -> PermitState:
        """The permit's state on `day`, from its dates and the status events effective by then."""
        if day < self.issued_on:
            return PermitState.NOT_YET_ISSUED
        latest = PermitStatus.ISSUED
        for change in self.history:
            if change.effective_on <= day:
                latest = change.status
        if latest in _FINAL:
            return PermitState(latest.value)
        if latest is PermitStatus.SUSPENDED:
            return PermitState.SUSPENDED
        if day > self.expires_on:
            return PermitState.EXPIRED
        return PermitState.IN_FORCE

    def in_force_on(self, day: date) -> bool:
        """True when deliveries are allowed under the permit on `day`."""
        return self.state_on(day) is PermitState.IN_FORCE

    @cached_property
    def simple_validity(self) -> tuple[date, date] | None:
        """(issued_on, expires_on) when those bound every day the permit is in force (no status event but
        issuance); None when suspensions, reinstatements, revocations or cancellations shape it."""
        if all(change.status is PermitStatus.ISSUED for change in self.history):
            return self.issued_on, self.expires_on
        return None

    def latest_status(self) -> PermitStatus:
        """The most recent recorded status event, whatever its date."""
        return self.history[-1].status if self.history else PermitStatus.ISSUED

    def with_history(self, history: Iterable[StatusChange]) -> Permit:
        """A copy with another status history."""
        return replace(self, history=tuple(history))


def check_permit_dates(number: str, issued_on: date, expires_on: date) -> None:
    """A permit must expire on or after the day it is issued."""
    if expires_on < issued_on:
        raise RuleViolation(
            "permit-dates",
            f"expiry {expires_on.isoformat()} is before issue {issued_on.isoformat()}",
            [f"permit {number}"],
        )


def check_history(permit: Permit, changes: Sequence[StatusChange]) -> tuple[StatusChange, ...]:
    """Validate a whole status history (issued first, then the given events) and return it ordered.

    Raises RuleViolation `status-transition` when an event predates the issue date or an earlier event,
    or does not follow from the status before it (a revoked permit cannot be reinstated; only a
    suspended permit can be reinstated; only one in force can be suspended).
    """
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.status is not PermitStatus.ISSUED))
    if not ordered or ordered[0].status is not PermitStatus.ISSUED:
        ordered = [StatusChange(PermitStatus.ISSUED, permit.issued_on, "issued"), *ordered]
    records = [f"permit {permit.number}"]
    if ordered[0].effective_on != permit.issued_on:
        raise RuleViolation(
            "status-transition",
            f"the issue event is dated {ordered[0].effective_on.isoformat()},"
            f" not the issue date {permit.issued_on.isoformat()}",
            records,
        )
    current = ordered[0].status
    for change in ordered[1:]:
        if change.status is PermitStatus.ISSUED:
            raise RuleViolation("status-transition", "a permit is issued only once", records)
        if change.status not in _ALLOWED_AFTER[current]:
            raise RuleViolation(
                "status-transition",
                f"cannot go from {current.value} to {change.status.value}"
                f" on {change.effective_on.isoformat()}",
                records,
            )
        current = change.status
    return tuple(ordered)


def check_new_status(permit: Permit, change: StatusChange) -> tuple[StatusChange, ...]:
    """Validate appending one status event to a permit's history; returns the new history.

    The event may not be dated before the latest recorded one: history is appended, never rewritten.
    """
    if permit.history and change.effective_on < permit.history[-1].effective_on:
        raise RuleViolation(
            "status-transition",
            f"{change.status.value} on {change.effective_on.isoformat()} predates the latest recorded"
            f" event ({permit.history[-1].status.value} on {permit.history[-1].effective_on.isoformat()})",
            [f"permit {permit.number}"],
        )
    return check_history(permit, [*permit.history, change])


# How far ahead a status event may be dated by default (ENDWATCH_MAX_FUTURE_DAYS).
DEFAULT_MAX_FUTURE_DAYS = 366


def check_effective_date(permit: Permit, change: StatusChange, today: date, max_future_days: int | None) -> None:
    """Raise RuleViolation `effective-date` when a status event is dated more than `max_future_days` after
    `today` (None: no horizon, for the confirmation of a proposal already checked), before the permit was
    issued, or after it expired (an expired permit allows no delivery: suspending or revoking it then
    changes nothing)."""
    records = [f"permit {permit.number}"]
    what = f"{change.status.value} on {change.effective_on.isoformat()}"
    if max_future_days is not None and change.effective_on > today + timedelta(days=max_future_days):
        latest = (today + timedelta(days=max_future_days)).isoformat()
        raise RuleViolation("effective-date",
                            f"{what} is more than {max_future_days} days ahead (the latest date allowed today is"
                            f" {latest}; ENDWATCH_MAX_FUTURE_DAYS)", records)
    if change.effective_on < permit.issued_on:
        raise RuleViolation("effective-date",
                            f"{what} is before the permit was issued ({permit.issued_on.isoformat()})", records)
    if change.effective_on > permit.expires_on:
        raise RuleViolation("effective-date",
                            f"{what} is after the permit expired ({permit.expires_on.isoformat()}): an expired permit"
                            " allows no delivery, so the event would change nothing", records)


def scheduled_events(permit: Permit, today: date) -> tuple[StatusChange, ...]:
    """The permit's status events dated after `today`: scheduled, not yet in force (the issue event aside)."""
    return tuple(c for c in permit.history if c.effective_on > today and c.status is not PermitStatus.ISSUED)


def plan_status_change(permit: Permit, change: StatusChange,
                       today: date) -> tuple[tuple[StatusChange, ...], tuple[StatusChange, ...]]:
    """Validate a new status event against the events in force on `today` and the scheduled ones; return
    (the new history, the scheduled events it supersedes).

    The event may not predate the latest event in force (history in force is appended, never rewritten);
    a scheduled event never blocks an earlier-dated one: the scheduled events the new one makes impossible
    (a suspension next month after a revocation today) are superseded, the others kept. RuleViolation
    `status-transition` when the event itself cannot follow what precedes it.
    """
    ahead = scheduled_events(permit, today)
    in_force = [c for c in permit.history if c not in ahead]
    if in_force and change.effective_on < in_force[-1].effective_on and in_force[-1].status is not PermitStatus.ISSUED:
        raise RuleViolation(
            "status-transition",
            f"{change.status.value} on {change.effective_on.isoformat()} predates the latest event in force"
            f" ({in_force[-1].status.value} on {in_force[-1].effective_on.isoformat()})",
            [f"permit {permit.number}"],
        )
    kept = list(in_force)
    superseded: list[StatusChange] = []
    # On the same day a scheduled event comes first: the new one follows it, as it was recorded later.
    for event in sorted([*ahead, change], key=lambda c: (c.effective_on, c is change)):
        try:
            check_history(permit, [*kept, event])
        except RuleViolation:
            if event is change:
                raise
            superseded.append(event)
            continue
        kept.append(event)
    return check_history(permit, kept), tuple(superseded)


def check_decision_date(number: str, on: date, earliest: date, today: date, earliest_is: str = "received") -> None:
    """Raise RuleViolation `decision-date` when a decision on application `number` is dated after `today`
    (a decision is recorded when taken, never ahead) or before `earliest` (the day the application was
    received, or for a countersignature the day of the first signature)."""
    records = [f"application {number}"]
    if on > today:
        raise RuleViolation("decision-date", f"a decision on application {number} dated {on.isoformat()} is in the"
                            f" future (today is {today.isoformat()}); date it the day it is taken", records)
    if on < earliest:
        raise RuleViolation("decision-date", f"a decision on application {number} dated {on.isoformat()} predates"
                            f" the day it was {earliest_is} ({earliest.isoformat()})", records)
