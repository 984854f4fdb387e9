"""Reconciliation: what a check found, serial by serial, against what was delivered under its permits.

Each item delivered under the check's permits by the day of the check is
- `verified`: found with the declared end user (or one of its sub-units; no user given counts as the declared
  one, the check being at its site) at the check's place (or no other place given);
- `other-user`: found with someone else (a party outside the end user, or a name that is no party);
- `other-place`: found with the declared end user, elsewhere than the check's place;
- `missing`: not found.
A found serial that is none of them is `unexpected`: detection's matching (the same tiers, services/detection/
matching.py) says what it is — an item of another permit, a near reading of one, or nothing known. A found
serial that detection matches to one expected item as the same serial (exact, or equivalent: look-alike
characters such as I for 1) counts for that item, with its tier named. A weaker match (a character
unreadable, one character different) does not: an inspector reads the plate itself, so a serial one character
off is as likely another item as a misreading; it stays unexpected, naming the item it is near, and that item
stays missing until it is found as itself.

`file_findings` turns every line other than verified into a sighting graded as the check is (A1 for the
authority's own staff unless recorded otherwise), in one write with detection's run on them: the findings, the
cases and the re-assessment follow detection's own rules. A missing item is recorded as not presented by its
declared end user: detection reads that as an item no longer with it (a diversion, opening a case). What the
inspector saw is only its absence, not where it went, so that information is graded at best 3 ("possibly
true") whatever the check's grade: the finding is at most probable, never confirmed, until an inquiry says more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from endwatch.domain.matching import Tier
from endwatch.domain.parties import is_within
from endwatch.domain.sightings import Sighting
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.authz import Action, Principal, company_scope, require
from endwatch.services.detection.matching import match_batch, read
from endwatch.services.detection.run import DetectionRun, detect_in
from endwatch.services.detection.sightings import add_in
from endwatch.services.detection.store import Candidate
from endwatch.services.detection.world import World
from endwatch.services.gate import write
from endwatch.services.monitoring.checks import visible_check
from endwatch.services.monitoring.store import Check, FoundItem
from endwatch.services.uow import UnitOfWork

STATUSES = ("verified", "other-user", "other-place", "missing", "unexpected")
# How credible an absence is as news of a diversion (Admiralty 3, "possibly true"; see the module's docstring).
ABSENCE_CREDIBILITY = "3"
# The tiers at which a found serial is the expected item itself (see the module's docstring).
SAME_SERIAL = (Tier.EXACT, Tier.EQUIVALENT)


@dataclass(frozen=True)
class Line:
    """One item of the reconciliation: its status, the item delivered (or the serial found, when unexpected),
    and what was found of it."""

    status: str
    serial: str  # as delivered; as found for an unexpected serial
    permit_number: str | None
    declared_user: str | None
    found_serial: str | None = None
    tier: str | None = None
    found_user: str | None = None
    found_place: str | None = None
    condition: str = ""
    note: str = ""


@dataclass(frozen=True)
class Reconciliation:
    """A check's reconciliation: the lines of each permit, then the unexpected serials."""

    check: Check
    on: date
    permits: dict[str, list[Line]]
    unexpected: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for lines in self.permits.values() for line in lines] + self.unexpected

    def counts(self) -> dict[str, int]:
        found = Counter(line.status for line in self.lines)
        return {s: found.get(s, 0) for s in STATUSES}


def _user_label(item: FoundItem) -> str | None:
    return item.user_id or (item.user_name.strip() or None)


