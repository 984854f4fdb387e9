"""`endwatch evidence load`: public datasets as published, read into evidence in one audited write,
then the subjects in play re-assessed. A file with any problem writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from endwatch.domain.risk.model import Conflict, TransferReport
from endwatch.exchange.reader import file_sha256
from endwatch.services.assessment.actors import link_actors
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


class Source(StrEnum):
    """The datasets `endwatch evidence load` reads."""

    UCDP_ACD = "ucdp-acd"
    SIPRI_REGISTER = "sipri-register"


@dataclass(frozen=True)
class EvidenceLoadReport:
    """What a load did: records read, new, changed, unchanged; watch-list entries the re-assessment added."""

    file: str
    source: str
    known_on: date
    records: int
    new: int
    changed: int
    unchanged: int
    watchlist_added: int


def _diff_conflicts(stored: dict[str, Conflict], read: list[Conflict]) -> tuple[list[Conflict], int, int]:
    fresh = [c for c in read if stored.get(c.id) != c]
    new = sum(1 for c in fresh if c.id not in stored)
    return fresh, new, len(fresh) - new


def load_evidence(uow: UnitOfWork, principal: Principal, path: Path, source: Source, *, known_on: date,
                  as_of: date | None = None, release: str = "") -> EvidenceLoadReport:
    """Read `path` as `source`, store what is new or changed (known from `known_on`), audit the load, and
    re-assess what is in play as of `as_of` (default: today). Every problem is reported, nothing written."""
    from endwatch.services.assessment.reassessment import Concerns, reassess_in
    from endwatch.services.assessment.sipri import read_sipri
    from endwatch.services.assessment.ucdp import read_ucdp

    conflicts = read_ucdp(path, known_on, release=release) if source is Source.UCDP_ACD else []
    transfers = read_sipri(path, known_on) if source is Source.SIPRI_REGISTER else []
    records = len(conflicts) + len(transfers)
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        fresh_conflicts: list[Conflict] = []
        fresh_transfers: list[TransferReport] = []
        if conflicts:
            # UCDP's actors linked to the registered parties they are (actors.py): their conflicts reach them.
            conflicts = link_actors(conflicts, uow.parties.list())
            stored = {c.id: c for c in uow.assessment.conflicts()}
            fresh_conflicts, new, changed = _diff_conflicts(stored, conflicts)
            if fresh_conflicts:
                uow.assessment.save_conflicts(fresh_conflicts)
            ids = [c.id for c in fresh_conflicts]
        else:
            # A register's deal is identified by its reference: one already stored is not loaded again.
            known = {t.reference for t in uow.assessment.transfers() if t.reference}
            fresh_transfers = [t for t in transfers if t.reference not in known]
            if fresh_transfers:
                uow.assessment.add_transfers(fresh_transfers)
            new, changed, ids = len(fresh_transfers), 0, [t.reference for t in fresh_transfers]
        reason = f"{source.value} evidence from {path.name}"
        w.record(action="evidence.load", entity="evidence", key=path.name,
                 after={"source": source.value, "sha256": file_sha256(path), "known_on": known_on,
                        "records": records, "new": new, "changed": changed, "ids": ids}, reason=reason)
        # Only the subjects the new evidence concerns are re-assessed (same states, parties or route).
        concerns = (Concerns.of_conflicts(fresh_conflicts) if conflicts else Concerns.of_transfers(fresh_transfers))
        added = reassess_in(w, as_of or uow.now().date(), f"load of {reason}", concerns) if ids else []
    return EvidenceLoadReport(path.name, source.value, known_on, records, new, changed, records - new - changed,
                              len(added))
