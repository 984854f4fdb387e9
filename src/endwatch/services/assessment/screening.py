"""Restricted-party screening: loading lists in the FollowTheMoney entity format (one JSON entity a
line, as published by OpenSanctions) and matching every party's names and aliases against them.

Names are compared by the one name module (services/names: legal forms, transliteration, word sets,
acronyms, people's names) and the rest of the record (screening_match.py). A hit records the best-scoring
pair of names, how they matched and the parts of its score (0-100).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from endwatch.domain.parties import Party
from endwatch.domain.risk.model import STRONG_HIT, ScreeningHit
from endwatch.errors import NotFound
from endwatch.services.assessment.listings import relist
from endwatch.services.assessment.reassessment import Concerns, reassess_in
from endwatch.services.assessment.screening_files import ListKind, Sanctions, read_list
from endwatch.services.assessment.screening_match import THRESHOLD, explain, folded_entity, folded_party, match_entity
from endwatch.services.assessment.store import AssessmentRepository, ScreeningEntity, ScreeningList
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import Write, write
from endwatch.services.names.blocking import BlockIndex
from endwatch.services.names.forms import FoldedName
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class LoadReport:
    """What loading a list did."""

    file: str
    kind: str  # full or delta
    dataset: str
    version: str
    entities: int  # listed entities the file carries
    new: int  # entities not stored before
    changed: int  # entities new or changed (screened against every party)
    delisted: int  # entities delisted by this load (missing from a full export, deleted by a delta)
    skipped: int
    hits: int
    watchlist_added: int


def read_entities(path: Path, listed_on: date, dataset: str | None = None) -> tuple[list[ScreeningEntity], int]:
    """The listed entities of a full export (screening_files.read_list) and the number of context lines."""
    read = read_list(path, listed_on, dataset, expect=ListKind.full)
    return read.targets, read.skipped


def match_parties(parties: Sequence[Party], entities: Iterable[ScreeningEntity],
                  threshold: float = THRESHOLD, strong: float = STRONG_HIT) -> list[ScreeningHit]:
    """Every (party, entity) pair scoring at least `threshold` (0-100), each saying which names matched,
    how, the parts of its score, and whether it is strong (`strong` or more: treated as the listed entity
    itself). Only pairs of names sharing a blocking key are compared (names/blocking.py). The parties' names
    are indexed and the entities stream past the index, each folded once and dropped, so memory grows with
    the parties; when fewer entities than parties are given as a sequence (a delta), the entities are
    indexed and the parties stream past them instead."""
    ordered = sorted(parties, key=lambda p: p.id)
    folded = [folded_party(p) for p in ordered]
    hits: list[ScreeningHit] = []

    def pair(party: Party, party_names: list[FoldedName], e: ScreeningEntity, entity_names: list[FoldedName],
             pairs: list[tuple[int, int]]) -> None:
        m = match_entity(party, e, party_names, entity_names, pairs)
        if m.score > 0 and m.score >= threshold:
            hits.append(ScreeningHit(party.id, m.party_name, e.id, e.schema, e.caption, m.matched_name, m.score,
                                     e.dataset, e.listed_on, str(m.detail["how"]), explain(m),
                                     m.score >= strong, e.delisted_on, e.programme, e.authority))

    if isinstance(entities, Sequence) and len(entities) < len(ordered):
        by_entity: BlockIndex[int] = BlockIndex()
        entity_names = [folded_entity(e) for e in entities]
        for k, names in enumerate(entity_names):
            by_entity.add(k, names)
        for i, names in enumerate(folded):
            for k, found in by_entity.candidates(names).items():
                pair(ordered[i], names, entities[k], entity_names[k], sorted((q, r) for r, q in found))
    else:
        by_party: BlockIndex[int] = BlockIndex()
        for i, names in enumerate(folded):
            by_party.add(i, names)
        for e in entities:
            names = folded_entity(e)
            for i, found in by_party.candidates(names).items():
                pair(ordered[i], folded[i], e, names, sorted(found))
    hits.sort(key=lambda h: (h.party_id, h.entity_id))
    return hits


def party_digest(party: Party) -> str:
    """SHA-256 of what screening reads of a party (names, kind, country, identifiers, birth date): a change is
    a new digest. A party without identifiers or birth date keeps the digest it had before they existed."""
    body: list[object] = [party.name, party.kind.value, party.country, list(party.aliases), list(party.former_names)]
    if party.identifiers or party.birth_date:
        body += [sorted(party.identifiers), party.birth_date.isoformat() if party.birth_date else None]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode("utf-8")).hexdigest()


SETTINGS_KEY = "screening.settings"  # the threshold and strong score the stored hits were screened with


def screen_changes(uow: UnitOfWork, changed: Sequence[ScreeningEntity], threshold: float = THRESHOLD,
                   strong: float = STRONG_HIT) -> int:
    """Screen incrementally (caller's transaction): new or changed parties (by digest) against every stored
    entity, and the other parties against the new or changed entities `changed`; the stored hits of those
    parties and entities are replaced. Every party counts as changed when the authority's threshold or
    strong score differs from the one the stored hits were screened with. Returns the pairs compared' hits."""
    repo = uow.assessment
    parties = uow.parties.list()
    settings = f"{threshold:g}/{strong:g}"
    stored = repo.party_digests() if uow.system.get(SETTINGS_KEY) == settings else {}
    now = {p.id: party_digest(p) for p in parties}
    fresh = [p for p in parties if stored.get(p.id) != now[p.id]]
    same = [p for p in parties if stored.get(p.id) == now[p.id]]
    hits = match_parties(fresh, repo.entities(), threshold, strong) if fresh else []
    if same and changed:
        hits += match_parties(same, changed, threshold, strong)
    gone = set(stored) - set(now)
    repo.replace_hits_of({p.id for p in fresh} | gone, {e.id for e in changed}, hits)
    repo.save_party_digests(now)
    uow.system.set(SETTINGS_KEY, settings)
    return len(hits)


@dataclass(frozen=True)
class ScreeningPlan:
    """Parties screened on a state read, ready to be written: the parties whose hits are replaced (new or
    changed by digest, or gone), their hits, every party's digest and the settings they were screened with."""

    settings: str
    replaced: frozenset[str]
    hits: tuple[ScreeningHit, ...]
    digests: dict[str, str]


def _stored_settings(uow: UnitOfWork) -> tuple[float, float]:
    """The threshold and strong score the stored hits were screened with (the defaults when unreadable)."""
    threshold, strong = THRESHOLD, STRONG_HIT
    stored = (uow.system.get(SETTINGS_KEY) or "").split("/")
    # An unreadable setting: the defaults, and every party screened again.
    with contextlib.suppress(ValueError):
        if len(stored) == 2:
            threshold, strong = float(stored[0]), float(stored[1])
    return threshold, strong


def plan_party_screening(uow: UnitOfWork, saved: Sequence[Party] = ()) -> ScreeningPlan | None:
    """Only reads: screen the parties new or changed by digest (the stored parties, with `saved` as they are
    being saved) against every stored entity, with the threshold and strong score the stored hits were
    screened with. None when no list is loaded. (Every stored entity's names are folded: at hundreds of
    thousands of entities this takes tens of seconds, so a save does it on a read snapshot, before its write.)"""
    repo = uow.assessment
    if not repo.lists():
        return None
    threshold, strong = _stored_settings(uow)
    settings = f"{threshold:g}/{strong:g}"
    parties = {p.id: p for p in uow.parties.list()}
    parties.update((p.id, p) for p in saved)
    stored = repo.party_digests() if uow.system.get(SETTINGS_KEY) == settings else {}
    now = {pid: party_digest(p) for pid, p in parties.items()}
    fresh = [p for p in parties.values() if stored.get(p.id) != now[p.id]]
    hits = match_parties(fresh, repo.entities(), threshold, strong) if fresh else []
    gone = set(stored) - set(now)
    return ScreeningPlan(settings, frozenset({p.id for p in fresh} | gone), tuple(hits), now)


def apply_party_screening(w: Write, plan: ScreeningPlan | None, why: str) -> int:
    """Inside a write: store what `plan` screened (the hits of its parties replaced, their digests, the
    settings), then re-assess the subjects whose parties' hits changed as of today. Returns how many parties'
    hits changed."""
    if plan is None:
        return 0
    uow = w.uow
    repo = uow.assessment
    before = repo.hits()
    repo.replace_hits_of(set(plan.replaced), set(), list(plan.hits))
    repo.save_party_digests(plan.digests)
    uow.system.set(SETTINGS_KEY, plan.settings)
    changed = hits_changed(before, repo.hits())
    if changed:
        reassess_in(w, uow.now().date(), why, Concerns(parties=changed))
    return len(changed)


def screen_saved_parties(w: Write, why: str) -> int:
    """Inside a write that saved parties: screen the new or changed ones (by digest) against every stored
    entity and store their hits (plan_party_screening, then apply_party_screening, both under the write's
    lock). Nothing when no list is loaded. Returns how many parties' hits changed."""
    return apply_party_screening(w, plan_party_screening(w.uow), why)


# What screening on a save reads (a write to one of these meanwhile makes the save screen again).
SCREENING_READS = frozenset({"parties", "party_names", "screening_entities", "screening_listings", "screening_lists",
                             "screening_parties", "screening_hits", "screening_reviews", "system_settings"})


class ScreenOnSave:
    """Screening as a party save's follow-up (registry.parties.PartySaved, chosen in bootstrap): the saved party
    is screened on a read snapshot before the write, and its hits written in the party's write. A unit of
    work without the assessment area (a registry-only store, as in the registry's own unit tests) screens
    nothing."""

    reads = SCREENING_READS

    def prepare(self, uow: UnitOfWork, party: Party) -> ScreeningPlan | None:
        if getattr(uow, "assessment", None) is None:
            return None
        return plan_party_screening(uow, [party])

    def apply(self, w: Write, party: Party, prepared: ScreeningPlan | None) -> None:
        apply_party_screening(w, prepared, f"party {party.id} saved: screened against the restricted-party lists")


def rescreen(uow: UnitOfWork, threshold: float = THRESHOLD, strong: float = STRONG_HIT) -> list[ScreeningHit]:
    """Match every party against every stored entity and replace the stored hits (caller's transaction)."""
    hits = match_parties(uow.parties.list(), uow.assessment.entities(), threshold, strong)
    uow.assessment.replace_hits(hits)
    uow.assessment.save_party_digests({p.id: party_digest(p) for p in uow.parties.list()})
    uow.system.set(SETTINGS_KEY, f"{threshold:g}/{strong:g}")
    return hits


def load_list(uow: UnitOfWork, principal: Principal, path: Path, *, listed_on: date, dataset: str | None = None,
              as_of: date | None = None, threshold: float = THRESHOLD, strong: float = STRONG_HIT,
              version: str | None = None, expect: ListKind | None = None) -> LoadReport:
    """Load a restricted-party list as published, screen every party against all lists, then re-assess
    the permits in force and pending applications whose parties' hits changed, as of `as_of` (default:
    `listed_on`). One transaction; nothing is written when the file has a problem.

    A full export replaces its dataset's previous version: its entities are stored (a changed entity
    updated) and the entities it listed before and leaves out are delisted from it on `listed_on`. A delta
    file is applied in order: ADD and MOD store the entity, DEL delists it from this list. Each list's
    listings are kept apart (listing history, listings.py): an entity listed again gets a new listing from
    `listed_on` (its earlier ones kept), and one that another list also lists stays listed there. A `Sanction`
    in the file dates, and gives programmes and authorities to, the entity it names, stored before or not.
    `expect` refuses the other kind of file. A hit scores `threshold` or more (ENDWATCH_SCREENING_THRESHOLD);
    it is strong, treated as the listed entity itself, at `strong` or more (ENDWATCH_SCREENING_STRONG)."""
    read = read_list(path, listed_on, dataset, version, expect)
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        at = uow.now().isoformat(timespec="microseconds")
        repo = uow.assessment
        hits_before = repo.hits()
        listed: dict[str, ScreeningEntity] = {}
        deleted: set[str] = set()
        for op in read.ops:  # in order: a later line about the same entity wins
            if op.entity is None:
                listed.pop(op.entity_id, None)
                deleted.add(op.entity_id)
            else:
                listed[op.entity_id] = replace(op.entity, loaded_at=at)
                deleted.discard(op.entity_id)
        open_here = {x.entity_id for x in repo.listings(dataset=read.dataset) if x.delisted_on is None}
        gone = (open_here - set(listed)) if read.kind is ListKind.full else (deleted & open_here)
        sanctioned = (set(read.sanctions.start) | set(read.sanctions.programmes)) - set(listed)
        before = {e.id: e for e in repo.entities(ids=set(listed) | sanctioned)}
        # Only new or changed entities are screened against the parties (and new or changed parties
        # against every entity): a delisted entity keeps its hits, which end with its listings.
        changed = [e for e in listed.values() if e.id not in before or before[e.id].digest != e.digest]
        new = repo.save_entities(listed.values())
        _sanction_stored(repo, [before[i] for i in sorted(sanctioned) if i in before], read.sanctions)
        touched = set(listed) | gone | (sanctioned & set(before))
        starts = {eid: e.listed_on for eid, e in listed.items()}
        dated = {eid: day for eid, day in read.sanctions.start.items() if eid in touched}
        repo.set_listings(touched, relist(repo.listings(ids=touched), read.dataset, starts, gone, dated, listed_on))
        repo.save_list(read.dataset, read.version, read.kind.value, listed_on, at, read.name)
        screened = screen_changes(uow, changed, threshold, strong)
        hits_after = repo.hits()
        w.record(action="screening.load", entity="screening_list", key=read.dataset,
                 after={"file": read.name, "kind": read.kind.value, "version": read.version,
                        "entities": len(listed), "new": new, "changed": len(changed), "delisted": sorted(gone),
                        "skipped": read.skipped, "hits": len(hits_after), "hits_screened": screened},
                 reason=f"restricted-party list {read.dataset} ({read.kind.value}, {read.name})")
        added = reassess_in(w, as_of or listed_on, f"restricted-party list {read.dataset} loaded ({read.name})",
                            Concerns(parties=hits_changed(hits_before, hits_after)))
    return LoadReport(read.name, read.kind.value, read.dataset, read.version, len(listed), new, len(changed),
                      len(gone), read.skipped, len(hits_after), len(added))


def _sanction_stored(repo: AssessmentRepository, stored: Sequence[ScreeningEntity], sanctions: Sanctions) -> None:
    """Add the programmes and authorities of a file's Sanctions to the stored entities they name."""
    def merged(old: str, new: set[str]) -> str:
        return "; ".join(sorted({p for p in old.split("; ") if p} | new))
    repo.update_sanctions({e.id: merged(e.programme, sanctions.programmes.get(e.id, set())) for e in stored},
                          {e.id: merged(e.authority, sanctions.authorities.get(e.id, set())) for e in stored})


def hits_changed(before: Iterable[ScreeningHit], after: Iterable[ScreeningHit]) -> frozenset[str]:
    """The parties whose hits differ (a hit new, gone, scored, dated or reviewed otherwise): only their
    permits and applications can be assessed differently."""
    def by_party(hits: Iterable[ScreeningHit]) -> dict[str, set[ScreeningHit]]:
        out: dict[str, set[ScreeningHit]] = {}
        for h in hits:
            out.setdefault(h.party_id, set()).add(h)
        return out
    old, now = by_party(before), by_party(after)
    return frozenset(p for p in old.keys() | now.keys() if old.get(p) != now.get(p))


def remove_list(uow: UnitOfWork, principal: Principal, dataset: str, *, on: date, reason: str,
                as_of: date | None = None) -> ScreeningList:
    """Remove a list: every listing it holds ends on `on` (the hits of entities no other list lists end that
    day) and the list is marked removed, audited with `reason`; then the permits and applications whose
    parties' hits changed are re-assessed as of `as_of` (default `on`). NotFound for a list never loaded or
    already removed."""
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        repo = uow.assessment
        found = {x.dataset: x for x in repo.lists()}
        if dataset not in found or found[dataset].removed_on is not None:
            raise NotFound("screening list", dataset)
        hits_before = repo.hits()
        ids = {x.entity_id for x in repo.listings(dataset=dataset) if x.delisted_on is None}
        repo.set_listings(ids, relist(repo.listings(ids=ids), dataset, {}, ids, {}, on))
        repo.remove_list(dataset, on)
        w.record(action="screening.remove", entity="screening_list", key=dataset,
                 before={"targets": found[dataset].targets},
                 after={"removed_on": on.isoformat(), "delisted": len(ids)}, reason=reason)
        reassess_in(w, as_of or on, f"restricted-party list {dataset} removed",
                    Concerns(parties=hits_changed(hits_before, repo.hits())))
        return {x.dataset: x for x in repo.lists()}[dataset]


def list_lists(uow: UnitOfWork) -> list[ScreeningList]:
    """Every list loaded: dataset, version and date of its last load, entities held and listed now."""
    with uow:
        return uow.assessment.lists()


def list_hits(uow: UnitOfWork) -> list[ScreeningHit]:
    """Every stored screening hit, best first for each party."""
    with uow:
        return uow.assessment.hits()

