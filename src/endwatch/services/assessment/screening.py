"""Restricted-party screening: loading lists in the FollowTheMoney entity format (one JSON entity a
line, as published by OpenSanctions) and matching every party's names and aliases against them.

Names are compared with rapidfuzz's token-sort ratio (word order does not matter; case and punctuation
are ignored). A hit records the best-scoring pair of names and its score (0-100).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.types import registry
from rapidfuzz import fuzz, process, utils

from endwatch.domain.parties import Party
from endwatch.domain.risk.model import ScreeningHit
from endwatch.errors import InvalidInput, Problem
from endwatch.services.assessment.store import ScreeningEntity
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

THRESHOLD = 85.0  # hits below this score are not recorded
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
    """Parse a FollowTheMoney JSON-lines file into entities; returns (entities, lines skipped because
    their schema is not a legal entity). Raises InvalidInput with every bad line (line number given)."""
    problems: list[Problem] = []
    entities: dict[str, ScreeningEntity] = {}
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
            if not any(proxy.schema.is_a(s) for s in SCREENED_SCHEMATA):
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
    return list(entities.values()), skipped


def match_parties(parties: Sequence[Party], entities: Sequence[ScreeningEntity],
                  threshold: float = THRESHOLD) -> list[ScreeningHit]:
    """Every (party, entity) pair whose best pair of names scores at least `threshold`."""
    choices: list[str] = []
    owner: list[int] = []
    for i, e in enumerate(entities):
        for n in e.names:
            choices.append(n)
            owner.append(i)
    best: dict[tuple[str, int], tuple[float, str, str]] = {}
    for party in parties:
        for pname in party.all_names():
            for matched, score, idx in process.extract(pname, choices, scorer=fuzz.token_sort_ratio,
                                                       processor=utils.default_process, score_cutoff=threshold,
                                                       limit=None):
                key = (party.id, owner[idx])
                if key not in best or score > best[key][0]:
                    best[key] = (float(score), str(matched), pname)
    hits = []
    for (party_id, idx), (score, matched, pname) in sorted(best.items()):
        e = entities[idx]
        hits.append(ScreeningHit(party_id, pname, e.id, e.schema, e.caption, matched, round(score, 1), e.dataset,
                                 e.listed_on))
    return hits


def rescreen(uow: UnitOfWork) -> list[ScreeningHit]:
    """Match every party against every stored entity and replace the stored hits (caller's transaction)."""
    hits = match_parties(uow.parties.list(), uow.assessment.entities())
    uow.assessment.replace_hits(hits)
    return hits


def load_list(uow: UnitOfWork, principal: Principal, path: Path, *, listed_on: date, dataset: str | None = None,
              as_of: date | None = None) -> LoadReport:
    """Load a restricted-party list, screen every party against all lists, then re-assess permits in force
    and pending applications as of `as_of` (default: `listed_on`). One transaction."""
    from endwatch.services.assessment.reassessment import reassess_in

    entities, skipped = read_entities(path, listed_on, dataset)
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        at = uow.now().isoformat(timespec="microseconds")
        entities = [ScreeningEntity(e.id, e.schema, e.caption, e.names, e.countries, e.dataset, e.listed_on, at,
                                    e.source_file) for e in entities]
        new = uow.assessment.save_entities(entities)
        hits = rescreen(uow)
        w.record(action="screening.load", entity="screening_list", key=path.name,
                 after={"entities": len(entities), "new": new, "skipped": skipped, "hits": len(hits)},
                 reason=f"restricted-party list {path.name}")
        added = reassess_in(w, as_of or listed_on, f"restricted-party list {path.name} loaded")
    return LoadReport(path.name, len(entities), new, skipped, len(hits), len(added))


def list_hits(uow: UnitOfWork) -> list[ScreeningHit]:
    """Every stored screening hit, best first for each party."""
    with uow:
        return uow.assessment.hits()

