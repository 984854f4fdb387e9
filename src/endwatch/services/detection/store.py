"""What detection needs from storage: its records and the repository protocol (`uow.detection`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from endwatch.domain.sightings import Sighting


@dataclass(frozen=True)
class Candidate:
    """A delivered item that a reading may stand for, with the permit facts a verdict needs."""

    delivery_id: int
    serial: str
    serial_fold: str
    product_id: str
    manufacturer_id: str
    permit_number: str
    delivered_on: date
    recipient_id: str
    end_user_id: str
    destination: str


@dataclass(frozen=True)
class Finding:
    """The decision on one sighting (stored once; re-running detection leaves it alone)."""

    sighting_id: str
    verdict: str
    observed_on: date
    reasons: tuple[str, ...]
    decided_at: str
    confidence: str | None = None
    tier: str | None = None
    delivery_id: int | None = None
    permit_number: str | None = None
    product_id: str | None = None
    serial: str | None = None
    observed_user_id: str | None = None
    observed_country: str | None = None
    candidates: tuple[dict[str, Any], ...] = field(default=())


class DetectionRepository(Protocol):
    """Sightings and findings, plus index-based candidate lookups over delivered items."""

    def sighting_ids(self, ids: Collection[str]) -> set[str]: ...
    def get_sightings(self, ids: Collection[str]) -> dict[str, Sighting]: ...
    def add_sightings(self, sightings: Collection[Sighting], recorded_at: str, recorded_by: str) -> None: ...
    def list_sightings(self, since: date | None = None) -> list[Sighting]: ...
    def undecided_sightings(self, since: date | None = None) -> list[Sighting]: ...
    def candidates_by_fold(self, keys: Collection[str]) -> list[Candidate]:
        """Items whose serial_fold equals one of `keys` (an indexed IN lookup, chunked)."""
    def all_folds(self) -> set[str]:
        """Every delivered item's serial_fold (one scan: worth it only for large runs)."""
    def candidates_like(self, pattern: str) -> list[Candidate]:
        """Items whose serial_fold matches a LIKE pattern (escape character backslash)."""
    def candidates_by_delivery_id(self, ids: Collection[int]) -> dict[int, Candidate]: ...
    def add_findings(self, findings: Sequence[Finding]) -> None: ...
    def findings(self, sighting_ids: Collection[str] | None = None, since: date | None = None) -> list[Finding]: ...
