"""The REST API's response shapes (pydantic), built from domain objects. These are the OpenAPI schemas."""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from endwatch.domain.audit import AuditEntry
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, StatusChange
from endwatch.domain.policy import Policy
from endwatch.domain.products import Product
from endwatch.services.detection.near import Near
from endwatch.services.registry.queries import PermitView
from endwatch.services.registry.store import ItemRecord
from endwatch.services.registry.trace import TraceHit, TraceResult
from endwatch.services.reporting.transparency import TransparencyRow


class ProblemBody(BaseModel):
    file: str | None = None
    line: int | None = None
    column: str | None = None
    message: str


class ErrorBody(BaseModel):
    """Every API error: a stable `code` and a message for people; rule violations name the rule and records."""

    code: str = Field(examples=["not_found"])
    message: str
    problems: list[ProblemBody] | None = None
    rule: str | None = None
    records: list[str] | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `total` records match (an estimate when `total_exact` is false); `items` are those
    from `offset` (or after the cursor `after`), at most `limit`; `next` is the cursor of the following page."""

    total: int
    total_exact: bool = True
    limit: int
    offset: int
    next: str | None = None
    items: list[T]


class PartyOut(BaseModel):
    id: str
    name: str
    kind: str
    country: str | None
    parent_id: str | None
    aliases: list[str]
    former_names: list[str]

    @classmethod
    def of(cls, p: Party) -> PartyOut:
        return cls(id=p.id, name=p.name, kind=p.kind.value, country=p.country, parent_id=p.parent_id,
                   aliases=list(p.aliases), former_names=list(p.former_names))


class ProductOut(BaseModel):
    id: str
    manufacturer_id: str
    model: str
    aliases: list[str]
    categories: list[str]
    description: str
    family: str

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls(id=p.id, manufacturer_id=p.manufacturer_id, model=p.model, aliases=list(p.aliases),
                   categories=list(p.categories), description=p.description, family=p.serial_family)


class PolicyOut(BaseModel):
    id: str
    country: str
    measure: str
    categories: list[str]
    effective_from: date
    effective_to: date | None
    exceptions: list[str]
    reference: str

    @classmethod
    def of(cls, p: Policy) -> PolicyOut:
        return cls(id=p.id, country=p.country, measure=p.measure.value, categories=list(p.categories),
                   effective_from=p.effective_from, effective_to=p.effective_to, exceptions=list(p.exceptions),
                   reference=p.reference)


class UndertakingOut(BaseModel):
    end_use: str
    no_reexport: bool
    signatory: str | None
    signed_on: date | None


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


class ApplicationOut(BaseModel):
    number: str
    status: str
    exporter_id: str
    consignee_id: str
    end_user_id: str
    destination: str
    product_id: str
    quantity: int
    value: str | None
    currency: str | None
    received_on: date
    undertaking: UndertakingOut
    historical_source: str | None = None  # a record that predates endwatch: decided outside it

    @classmethod
    def of(cls, a: Application) -> ApplicationOut:
        u = a.undertaking
        return cls(number=a.number, status=a.status.value, exporter_id=a.exporter_id, consignee_id=a.consignee_id,
                   end_user_id=a.end_user_id, destination=a.destination, product_id=a.product_id,
                   quantity=a.quantity, value=_money(a.value), currency=a.currency, received_on=a.received_on,
                   undertaking=UndertakingOut(end_use=u.end_use, no_reexport=u.no_reexport,
                                              signatory=u.signatory, signed_on=u.signed_on),
                   historical_source=a.historical_source)


class StatusChangeOut(BaseModel):
    status: str
    effective_on: date
    reason: str
    reference: str
    historical_source: str | None = None

    @classmethod
    def of(cls, c: StatusChange) -> StatusChangeOut:
        return cls(status=c.status.value, effective_on=c.effective_on, reason=c.reason, reference=c.reference,
                   historical_source=c.historical_source)


class PermitOut(BaseModel):
    """A permit as it stood on `as_of`: `state` and the `history` known by then, items `delivered` by then."""

    number: str
    as_of: date
    state: str
    exporter_id: str
    consignee_id: str
    end_user_id: str
    destination: str
    product_id: str
    quantity: int
    delivered: int
    issued_on: date
    expires_on: date
    application_number: str | None
    policy_id: str | None
    policy_measure: str | None
    exception: str | None
    justification: str | None
    history: list[StatusChangeOut]
    historical_source: str | None = None

    @classmethod
    def of(cls, v: PermitView) -> PermitOut:
        p = v.permit
        return cls(number=p.number, as_of=v.as_of, state=v.state.value, exporter_id=p.exporter_id,
                   consignee_id=p.consignee_id, end_user_id=p.end_user_id, destination=p.destination,
                   product_id=p.product_id, quantity=p.quantity, delivered=v.delivered, issued_on=p.issued_on,
                   expires_on=p.expires_on, application_number=p.application_number, policy_id=p.policy_id,
                   policy_measure=p.policy_measure, exception=p.exception, justification=p.justification,
                   history=[StatusChangeOut.of(h) for h in v.history], historical_source=p.historical_source)


class DeliveryOut(BaseModel):
    permit_number: str
    product_id: str
    manufacturer_id: str
    serial: str
    delivered_on: date
    recipient_id: str

    @classmethod
    def of(cls, r: ItemRecord) -> DeliveryOut:
        return cls(permit_number=r.item.permit_number, product_id=r.product_id, manufacturer_id=r.manufacturer_id,
                   serial=r.item.serial, delivered_on=r.item.delivered_on, recipient_id=r.item.recipient_id)


class RetransferOut(BaseModel):
    to_party_id: str
    authorized_on: date
    reference: str
    serial: str | None


class TraceHitOut(BaseModel):
    serial: str
    delivered_on: date
    product: ProductOut
    manufacturer: PartyOut
    permit_number: str
    permit_state: str
    exporter: PartyOut
    consignee: PartyOut
    end_user: PartyOut
    recipient: PartyOut
    retransfers: list[RetransferOut]
    history: list[StatusChangeOut]
    held: bool = Field(False, description="held for review: shares its serial key with another item (docs/serials.md)")

    @classmethod
    def of(cls, h: TraceHit) -> TraceHitOut:
        return cls(serial=h.serial, delivered_on=h.delivered_on, product=ProductOut.of(h.product),
                   manufacturer=PartyOut.of(h.manufacturer), permit_number=h.permit.number,
                   permit_state=h.permit_state.value, exporter=PartyOut.of(h.exporter),
                   consignee=PartyOut.of(h.consignee), end_user=PartyOut.of(h.end_user),
                   recipient=PartyOut.of(h.recipient),
                   retransfers=[RetransferOut(to_party_id=r.to_party_id, authorized_on=r.authorized_on,
                                              reference=r.reference, serial=r.serial) for r in h.retransfers],
                   history=[StatusChangeOut.of(c) for c in h.history], held=h.held)


class NearCandidateOut(BaseModel):
    serial: str
    product_id: str
    manufacturer_id: str
    permit_number: str
    delivered_on: date
    end_user_id: str
    destination: str


class NearOut(BaseModel):
    """Delivered items a reading may stand for when no serial matches exactly, at detection's best tier."""

    tier: str = Field(description="equivalent, unreadable or one_edit")
    tier_words: str
    reason: str
    ambiguous: bool = Field(description="more than one item fits equally; none is chosen")
    candidates: list[NearCandidateOut]

    @classmethod
    def of(cls, n: Near) -> NearOut | None:
        if n.tier is None:
            return None
        return cls(tier=n.tier.value, tier_words=n.tier_words, reason=n.reason, ambiguous=n.ambiguous,
                   candidates=[NearCandidateOut(serial=c.serial, product_id=c.product_id,
                                                manufacturer_id=c.manufacturer_id, permit_number=c.permit_number,
                                                delivered_on=c.delivered_on, end_user_id=c.end_user_id,
                                                destination=c.destination) for c in n.candidates])


