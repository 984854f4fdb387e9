"""What the assessment area needs from storage: its records and the repository protocol.

The unit of work offers it as `uow.assessment`. Findings are detection's table; this repository reads
them through a lightweight description and returns none when that table does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from endwatch.domain.risk.model import Conflict, ConflictRole, FindingRecord, Role, ScreeningHit, TransferReport


def roles_to_json(roles: Iterable[ConflictRole]) -> list[dict[str, Any]]:
    """Conflict roles as stored (JSON)."""
    return [{"role": r.role.value, "country": r.country, "side": r.side, "actor": r.actor, "party_id": r.party_id}
            for r in roles]


def roles_from_json(rows: Iterable[dict[str, Any]]) -> tuple[ConflictRole, ...]:
    """Conflict roles from their stored form."""
    return tuple(ConflictRole(Role(r["role"]), r.get("country"), r.get("side") or "", r.get("actor") or "",
                              r.get("party_id")) for r in rows)


@dataclass(frozen=True)
class ScreeningEntity:
    """One entity of a restricted-party list (FollowTheMoney), as stored."""

    id: str
    schema: str
    caption: str
    names: tuple[str, ...]
    countries: tuple[str, ...]
    dataset: str
    listed_on: date
    loaded_at: str = ""
    source_file: str = ""
    programme: str = ""  # the programmes of the Sanction entities naming it ("; " between)
    authority: str = ""  # the authorities that list it ("; " between)
    digest: str = ""  # of what screening reads of it (screening_files.entity_digest): a change is a new digest
    delisted_on: date | None = None  # the day a full export left it out, a delta deleted it or its list was removed
    identifiers: tuple[str, ...] = ()  # its identifying properties as "property:value" (innCode, imoNumber...)
    birth_dates: tuple[str, ...] = ()  # its birthDate values as listed (a year or a month alone too)


@dataclass(frozen=True)
class Listing:
    """One interval an entity was listed by one list: from `listed_on` until `delisted_on` (None: listed)."""

    entity_id: str
    dataset: str
    listed_on: date
    delisted_on: date | None = None


@dataclass(frozen=True)
class HitReview:
    """An officer's review of a screening hit: confirmed or dismissed, why, and the digests of the entity and
    the party reviewed (a later change of either ends the review). `state`: "in force", or "awaiting second"
    (a dismissal where the authority wants four eyes, until a different officer dismisses it too)."""

    id: int | None
    party_id: str
    entity_id: str
    verdict: str
    reason: str
    party_digest: str
    entity_digest: str
    reviewed_by: str
    reviewed_at: str
    state: str
    second_by: str | None = None
    second_at: str | None = None


@dataclass(frozen=True)
class ScreeningList:
    """A restricted-party list as loaded: its dataset, the version and date of its last load, its entities."""

    dataset: str
    version: str
    kind: str  # of its last load: full or delta
    loaded_on: date
    loaded_at: str
    file: str
    entities: int  # entities it holds (listed and delisted)
    targets: int  # listed now
    removed_on: date | None = None


@dataclass(frozen=True)
class StoredAssessment:
    """An assessment as stored: its result (JSON-ready) and the inputs it was computed from."""

    id: int | None
    subject_kind: str
    subject_key: str
    application_number: str | None
    as_of: date
    recommendation: str
    conditions: list[str]
    conclusions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    inputs: dict[str, Any]
    trigger: str
    assessed_at: str
    assessed_by: str


@dataclass(frozen=True)
class Decision:
    """A decision on an application. `state` is final, awaiting_second or countersigned."""

    id: int | None
    application_number: str
    decision: str  # approve | deny | hold
    state: str
    decided_on: date
    decided_by: str
    decided_at: str
    reason: str
    recommendation: str
    needs_second: bool
    justification: str | None = None
    exception: str | None = None
    assessment_id: int | None = None
    second_by: str | None = None
    second_at: str | None = None


@dataclass(frozen=True)
class WatchEntry:
    """A permit or application whose recommendation worsened on re-assessment, with what changed."""

    id: int | None
    subject_kind: str
    subject_key: str
    as_of: date
    before: str
    after: str
    trigger: str
    changes: list[dict[str, Any]]
    assessment_id: int
    added_at: str
    added_by: str


class AssessmentRepository(Protocol):
    def conflicts(self) -> list[Conflict]: ...
    def save_conflict(self, conflict: Conflict) -> None: ...
    def save_conflicts(self, conflicts: Iterable[Conflict]) -> None:
        """Insert or replace conflicts by id, in batches."""
    def transfers(self) -> list[TransferReport]: ...
    def add_transfer(self, transfer: TransferReport) -> None: ...
    def add_transfers(self, transfers: Iterable[TransferReport]) -> None:
        """Insert transfers in batches."""
    def entities(self, dataset: str | None = None, ids: Iterable[str] | None = None) -> list[ScreeningEntity]:
        """Stored entities (listed and delisted) by id: those a list has ever listed when `dataset` is given,
        those with these ids when `ids` is."""
    def listings(self, ids: Iterable[str] | None = None, dataset: str | None = None) -> list[Listing]:
        """Listings (of these entities, of this list), by entity, list and start."""
    def set_listings(self, ids: Iterable[str], listings: Iterable[Listing]) -> None:
        """Replace the listings of the entities `ids` with `listings`, and keep each entity's summary in step:
        listed_on the first start, delisted_on None while a listing is open (else the last end), dataset the
        lists listing it now (else those that did)."""
    def update_sanctions(self, programmes: dict[str, str], authorities: dict[str, str]) -> None:
        """Set the programmes and authorities of stored entities (by id)."""
    def save_list(self, dataset: str, version: str, kind: str, loaded_on: date, loaded_at: str, file: str) -> None:
        """Record a load of a list (its version replaces the last; a removed list is listed again)."""
    def remove_list(self, dataset: str, on: date) -> None: ...
    def party_digests(self) -> dict[str, str]:
        """Each party's digest as last screened (screening.party_digest)."""
    def save_party_digests(self, digests: dict[str, str]) -> None:
        """Replace the parties' digests as screened."""
    def replace_hits_of(self, party_ids: Iterable[str], entity_ids: Iterable[str],
                        hits: Iterable[ScreeningHit]) -> None:
        """Delete the hits of these parties and of these entities, then store `hits`."""
    def hit_count(self) -> int: ...
    def reviews(self, party_id: str | None = None, entity_id: str | None = None) -> list[HitReview]:
        """Reviews, oldest first (of one hit when both ids are given)."""
    def add_review(self, review: HitReview) -> HitReview: ...
    def second_review(self, review_id: int, by: str, at: str) -> None:
        """Put an awaiting review in force with its second signature."""
    def lists(self) -> list[ScreeningList]:
        """Every list loaded, by dataset, with the entities it holds and those listed now."""
    def save_entities(self, entities: Iterable[ScreeningEntity]) -> int:
        """Insert or replace entities by id; returns how many were new."""
    def replace_hits(self, hits: Iterable[ScreeningHit]) -> None:
        """Replace every stored screening hit with these."""
    def hits(self) -> list[ScreeningHit]: ...
    def findings(self) -> list[FindingRecord]:
        """Detection's findings; empty when detection's tables do not exist."""
    def save_evidence(self, items: dict[str, tuple[str, Any]]) -> int:
        """Store evidence bodies by digest (digest -> (kind, body)), those not stored yet; returns how many."""
    def evidence(self, digests: list[str]) -> dict[str, Any]:
        """The stored bodies of these digests (those found)."""
    def add_assessment(self, a: StoredAssessment) -> int: ...
    def get_assessment(self, assessment_id: int) -> StoredAssessment | None: ...
    def latest_assessment(self, kind: str, key: str, as_of: date | None = None) -> StoredAssessment | None:
        """The most recent assessment of a subject, among those made as of `as_of` or earlier."""
    def latest_assessments(self, subjects: list[tuple[str, str]],
                           as_of: date) -> dict[tuple[str, str], StoredAssessment]:
        """`latest_assessment` of many subjects (kind, key) at once; those never assessed are absent."""
    def add_decision(self, d: Decision) -> int: ...
    def decisions(self, application_number: str | None = None) -> list[Decision]: ...
    def countersign(self, decision_id: int, by: str, at: str) -> None: ...
    def add_watch(self, w: WatchEntry) -> int: ...
    def watchlist(self) -> list[WatchEntry]: ...
