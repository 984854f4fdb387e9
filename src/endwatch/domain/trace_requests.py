"""Trace requests: questions about serials put to others (outgoing: "where did this serial go after delivery?")
or put to the authority (incoming: "is this serial one of yours?"), each with a reply window, a status, an
answer and the finding or case it feeds. Plain records and the rules about them; no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date
from enum import StrEnum

from endwatch.domain.deadlines import standing


class Direction(StrEnum):
    """Whether the authority asks (outgoing) or is asked (incoming)."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"


class Counterpart(StrEnum):
    """Who is on the other side of a request."""

    EXPORTER = "exporter"
    MANUFACTURER = "manufacturer"
    AUTHORITY = "authority"  # another state's export-control authority, a partner
    RESEARCH = "research"  # a research organisation tracing weapons (e.g. a conflict-weapons tracer)


# Whom each direction may involve: the authority asks exporters, manufacturers and other states; it is asked by
# partner authorities and research organisations.
COUNTERPARTS: dict[Direction, tuple[Counterpart, ...]] = {
    Direction.OUTGOING: (Counterpart.EXPORTER, Counterpart.MANUFACTURER, Counterpart.AUTHORITY),
    Direction.INCOMING: (Counterpart.AUTHORITY, Counterpart.RESEARCH),
}
# Counterparts that are parties in the registry (the request names the party; its contact gets the e-mail).
REGISTERED = (Counterpart.EXPORTER, Counterpart.MANUFACTURER)


class Status(StrEnum):
    """A request is open until it is answered once, or closed unanswered (withdrawn, or given up) with a reason."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(frozen=True)
class Attachment:
    """A file attached to a request, kept in the evidence store by its SHA-256."""

    sha256: str
    filename: str
    size: int
    description: str
    added_by: str
    added_at: str


@dataclass(frozen=True)
class TraceRequest:
    """One trace request. `reference` (TR-YYYY-NNNN) is how people and e-mails name it; `due_on` is `opened_on`
    plus the reply window in the authority's time zone (domain/deadlines.py)."""

    id: int | None
    reference: str
    direction: Direction
    counterpart_kind: Counterpart
    counterpart: str  # the name of whoever is asked or asks
    question: str
    serials: tuple[str, ...]
    opened_on: date
    due_on: date
    opened_by: str
    party_id: str | None = None  # an exporter's or manufacturer's party id in the registry
    contact: str | None = None  # an e-mail address (else the party's contact)
    their_reference: str = ""  # the counterpart's own reference, or a partner exchange's
    status: Status = Status.OPEN
    answer: str | None = None
    answered_on: date | None = None
    answered_by: str | None = None
    closed_on: date | None = None
    close_reason: str | None = None
    finding: str | None = None  # the finding (by its sighting id) the request feeds
    case_id: str | None = None  # the case it feeds
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def window_days(self) -> int:
        return (self.due_on - self.opened_on).days

    def standing(self, as_of: date) -> tuple[str, int]:
        """("open" | "due" | "overdue" | "answered on time" | "answered late" | "closed", days) as of a day."""
        if self.status is Status.CLOSED and self.closed_on is not None and self.closed_on <= as_of:
            return "closed", 0
        s = standing(self.due_on, as_of, UTC, self.answered_on)  # days, so the zone plays no part
        return s.state, s.days


def reference_for(year: int, number: int) -> str:
    """A request's reference: TR-<year opened>-<number within that year, four digits at least>."""
    return f"TR-{year}-{number:04d}"
