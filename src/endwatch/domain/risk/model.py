"""The records an assessment is built from and the records it produces.

Every piece of evidence carries the date it became known, so that an assessment as of a date uses
only what was known then (`World.known_by`). Standard library only; no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cached_property

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import Application, EndUseUndertaking, Permit
from endwatch.domain.policy import Policy
from endwatch.domain.products import Product


class Severity(StrEnum):
    """How much an indicator weighs, from nothing found to a reason to deny on its own."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return ("none", "low", "medium", "high", "critical").index(self.value)


class Role(StrEnum):
    """The part a state (or party) plays in an armed conflict, as UCDP/PRIO records it."""

    LOCATION = "location"  # the conflict is fought on its territory
    PRIMARY = "primary"  # a primary party (side A or B)
    SECONDARY = "secondary"  # a secondary supporter of a side (troops in combat, not only money or arms)
    MISSION = "mission"  # a peace or training mission: present, but not a party to the conflict


@dataclass(frozen=True)
class ConflictRole:
    """One role in a conflict: who (an ISO or documented code, or a registered party), which role, which side."""

    role: Role
    country: str | None = None
    side: str = ""  # A or B, blank for the location
    actor: str = ""  # the actor's name as the source writes it, e.g. "Government of Turkey"
    party_id: str | None = None


@dataclass(frozen=True)
class Conflict:
    """An armed conflict (or one year of it): the states (and registered parties) involved and its period.

    `intensity` is UCDP's: 1 a minor conflict (25-999 battle-related deaths a year), 2 a war (1,000 or
    more); None when the source does not say (weighed as a war). Without `roles` every country and
    party listed is a primary party. `series` groups the years of one conflict (one citation each);
    `known_on` is when the evidence became known (a dataset's release, a report's date): the conflict
    counts from the later of that and its first day.
    """

    id: str
    name: str
    countries: tuple[str, ...]
    started_on: date
    ended_on: date | None = None
    party_ids: tuple[str, ...] = ()
    source: str = ""
    intensity: int | None = None
    roles: tuple[ConflictRole, ...] = ()
    known_on: date | None = None
    series: str = ""
    kind: str = ""

    def active_on(self, day: date) -> bool:
        """True while hostilities are under way on `day`."""
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    @property
    def war(self) -> bool:
        """A war (intensity 2), or a conflict whose intensity the source does not give."""
        return self.intensity is None or self.intensity >= 2

    @property
    def series_id(self) -> str:
        """The conflict this record belongs to (its own id when it is not one year of a longer one)."""
        return self.series or self.id

    @property
    def visible_on(self) -> date:
        """The first day an assessment may see this conflict: its first day, or later if known later."""
        return max(self.started_on, self.known_on) if self.known_on else self.started_on

    def all_roles(self) -> tuple[ConflictRole, ...]:
        """The roles recorded, or (for a conflict recorded without roles) every country and party as primary."""
        if self.roles:
            return self.roles
        return (*(ConflictRole(Role.PRIMARY, country=c) for c in self.countries),
                *(ConflictRole(Role.PRIMARY, party_id=p) for p in self.party_ids))


@dataclass(frozen=True)
class TransferReport:
    """An onward or third-party transfer reported in a public register or the press.

    `supplier_id` is a registered party (None when the register names only a state: `supplier_country`).
    `reported_on` is when it became known. A register's entry (`reference`, e.g. `sipri:...`) also carries the
    deal: designation and description, manufacturer (apart from the supplier state), numbers ordered and
    delivered (None: the source does not say; 0 is a number), order year, delivery years, which of those
    the source marks uncertain, second-hand and licensed production, the source's comments.
    """

    supplier_id: str | None
    recipient_country: str
    item: str
    reported_on: date
    source: str = ""
    recipient_id: str | None = None
    reference: str = ""
    supplier_country: str | None = None
    recipient_name: str = ""
    recipient_kind: str = ""  # state | former state | international organisation | non-state armed group | unknown
    designation: str = ""
    description: str = ""
    manufacturer: str = ""
    ordered: int | None = None
    delivered: int | None = None
    order_year: int | None = None
    delivery_years: tuple[int, ...] = ()
    uncertain: tuple[str, ...] = ()
    second_hand: bool = False
    licensed_production: bool = False
    comments: str = ""

    @property
    def key(self) -> str:
        """Its identity: the source reference, else supplier, recipient and report date."""
        return self.reference or f"{self.supplier_id}->{self.recipient_country}:{self.reported_on.isoformat()}"

    @property
    def latest_year(self) -> int | None:
        """The last year the deal is known to have moved (order or delivery), None when not given."""
        years = [*self.delivery_years, *([self.order_year] if self.order_year else [])]
        return max(years) if years else None