def reconcile_in(uow: UnitOfWork, check: Check, found: list[FoundItem], world: World | None = None) -> Reconciliation:
    """Reconcile inside an open unit of work (no authorisation: callers check it)."""
    on = check.done_on or check.planned_on
    expected: dict[int, Candidate] = {}
    permits = list(check.permits)
    for c in uow.checks.expected_items(permits, on):
        expected[c.delivery_id] = c
    world = world or World(uow)
    # Every found serial goes through detection's matching at once: the exact key first, then its tiers.
    readings = [read(world, Sighting(f"found-{n}", on, item.serial, "A", "1", model=item.model))
                for n, item in enumerate(found)]
    matched = match_batch(uow, readings)
    parent_of = world.parent_of
    place = check.place.strip().casefold()
    by_item: dict[int, tuple[FoundItem, Tier | None]] = {}
    unexpected: list[Line] = []
    for n, item in enumerate(found):
        tier, cands = matched.get(f"found-{n}", (None, []))
        ours = [c for c in cands if c.delivery_id in expected]
        if len(ours) == 1 and ours[0].delivery_id not in by_item and tier in SAME_SERIAL:
            by_item[ours[0].delivery_id] = (item, tier)
            continue
        if len(ours) > 1:
            note = (f"fits {len(ours)} items of this check equally ({tier.value if tier else ''}): none is chosen")
        elif ours and tier not in SAME_SERIAL:
            note = (f"near item {ours[0].serial} of permit {ours[0].permit_number} ({tier.value if tier else ''}),"
                    " not counted as found: read the plate again")
        elif ours:
            note = f"fits item {ours[0].serial} of permit {ours[0].permit_number}, already found as another serial"
        elif cands:
            note = "; ".join(f"item {c.serial} of permit {c.permit_number} (end user {c.end_user_id})"
                             for c in cands[:5]) + (f" at tier {tier.value}" if tier else "")
        else:
            note = readings[n].stop or "no delivered item fits this serial"
        unexpected.append(Line("unexpected", item.serial, cands[0].permit_number if len(cands) == 1 else None, None,
                               item.serial, tier.value if tier and cands else None, _user_label(item),
                               item.place or None, item.condition, note))
    lines: dict[str, list[Line]] = {p: [] for p in permits}
    for c in sorted(expected.values(), key=lambda c: (c.permit_number, c.serial)):
        got = by_item.get(c.delivery_id)
        if got is None:
            lines[c.permit_number].append(Line("missing", c.serial, c.permit_number, c.end_user_id,
                                               note=f"delivered {c.delivered_on.isoformat()}, not found"))
            continue
        item, tier = got
        tier_note = f"read as {item.serial!r} ({tier.value})" if tier and tier is not Tier.EXACT else ""
        other_user = (item.user_id is not None and not is_within(item.user_id, c.end_user_id, parent_of)) or (
            item.user_id is None and bool(item.user_name.strip()) and not _names(world, item.user_name, c.end_user_id))
        other_place = bool(item.place.strip()) and bool(place) and item.place.strip().casefold() != place
        status = "other-user" if other_user else "other-place" if other_place else "verified"
        lines[c.permit_number].append(Line(status, c.serial, c.permit_number, c.end_user_id, item.serial,
                                           tier.value if tier else None, _user_label(item), item.place or None,
                                           item.condition, tier_note))
    return Reconciliation(check, on, lines, unexpected)


def _names(world: World, text: str, end_user: str) -> bool:
    """Whether a user given in words names the declared end user (or a sub-unit of it), as detection reads names."""
    ids, _ = world.all_parties.lookup(text)
    return bool(ids) and all(is_within(i, end_user, world.parent_of) for i in ids)


def reconcile(uow: UnitOfWork, principal: Principal, check_id: int) -> Reconciliation:
    """The reconciliation of a check as it stands (read only). An exporter sees only its own checks, and of them
    only its own permits' lines: never the unexpected serials, which may be anyone's items."""
    require(principal, Action.CHECKS_READ)
    with uow:
        check = visible_check(uow, principal, check_id)
        rec = reconcile_in(uow, check, uow.checks.found_items(check_id))
    if company_scope(principal) is not None:
        return replace(rec, unexpected=[])
    return rec


@dataclass(frozen=True)
class Filed:
    """What filing a check's findings did: the sightings recorded and detection's run on them."""

    reconciliation: Reconciliation
    sightings: list[str]
    run: DetectionRun | None


def sighting_id(check_id: int, n: int) -> str:
    """The id of the n-th sighting a check records (stable: filing again records nothing twice)."""
    return f"CHECK-{check_id}-{n}"


def file_findings(uow: UnitOfWork, principal: Principal, check_id: int) -> Filed:
    """Record every unverified line of a done check as a sighting graded as the check is, and decide them with
    detection's rules in the same write (findings, cases, re-assessment). Filing again adds nothing."""
    require(principal, Action.DETECTION_RUN)
    with write(uow, principal, Action.CHECKS_WRITE) as w:
        check = uow.checks.get_check(check_id)
        if check is None:
            raise NotFound("check", str(check_id))
        if check.done_on is None:
            raise InvalidInput([Problem(f"check {check_id} has no result yet: record it first", column="check")])
        world = World(uow)
        rec = reconcile_in(uow, check, uow.checks.found_items(check_id), world)
        source = (f"end-use check {check_id} ({check.kind}) by {check.inspector}"
                  + (" (the authority's own staff)" if check.by_authority else ""))
        todo = [line for line in rec.lines if line.status != "verified"]
        ids = [sighting_id(check_id, n) for n in range(1, len(todo) + 1)]
        done = uow.detection.sighting_ids(ids)
        recorded = []
        for sid, line in zip(ids, todo, strict=True):
            if sid in done:
                continue
            credibility = check.credibility
            if line.status == "missing":
                user = f"not presented by the declared end user at end-use check {check_id}"
                serial = line.serial
                credibility = max(credibility, ABSENCE_CREDIBILITY)  # "1" < "2" < "3": at best possibly true
            else:
                # A party by its name, which is how detection reads an observed user.
                user = world.names.get(line.found_user or "", line.found_user or "")
                serial = line.found_serial or line.serial
            add_in(w, Sighting(sid, rec.on, serial, check.reliability, credibility,
                               place=line.found_place or check.place, observed_user=user, source=source),
                   reason=f"end-use check {check_id}: {line.status}")
            recorded.append(sid)
        run = detect_in(w, since=rec.on, reassess=True) if recorded else None
        w.record(action="check.findings", entity="check", key=str(check_id),
                 after={"sightings": recorded, "counts": rec.counts()})
    return Filed(rec, recorded, run)