class TraceOut(BaseModel):
    serial: str
    serial_norm: str
    as_of: date
    hits: list[TraceHitOut]
    notes: list[str]
    ambiguous: bool = Field(False, description="items held for review share this serial; none is picked")
    near: NearOut | None = Field(None, description="only when no item matches exactly: detection's near candidates")

    @classmethod
    def of(cls, r: TraceResult, near: Near | None = None) -> TraceOut:
        return cls(serial=r.serial, serial_norm=r.serial_norm, as_of=r.as_of,
                   hits=[TraceHitOut.of(h) for h in r.hits], notes=list(r.notes), ambiguous=r.ambiguous,
                   near=NearOut.of(near) if near is not None else None)


class AuditEntryOut(BaseModel):
    seq: int
    recorded_at: str
    actor: str
    action: str
    entity: str
    entity_key: str
    before: Any
    after: Any
    reason: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(**e.payload(), hash=e.hash)


class RowProblemOut(BaseModel):
    """A registry row that differs from what the trail records: changed, added or deleted outside endwatch
    (`digests`: the row digests stored with entry `seq` were themselves altered)."""

    table: str
    key: str
    what: str
    seq: int | None
    description: str


class RowsOut(BaseModel):
    """Every audited table's rows compared with the trail's row digests (`endwatch audit verify` does the same)."""

    ok: bool
    tables: int
    rows: int
    problems_total: int
    problems: list[RowProblemOut] = Field(description="The first 100 problems")


class ChainOut(BaseModel):
    """`ok` when the hash chain is intact and every registry row is as the trail records it."""

    ok: bool
    entries: int
    first_bad: int | None
    problem: str
    chain_ok: bool
    rows: RowsOut


class TransparencyOut(BaseModel):
    """One row of the public figures; a suppressed side has null figures and says why (small cells)."""

    destination: str
    destination_name: str
    category: str
    year: int
    permits: int | None
    permitted_quantity: int | None
    delivered_items: int | None
    permits_suppressed: str | None = Field(default=None, examples=["suppressed: fewer than 3 permits"])
    delivered_suppressed: str | None = None
    published_through: date = Field(description="Figures count events up to this day: the end of the last"
                                                " completed quarter.")

    @classmethod
    def of(cls, r: TransparencyRow, name: str, through: date) -> TransparencyOut:
        return cls(destination=r.destination, destination_name=name, category=r.category, year=r.year,
                   permits=r.permits, permitted_quantity=r.permitted_quantity, delivered_items=r.delivered_items,
                   permits_suppressed=r.permits_suppressed, delivered_suppressed=r.delivered_suppressed,
                   published_through=through)


class MeOut(BaseModel):
    username: str
    role: str
    party_id: str | None
    actions: list[str]


class FoundOut(BaseModel):
    """One record a search found."""

    key: str = Field(description="its number or id (serials: the serial)")
    label: str = Field(description="how people name it")
    detail: str
    link: str = Field(description="the page that shows it")


class SearchGroupOut(BaseModel):
    kind: str = Field(description="serials, parties, permits, applications, cases or sightings")
    heading: str
    items: list[FoundOut]


class SearchOut(BaseModel):
    """A search's results grouped by kind (only kinds the caller may read; at most 10 each)."""

    q: str
    groups: list[SearchGroupOut]
    near: NearOut | None = Field(None, description="when no item has the serial exactly: detection's candidates")