@dataclass(frozen=True)
class ScreeningHit:
    """A registered party whose name matched an entity of a restricted-party list."""

    party_id: str
    party_name: str
    entity_id: str
    entity_schema: str
    entity_caption: str
    matched_name: str
    score: float
    dataset: str
    listed_on: date
    how: str = ""  # how the names matched ("the same name", "a spelling variant", "word set", "an acronym")
    parts: str = ""  # the parts of the score, in words and points
    # Whether the hit is strong enough to be treated as the listed entity itself, by the authority's
    # setting when it was screened (ENDWATCH_SCREENING_STRONG); None (hits stored before the setting):
    # the default score, STRONG_HIT.
    strong: bool | None = None
    ended_on: date | None = None  # the entity was delisted that day (its list dropped it or was removed)
    programme: str = ""  # the sanctions programmes listing the entity
    authority: str = ""  # the authorities listing it
    review: str = ""  # "confirmed" or "dismissed" by an officer's review in force (for this entity and party)
    review_note: str = ""  # who reviewed it, when, and why
    # Every interval the entity was listed (by any list), from its first day until the day it ended (None:
    # listed); empty for hits stored before listing history: then listed_on to ended_on.
    listings: tuple[tuple[date, date | None], ...] = ()

    def listed_at(self, day: date) -> bool:
        """Whether the entity was listed on `day`: from a listing's first day until the day before it ended."""
        spans = self.listings or ((self.listed_on, self.ended_on),)
        return any(start <= day and (end is None or day < end) for start, end in spans)

    @property
    def dismissed(self) -> bool:
        """Dismissed by a review in force: not counted by the screening indicator."""
        return self.review == "dismissed"

    @property
    def is_strong(self) -> bool:
        """Treated as the listed entity itself (the authority's strong-hit score, or the default)."""
        return self.strong if self.strong is not None else self.score >= STRONG_HIT


STRONG_HIT = 95.0  # the default strong-hit score (setting ENDWATCH_SCREENING_STRONG)


@dataclass(frozen=True)
class FindingRecord:
    """A detection finding, as far as an assessment needs it (see the detection area)."""

    sighting_id: str
    verdict: str
    observed_on: date
    known_on: date
    confidence: str | None = None
    permit_number: str | None = None
    observed_user_id: str | None = None
    observed_country: str | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """A question put to a party with a due day (a trace request or a case inquiry) and when, if ever, it was
    answered or closed unanswered: what the overdue-answers indicator reads (risk/answers.py)."""

    party_id: str
    kind: str  # "trace request" | "inquiry"
    key: str
    asked_on: date
    due_on: date
    answered_on: date | None = None
    closed_on: date | None = None


