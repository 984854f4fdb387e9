"""An assessment's inputs: the part of the world it drew on, cut to what was known, as JSON and back.

Stored with every assessment so that it can be reproduced later exactly, whatever has changed since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, cast

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    EndUseUndertaking,
    Permit,
    PermitStatus,
    StatusChange,
)
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product
from endwatch.domain.risk.facts import RECENT, conflicts_involving, lineage, onward_transfers
from endwatch.domain.risk.model import (
    AnswerRecord,
    CheckRecord,
    Conflict,
    FindingRecord,
    ScreeningHit,
    Subject,
    TransferReport,
    World,
)
from endwatch.errors import InvalidInput, Problem
from endwatch.services.assessment.store import roles_from_json
from endwatch.services.audit.trail import snapshot


def relevant(subject: Subject, world: World) -> World:
    """The part of `world` that the indicators can use for `subject` (the rest cannot change the result)."""
    family = world.family_of(subject.product_id)
    user_state = world.country_of(subject.end_user_id)
    # Records on the route declaring an end user in the subject's own state cannot change the result.
    route = [r for r in world.on_route(family, subject.exporter_id, subject.consignee_id)
             if world.country_of(r.end_user_id) != user_state or r.number in (subject.application_number,
                                                                              subject.permit_number)]
    apps = tuple(sorted((r for r in route if isinstance(r, Application)), key=lambda a: a.number))
    on_route = {r.number for r in route if isinstance(r, Permit)}
    # Permits named by findings: the diversion indicator reads their consignee and end user.
    wanted = on_route | {f.permit_number for f in world.findings if f.permit_number}
    permits = tuple(world.permit_by_number[n] for n in sorted(wanted) if n in world.permit_by_number)
    ids: set[str] = {subject.exporter_id, subject.consignee_id, subject.end_user_id}
    records: list[Application | Permit] = [*apps, *permits]
    for rec in records:
        ids |= {rec.exporter_id, rec.consignee_id, rec.end_user_id}
    # Transfers reach the indicators only as onward transfers (facts.onward_transfers, on the same date).
    # A register's state-level entry counts only when its recipient is at war (conflict.py, onward.py).
    day = world.cut_on
    transfers = [t for t in onward_transfers(world, subject, day)
                 if t.supplier_id or day is None or any(
                     i.at_war for i in conflicts_involving(world, day, country=t.recipient_country,
                                                           party_id=t.recipient_id))]
    for t in transfers:
        ids |= {x for x in (t.supplier_id, t.recipient_id) if x}
    # Conflicts the indicators can reach: those of the destination, the end user's state, the states of
    # end users declared on the route, states receiving reported transfers, and of the parties involved.
    reach = {subject.destination, user_state, *(world.country_of(r.end_user_id) for r in records),
             *(t.recipient_country for t in transfers)}
    conflicts: dict[int, Conflict] = {}
    for code in reach:
        conflicts.update((id(c), c) for c in world.conflicts_of(code))
    for pid in {x for i in ids for x in lineage(world, i)}:
        conflicts.update((id(c), c) for c in world.conflicts_of_party(pid))
    # Only the conflicts that count on the day assessed (under way, or ended less than RECENT before it).
    order = _positions(world)
    kept = tuple(sorted((c for c in conflicts.values()
                         if day is None or c.ended_on is None or day - c.ended_on <= RECENT),
                        key=lambda c: order[id(c)]))
    for c in kept:
        ids |= set(c.party_ids) | {r.party_id for r in c.roles if r.party_id}
    for f in world.findings:
        if f.observed_user_id:
            ids.add(f.observed_user_id)
    ids = {x for i in ids for x in lineage(world, i)}
    products = {subject.product_id} | {r.product_id for r in records}
    countries = {subject.destination, user_state}
    return World(
        parties={k: p for k, p in world.parties.items() if k in ids},
        products={k: p for k, p in world.products.items() if k in products},
        policies=tuple(p for p in world.policies if p.country in countries),
        applications=apps,
        permits=permits,
        conflicts=kept,
        transfers=tuple(transfers),
        hits=tuple(h for h in world.hits if h.party_id in ids),
        findings=world.findings,
        answers=tuple(a for a in world.answers
                      if a.party_id in {subject.exporter_id, subject.consignee_id, subject.end_user_id}),
        count_overdue_answers=world.count_overdue_answers,
        # Only unfavourable checks can change the result (domain/risk/checks.py).
        checks=tuple(c for c in world.checks if c.outcome == "unfavourable"),
        count_checks=world.count_checks,
    )


def _positions(world: World) -> dict[int, int]:
    """Each conflict's position in the world (memoised): inputs keep the world's order."""
    key = ("positions",)
    if key not in world.memo:
        world.memo[key] = {id(c): i for i, c in enumerate(world.conflicts)}
    return cast(dict[int, int], world.memo[key])


def to_inputs(subject: Subject, world: World) -> dict[str, Any]:
    """JSON-ready inputs: the subject and the relevant world."""
    w = relevant(subject, world)
    # The same conflict or transfer is in many subjects' inputs: snapshot each once per world.
    memo = world.memo

    def snap(items: tuple[Any, ...]) -> list[Any]:
        found = []
        for item in items:
            key = ("snapshot", id(item))
            if key not in memo:
                memo[key] = snapshot(item)
            found.append(memo[key])
        return found

    return {"subject": snapshot(subject), "world": {
        "parties": snap(tuple(w.parties.values())), "products": snapshot(list(w.products.values())),
        "policies": snapshot(w.policies), "applications": snapshot(w.applications), "permits": snap(w.permits),
        "conflicts": snap(w.conflicts), "transfers": snap(w.transfers), "hits": snapshot(w.hits),
        "findings": snapshot(w.findings),
        # Only where the policy counts overdue answers, so that inputs stored without them are unchanged.
        **({"count_overdue_answers": True, "answers": snapshot(w.answers)} if w.count_overdue_answers else {}),
        # Only once checks are counted, so that inputs stored before are unchanged.
        **({"count_checks": True, "checks": snapshot(w.checks)} if w.count_checks else {})}}


# Evidence shared by many assessments is stored once, by digest (table evidence_items): an assessment's
# inputs name each of these kinds by one digest, of the list of its items' digests (a "bundle", stored once
# too: subjects on one route share their permits, parties and transfers). Inputs stored before list the
# items' digests (conflicts, transfers) or hold the items whole: both are still read.
ADDRESSED = ("conflicts", "transfers", "permits", "parties")
BUNDLE = "bundle"


def evidence_digest(body: Any) -> str:
    """SHA-256 of the canonical JSON of one piece of evidence (its address)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def address(inputs: dict[str, Any], memo: dict[Any, Any] | None = None) -> tuple[dict[str, Any],
                                                                                 dict[str, tuple[str, Any]]]:
    """Inputs whose conflicts, transfers, permits and parties are each replaced by the digest of their bundle
    (the list of their items' digests), and the bodies by digest (with kind: the item's, or "bundle").
    `memo` (the world's) keeps each body's digest, as long as the bodies it holds are alive."""
    world = dict(inputs["world"])
    bodies: dict[str, tuple[str, Any]] = {}
    for kind in ADDRESSED:
        refs = []
        for body in world[kind]:
            if memo is None:
                digest = evidence_digest(body)
            else:
                key = ("digest", id(body))
                if key not in memo:
                    memo[key] = evidence_digest(body)
                digest = memo[key]
            bodies[digest] = (kind, body)
            refs.append(digest)
        bundle = evidence_digest(refs)
        bodies[bundle] = (BUNDLE, refs)
        world[kind] = {BUNDLE: bundle}
    return {**inputs, "world": world}, bodies


