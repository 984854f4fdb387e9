"""Restricted-party screening: loading lists in the FollowTheMoney entity format (one JSON entity a
line, as published by OpenSanctions) and matching every party's names and aliases against them.

Names are compared by the one name module (services/names: legal forms, transliteration, word sets,
acronyms, people's names) and the rest of the record (screening_match.py). A hit records the best-scoring
pair of names, how they matched and the parts of its score (0-100).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.types import registry

from endwatch.domain.parties import Party
from endwatch.domain.risk.model import STRONG_HIT, ScreeningHit
from endwatch.errors import InvalidInput, Problem
from endwatch.services.assessment.screening_match import THRESHOLD, explain, folded_entity, folded_party, match_entity
from endwatch.services.assessment.store import ScreeningEntity
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.names.blocking import BlockIndex
from endwatch.services.uow import UnitOfWork

SCREENED_SCHEMATA = ("LegalEntity",)  # Person, Company, Organization, PublicBody descend from it


@dataclass(frozen=True)
class LoadReport:
    """What loading a list did."""

    file: str
    entities: int
    new: int
    skipped: int
    hits: int
    watchlist_added: int


def read_entities(path: Path, listed_on: date, dataset: str | None = None) -> tuple[list[ScreeningEntity], int]:
    """Parse a FollowTheMoney JSON-lines file into entities, each listed from the earliest start of the
    `Sanction` entities naming it (else its `first_seen`, else `listed_on`); returns (entities, lines skipped because
    their schema is not a legal entity or they are not listed: `"target": false`). Raises InvalidInput
    with every bad line (line number given)."""
    problems: list[Problem] = []
    entities: dict[str, ScreeningEntity] = {}
    sanctioned_from: dict[str, date] = {}
    skipped = 0
    name = path.name
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput([Problem(f"cannot read: {exc.strerror}", name)]) from None
    with fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data: Any = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Problem(f"not JSON: {exc.msg} (character {exc.pos})", name, line_no))
                continue
            if not isinstance(data, dict) or not data.get("id"):
                problems.append(Problem("an entity needs an `id`", name, line_no, "id"))
                continue
            try:
                proxy = model.get_proxy(data)
            except (FollowTheMoneyException, TypeError, ValueError) as exc:
                problems.append(Problem(f"not a FollowTheMoney entity: {exc}", name, line_no, "schema"))
                continue
            if proxy.schema.is_a("Sanction"):
                _note_sanction(proxy.get("entity"), proxy.get("startDate"), sanctioned_from)
            # Only listed entities are restricted parties: a statement-merged export (OpenSanctions) marks
            # them `target`; the rest (registries, relatives, addresses) is context. A plain file has no mark.
            if data.get("target") is False or not any(proxy.schema.is_a(s) for s in SCREENED_SCHEMATA):
                skipped += 1
                continue
            names = tuple(dict.fromkeys(proxy.get_type_values(registry.name)))
            if not names:
                problems.append(Problem("the entity has no name", name, line_no, "properties.name"))
                continue
            first_seen = str(data.get("first_seen") or "")[:10]
            try:
                seen = date.fromisoformat(first_seen) if first_seen else listed_on
            except ValueError:
                problems.append(Problem(f"first_seen {first_seen!r} is not a date", name, line_no, "first_seen"))
                continue
            datasets = data.get("datasets") or []
            entities[str(proxy.id)] = ScreeningEntity(
                str(proxy.id), proxy.schema.name, proxy.caption, names,
                tuple(sorted({c.upper() for c in proxy.countries})),
                dataset or (",".join(datasets) if datasets else path.stem), seen, source_file=name)
    if problems:
        raise InvalidInput(problems)
    # A sanction's start is when the entity was listed; `first_seen` is only when the aggregator saw it.
    listed = [replace(e, listed_on=sanctioned_from[e.id]) if e.id in sanctioned_from else e
              for e in entities.values()]
    return listed, skipped


def _note_sanction(entity_ids: list[str], starts: list[str], sanctioned_from: dict[str, date]) -> None:
    """Keep, for each entity a Sanction names, the earliest start date of its sanctions."""
    days = []
    for text in starts:
        try:
            days.append(date.fromisoformat(text[:10]))
        except ValueError:
            continue  # a partial date ("2023") says too little to date a listing
    if not days:
        return
    for eid in entity_ids:
        sanctioned_from[eid] = min([*days, sanctioned_from.get(eid, days[0])])


def match_parties(parties: Sequence[Party], entities: Sequence[ScreeningEntity],
                  threshold: float = THRESHOLD, strong: float = STRONG_HIT) -> list[ScreeningHit]:
    """Every (party, entity) pair scoring at least `threshold` (0-100), each saying which names matched,
    how, the parts of its score, and whether it is strong (`strong` or more: treated as the listed entity
    itself). Only pairs sharing a blocking key are compared (names/blocking.py)."""
    index: BlockIndex[int] = BlockIndex()
    folded = [folded_entity(e) for e in entities]
    for i, names in enumerate(folded):
        index.add(i, names)
    hits = []
    for party in sorted(parties, key=lambda p: p.id):
        party_names = folded_party(party)
        for i in sorted(index.candidates(party_names), key=lambda i: entities[i].id):
            e = entities[i]
            m = match_entity(party, e, party_names, folded[i])
            if m.score > 0 and m.score >= threshold:
                hits.append(ScreeningHit(party.id, m.party_name, e.id, e.schema, e.caption, m.matched_name, m.score,
                                         e.dataset, e.listed_on, str(m.detail["how"]), explain(m),
                                         m.score >= strong))
    return hits


def rescreen(uow: UnitOfWork, threshold: float = THRESHOLD, strong: float = STRONG_HIT) -> list[ScreeningHit]:
    """Match every party against every stored entity and replace the stored hits (caller's transaction)."""
    hits = match_parties(uow.parties.list(), uow.assessment.entities(), threshold, strong)
    uow.assessment.replace_hits(hits)
    return hits


def load_list(uow: UnitOfWork, principal: Principal, path: Path, *, listed_on: date, dataset: str | None = None,
              as_of: date | None = None, threshold: float = THRESHOLD, strong: float = STRONG_HIT) -> LoadReport:
    """Load a restricted-party list, screen every party against all lists, then re-assess permits in force
    and pending applications as of `as_of` (default: `listed_on`). A hit scores `threshold` or more (the
    authority's setting, ENDWATCH_SCREENING_THRESHOLD); it is strong, treated as the listed entity itself,
    at `strong` or more (ENDWATCH_SCREENING_STRONG). One transaction."""
    from endwatch.services.assessment.reassessment import reassess_in

    entities, skipped = read_entities(path, listed_on, dataset)
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        at = uow.now().isoformat(timespec="microseconds")
        entities = [ScreeningEntity(e.id, e.schema, e.caption, e.names, e.countries, e.dataset, e.listed_on, at,
                                    e.source_file) for e in entities]
        new = uow.assessment.save_entities(entities)
        hits = rescreen(uow, threshold, strong)
        w.record(action="screening.load", entity="screening_list", key=path.name,
                 after={"entities": len(entities), "new": new, "skipped": skipped, "hits": len(hits)},
                 reason=f"restricted-party list {path.name}")
        added = reassess_in(w, as_of or listed_on, f"restricted-party list {path.name} loaded")
    return LoadReport(path.name, len(entities), new, skipped, len(hits), len(added))


def list_hits(uow: UnitOfWork) -> list[ScreeningHit]:
    """Every stored screening hit, best first for each party."""
    with uow:
        return uow.assessment.hits()