@dataclass(frozen=True)
class CheckRecord:
    """An end-use check done, as far as an assessment needs it (see the monitoring area): its outcome, and the
    end users, consignees and destinations of the permits it covered. Known from the day it was done."""

    check_id: int
    kind: str
    done_on: date
    outcome: str  # favourable | unfavourable
    reasons: str
    permit_numbers: tuple[str, ...] = ()
    end_user_ids: tuple[str, ...] = ()
    consignee_ids: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subject:
    """What is assessed: an application, or a permit (assessed on its own terms).

    `exception` is the named policy exception relied on (from the permit, or claimed at decision).
    """

    kind: str  # application | permit
    key: str
    exporter_id: str
    consignee_id: str
    end_user_id: str
    destination: str
    product_id: str
    quantity: int
    dated: date
    undertaking: EndUseUndertaking
    application_number: str | None = None
    permit_number: str | None = None
    exception: str | None = None
    justification: str | None = None

    @classmethod
    def of_application(cls, app: Application, exception: str | None = None,
                       justification: str | None = None, permit_number: str | None = None) -> Subject:
        """The subject for an application (optionally with the exception its permit relied on)."""
        return cls("application", app.number, app.exporter_id, app.consignee_id, app.end_user_id,
                   app.destination, app.product_id, app.quantity, app.received_on, app.undertaking,
                   app.number, permit_number, exception or None, justification or None)

    @classmethod
    def of_permit(cls, permit: Permit) -> Subject:
        """The subject for a permit, with the exception it was issued under."""
        return cls("permit", permit.number, permit.exporter_id, permit.consignee_id, permit.end_user_id,
                   permit.destination, permit.product_id, permit.quantity, permit.issued_on, permit.undertaking,
                   permit.application_number, permit.number, permit.exception, permit.justification)


def _permit_known_by(permit: Permit, as_of: date) -> Permit:
    """The permit with only the status events effective by `as_of` (the same object when nothing is later)."""
    if all(c.effective_on <= as_of for c in permit.history):
        return permit
    return permit.with_history(c for c in permit.history if c.effective_on <= as_of)


def _transfer_known_by(t: TransferReport, as_of: date) -> TransferReport:
    """The transfer without the deliveries of years after `as_of` (their number per year is not given)."""
    if all(y <= as_of.year for y in t.delivery_years):
        return t
    return replace(t, delivery_years=tuple(y for y in t.delivery_years if y <= as_of.year), delivered=None)


def _answer_known_by(a: AnswerRecord, as_of: date) -> AnswerRecord:
    """The question without an answer or a closing that came after `as_of`."""
    return replace(a, answered_on=a.answered_on if a.answered_on and a.answered_on <= as_of else None,
                   closed_on=a.closed_on if a.closed_on and a.closed_on <= as_of else None)


def policy_in_force(versions: tuple[tuple[date, bool], ...], on: date) -> bool:
    """Whether overdue answers count on `on`: the latest version effective on or before it says (none: no)."""
    counts = False
    for effective_from, value in sorted(versions):
        if effective_from > on:
            break
        counts = value
    return counts