def resolve(inputs: dict[str, Any], fetch: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
    """Inputs with every bundle and digest replaced by the evidence it addresses (inputs stored whole are
    returned as they are). Raises InvalidInput when a body is missing or no longer matches its digest."""
    world = dict(inputs["world"])

    def fetched(wanted: list[str]) -> dict[str, Any]:
        found = fetch(wanted) if wanted else {}
        bad = [d for d in wanted if d not in found or evidence_digest(found[d]) != d]
        if bad:
            raise InvalidInput([Problem(f"stored evidence {d[:12]}... is missing or altered", "evidence_items")
                                for d in bad])
        return found

    bundles = {kind: world[kind][BUNDLE] for kind in ADDRESSED if isinstance(world.get(kind), dict)}
    if bundles:
        found = fetched(sorted(set(bundles.values())))
        world.update({kind: list(found[d]) for kind, d in bundles.items()})
    wanted = [d for kind in ADDRESSED for d in world.get(kind, []) if isinstance(d, str)]
    if not wanted and not bundles:
        return inputs
    found = fetched(sorted(set(wanted)))
    world.update({kind: [found[d] if isinstance(d, str) else d for d in world.get(kind, [])]
                  for kind in ADDRESSED if kind in world})
    return {**inputs, "world": world}


def _d(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _dd(v: str) -> date:
    return date.fromisoformat(v)


def _undertaking(v: dict[str, Any]) -> EndUseUndertaking:
    return EndUseUndertaking(v["end_use"], v["no_reexport"], v["signatory"], _d(v["signed_on"]))


def _goods(v: dict[str, Any]) -> dict[str, Any]:
    return {"exporter_id": v["exporter_id"], "consignee_id": v["consignee_id"], "end_user_id": v["end_user_id"],
            "destination": v["destination"], "product_id": v["product_id"], "quantity": v["quantity"],
            "undertaking": _undertaking(v["undertaking"]), "currency": v["currency"],
            "value": Decimal(v["value"]) if v["value"] is not None else None}


def _transfer(t: dict[str, Any]) -> TransferReport:
    return TransferReport(t["supplier_id"], t["recipient_country"], t["item"], _dd(t["reported_on"]), t["source"],
                          t["recipient_id"], t.get("reference") or "", t.get("supplier_country"),
                          t.get("recipient_name") or "", t.get("recipient_kind") or "", t.get("designation") or "",
                          t.get("description") or "", t.get("manufacturer") or "", t.get("ordered"),
                          t.get("delivered"), t.get("order_year"), tuple(t.get("delivery_years") or ()),
                          tuple(t.get("uncertain") or ()), bool(t.get("second_hand")),
                          bool(t.get("licensed_production")), t.get("comments") or "")


def from_inputs(inputs: dict[str, Any]) -> tuple[Subject, World]:
    """The subject and world stored by `to_inputs`."""
    s = inputs["subject"]
    subject = Subject(s["kind"], s["key"], s["exporter_id"], s["consignee_id"], s["end_user_id"], s["destination"],
                      s["product_id"], s["quantity"], _dd(s["dated"]), _undertaking(s["undertaking"]),
                      s["application_number"], s["permit_number"], s["exception"], s["justification"])
    w = inputs["world"]
    world = World(
        parties={p["id"]: Party(p["id"], p["name"], PartyKind(p["kind"]), p["country"], p["parent_id"],
                                tuple(p["aliases"]), tuple(p["former_names"])) for p in w["parties"]},
        products={p["id"]: Product(p["id"], p["manufacturer_id"], p["model"], tuple(p["aliases"]),
                                   tuple(p["categories"]), p["description"], p["family"]) for p in w["products"]},
        policies=tuple(Policy(p["id"], p["country"], Measure(p["measure"]), tuple(p["categories"]),
                              _dd(p["effective_from"]), _d(p["effective_to"]), tuple(p["exceptions"]), p["reference"])
                       for p in w["policies"]),
        applications=tuple(Application(number=a["number"], received_on=_dd(a["received_on"]),
                                       status=ApplicationStatus(a["status"]), **_goods(a))
                           for a in w["applications"]),
        permits=tuple(Permit(number=p["number"], issued_on=_dd(p["issued_on"]), expires_on=_dd(p["expires_on"]),
                             application_number=p["application_number"], policy_id=p["policy_id"],
                             policy_measure=p["policy_measure"], exception=p["exception"],
                             justification=p["justification"],
                             history=tuple(StatusChange(PermitStatus(c["status"]), _dd(c["effective_on"]), c["reason"],
                                                        c["reference"]) for c in p["history"]), **_goods(p))
                      for p in w["permits"]),
        conflicts=tuple(Conflict(c["id"], c["name"], tuple(c["countries"]), _dd(c["started_on"]), _d(c["ended_on"]),
                                 tuple(c["party_ids"]), c["source"], c.get("intensity"),
                                 roles_from_json(c.get("roles") or []), _d(c.get("known_on")), c.get("series") or "",
                                 c.get("kind") or "") for c in w["conflicts"]),
        transfers=tuple(_transfer(t) for t in w["transfers"]),
        hits=tuple(ScreeningHit(h["party_id"], h["party_name"], h["entity_id"], h["entity_schema"],
                                h["entity_caption"], h["matched_name"], h["score"], h["dataset"], _dd(h["listed_on"]),
                                h.get("how", ""), h.get("parts", ""), h.get("strong"), _d(h.get("ended_on")),
                                h.get("programme", ""), h.get("authority", ""), h.get("review", ""),
                                h.get("review_note", ""),
                                tuple((_dd(a), _d(b)) for a, b in h.get("listings") or ()))
                   for h in w["hits"]),
        findings=tuple(FindingRecord(f["sighting_id"], f["verdict"], _dd(f["observed_on"]), _dd(f["known_on"]),
                                     f["confidence"], f["permit_number"], f["observed_user_id"], f["observed_country"])
                       for f in w["findings"]),
        answers=tuple(AnswerRecord(a["party_id"], a["kind"], a["key"], _dd(a["asked_on"]), _dd(a["due_on"]),
                                   _d(a["answered_on"]), _d(a["closed_on"])) for a in w.get("answers", ())),
        count_overdue_answers=bool(w.get("count_overdue_answers", False)),
        # Inputs stored before end-use checks existed have none.
        checks=tuple(CheckRecord(c["check_id"], c["kind"], _dd(c["done_on"]), c["outcome"], c["reasons"],
                                 tuple(c["permit_numbers"]), tuple(c["end_user_ids"]), tuple(c["consignee_ids"]),
                                 tuple(c["destinations"])) for c in w.get("checks", ())),
        count_checks=bool(w.get("count_checks", False)),
    )
    return subject, world