@dataclass(frozen=True)
class World:
    """Everything an assessment may draw on. Build it, then call `known_by(as_of)` before assessing."""

    parties: dict[str, Party]
    products: dict[str, Product]
    policies: tuple[Policy, ...] = ()
    applications: tuple[Application, ...] = ()
    permits: tuple[Permit, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    transfers: tuple[TransferReport, ...] = ()
    hits: tuple[ScreeningHit, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    # Questions put to parties and their answers; read only where the authority's policy counts overdue answers.
    answers: tuple[AnswerRecord, ...] = ()
    count_overdue_answers: bool = False
    # The policy on counting overdue answers, version by version: (effective from, counts), earliest first. When
    # given, `known_by` counts them as the version in force on its day says (none in force yet: not counted), so
    # an assessment follows the policy of its own date; when empty, `count_overdue_answers` stands as given.
    answer_policy: tuple[tuple[date, bool], ...] = ()
    # End-use checks done; counted once the authority has recorded any (absent before, so that assessments
    # made before reproduce unchanged).
    checks: tuple[CheckRecord, ...] = ()
    count_checks: bool = False
    cut_on: date | None = None  # set by known_by: the world is already cut to that day

    def known_by(self, as_of: date) -> World:
        """The same world without anything that became known after `as_of`.

        Conflicts count from their first day (or from when they became known, if later), transfers from
        their report, screening hits from the day the entity was listed until the day it was delisted,
        findings from the day they were decided, end-use checks from the day they were done, applications
        from their receipt and permits from their issue (with only the status events effective by then).
        """
        if self.cut_on == as_of:
            return self
        return replace(
            self,
            applications=tuple(a for a in self.applications if a.received_on <= as_of),
            permits=tuple(_permit_known_by(p, as_of) for p in self.permits if p.issued_on <= as_of),
            conflicts=tuple(c if c.ended_on is None or c.ended_on <= as_of else replace(c, ended_on=None)
                            for c in self.conflicts if c.visible_on <= as_of),
            transfers=tuple(_transfer_known_by(t, as_of) for t in self.transfers if t.reported_on <= as_of
                            and (t.order_year is None or t.order_year <= as_of.year)),
            hits=tuple(h for h in self.hits if h.listed_at(as_of)),
            findings=tuple(f for f in self.findings if f.known_on <= as_of),
            answers=tuple(_answer_known_by(a, as_of) for a in self.answers if a.asked_on <= as_of),
            count_overdue_answers=(policy_in_force(self.answer_policy, as_of) if self.answer_policy
                                   else self.count_overdue_answers),
            checks=tuple(c for c in self.checks if c.done_on <= as_of),
            cut_on=as_of,
        )

    # Indexes, built once per world (a World is immutable), so that assessing many subjects stays linear.

    @cached_property
    def parent_of(self) -> dict[str, str | None]:
        """Each party's parent."""
        return {k: p.parent_id for k, p in self.parties.items()}

    @cached_property
    def states_by_country(self) -> dict[str, list[str]]:
        """Ids of the parties of kind `state`, by country."""
        found: dict[str, list[str]] = {}
        for p in self.parties.values():
            if p.kind is PartyKind.STATE and p.country:
                found.setdefault(p.country, []).append(p.id)
        return found

    @cached_property
    def memo(self) -> dict[tuple[object, ...], object]:
        """Answers of pure functions of this (immutable) world, so that assessing many subjects on one world
        computes each shared fact once (facts.conflicts_involving)."""
        return {}

    @cached_property
    def _conflict_index(self) -> tuple[dict[str, list[Conflict]], dict[str, list[Conflict]]]:
        by_country: dict[str, list[Conflict]] = {}
        by_party: dict[str, list[Conflict]] = {}
        for c in self.conflicts:
            roles = c.all_roles()
            for code in {r.country for r in roles if r.country}:
                by_country.setdefault(code, []).append(c)
            for pid in {r.party_id for r in roles if r.party_id}:
                by_party.setdefault(pid, []).append(c)
        return by_country, by_party

    def conflicts_of(self, country: str | None) -> list[Conflict]:
        """Conflicts in which the country plays some role (any year)."""
        return self._conflict_index[0].get(country, []) if country else []

    def conflicts_of_party(self, party_id: str) -> list[Conflict]:
        """Conflicts in which the registered party plays some role (any year)."""
        return self._conflict_index[1].get(party_id, [])

    @cached_property
    def _transfer_index(self) -> tuple[dict[str, list[TransferReport]], dict[str, list[TransferReport]]]:
        by_party: dict[str, list[TransferReport]] = {}
        by_state: dict[str, list[TransferReport]] = {}
        for t in self.transfers:
            if t.supplier_id:
                by_party.setdefault(t.supplier_id, []).append(t)
            elif t.supplier_country:
                by_state.setdefault(t.supplier_country, []).append(t)
        return by_party, by_state

    def transfers_from(self, party_id: str) -> list[TransferReport]:
        """Transfers whose supplier is this registered party."""
        return self._transfer_index[0].get(party_id, [])

    def transfers_from_state(self, country: str) -> list[TransferReport]:
        """A register's transfers that name only the supplier state (no registered party)."""
        return self._transfer_index[1].get(country, [])

    @cached_property
    def permit_by_number(self) -> dict[str, Permit]:
        """Permits by number."""
        return {p.number: p for p in self.permits}

    @cached_property
    def permits_by_application(self) -> dict[str, list[Permit]]:
        """Permits by the application they were issued on, oldest first."""
        found: dict[str, list[Permit]] = {}
        for p in sorted(self.permits, key=lambda p: (p.issued_on, p.number)):
            if p.application_number:
                found.setdefault(p.application_number, []).append(p)
        return found

    @cached_property
    def application_by_number(self) -> dict[str, Application]:
        """Applications by number."""
        return {a.number: a for a in self.applications}

    @cached_property
    def _route_index(self) -> dict[tuple[str, str, str], list[Application | Permit]]:
        index: dict[tuple[str, str, str], list[Application | Permit]] = {}
        records: list[Application | Permit] = [*self.applications, *self.permits]
        for rec in records:
            family = self.family_of(rec.product_id)
            index.setdefault((family, "exporter", rec.exporter_id), []).append(rec)
            index.setdefault((family, "consignee", rec.consignee_id), []).append(rec)
        return index

    def on_route(self, family: str, exporter_id: str, consignee_id: str) -> list[Application | Permit]:
        """Applications and permits for the product family from the same exporter or to the same consignee."""
        seen: dict[tuple[str, str], Application | Permit] = {}
        for key in ((family, "exporter", exporter_id), (family, "consignee", consignee_id)):
            for rec in self._route_index.get(key, []):
                seen.setdefault((type(rec).__name__, rec.number), rec)
        return list(seen.values())

    def country_of(self, party_id: str | None) -> str | None:
        """The country of a party, or of its nearest ancestor that has one."""
        seen: set[str] = set()
        while party_id and party_id not in seen:
            seen.add(party_id)
            party = self.parties.get(party_id)
            if party is None:
                return None
            if party.country:
                return party.country
            party_id = party.parent_id
        return None

    def name_of(self, party_id: str | None) -> str:
        """A party's name for sentences (its id when unknown)."""
        if not party_id:
            return "(none)"
        party = self.parties.get(party_id)
        return party.name if party else party_id

    def family_of(self, product_id: str) -> str:
        """The product family used to compare declarations (the serial family)."""
        product = self.products.get(product_id)
        return product.serial_family if product else product_id


@dataclass(frozen=True)
class Evidence:
    """One fact behind an indicator: what it is, where it comes from, and when it became known."""

    kind: str
    ref: str
    text: str
    date: date | None = None


@dataclass(frozen=True)
class Indicator:
    """One risk indicator's result: code, title, severity, evidence, when it became known, the criteria
    it bears on (codes of `endwatch.domain.risk.criteria.CRITERIA`) and a plain-sentence summary."""

    code: str
    title: str
    severity: Severity
    summary: str
    evidence: tuple[Evidence, ...] = ()
    date: date | None = None
    criteria: tuple[str, ...] = field(default=())


def indicator(code: str, title: str, severity: Severity, summary: str, evidence: list[Evidence],
              criteria: tuple[str, ...]) -> Indicator:
    """Build an Indicator dated by its latest piece of evidence."""
    dates = [e.date for e in evidence if e.date is not None]
    return Indicator(code, title, severity, summary, tuple(evidence), max(dates) if dates else None, criteria)


def merge_spans(spans: Iterable[tuple[date, date | None]]) -> tuple[tuple[date, date | None], ...]:
    """Intervals (start, end or None: open) merged where they overlap or touch, by start: an entity listed by
    two lists at once is listed over the union of their listings."""
    out: list[tuple[date, date | None]] = []
    for start, end in sorted(spans, key=lambda s: s[0]):
        if out and (out[-1][1] is None or start <= out[-1][1]):
            last_start, last_end = out[-1]
            out[-1] = (last_start, None if last_end is None or end is None else max(last_end, end))
        else:
            out.append((start, end))
    return tuple(out)
