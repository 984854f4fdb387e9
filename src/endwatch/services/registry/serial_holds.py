"""Delivered items held for review because they share a serial key (migration 0016_serial_key held them),
and how a hold ends.

- `review_hold` records a reviewer's conclusion on a held item (for instance: two items whose serials read
  alike, both genuine): the item stays held, so trace and detection keep answering "ambiguous" for its key.
  It changes nothing a serial means: one person, audited.
- Releasing a hold makes the item an ordinary item again, the one its serial key names (the unique index
  takes it back; trace no longer marks it held). That changes what the serial means, so it takes two people:
  `propose_release`, then `confirm_release` by someone else (never the proposer, a delegate or a service
  account), or `reject_release`. Only one item of a group can be released (keys are unique among items not
  held); the others stay held until reviewed. The proposal lives in the audit trail (entity `serial_hold`,
  the item's id), which is where every step is recorded.
"""

from __future__ import annotations

from dataclasses import asdict

from endwatch.domain.audit import AuditEntry
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, require_signature
from endwatch.services.gate import write
from endwatch.services.registry.store import SerialHold
from endwatch.services.uow import UnitOfWork

ENTITY = "serial_hold"
PROPOSED, RELEASED, REJECTED, REVIEWED = ("serial.release.propose", "serial.release", "serial.release.reject",
                                          "serial.review")


def held_items(uow: UnitOfWork) -> list[SerialHold]:
    """Every item held for review, grouped by manufacturer, product family and serial key (then by id).

    Items in one group were accepted as different serials before the one serial key; they now read as the
    same serial. None was merged or dropped: trace lists them all as ambiguous, and no new delivery can
    join them.
    """
    with uow:
        return uow.deliveries.holds()


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput([Problem("give the reason (what the review found)", column="reason")])
    return reason.strip()


def _hold(uow: UnitOfWork, item: int) -> SerialHold:
    found = next((h for h in uow.deliveries.holds() if h.delivery_id == item), None)
    if found is None:
        raise NotFound("held item", str(item))
    return found


def pending_release(uow: UnitOfWork, item: int) -> AuditEntry | None:
    """The open proposal to release the item's hold (inside an open unit of work), if there is one."""
    last = None
    for e in uow.audit.for_entity(ENTITY, str(item)):
        if e.action in (PROPOSED, RELEASED, REJECTED):
            last = e
    return last if last is not None and last.action == PROPOSED else None


def _check_releasable(uow: UnitOfWork, hold: SerialHold) -> None:
    others = [r for r in uow.deliveries.find_by_serial_norm(hold.serial_key)
              if r.manufacturer_id == hold.manufacturer_id and r.family == hold.family and not r.held]
    if others:
        raise RuleViolation("serial-unique", f"another item of manufacturer {hold.manufacturer_id!r} and family"
                            f" {hold.family!r} already holds serial key {hold.serial_key!r} ({others[0].item.serial!r}"
                            f" under permit {others[0].item.permit_number}): only one item of a group can be"
                            " released", [f"item {hold.delivery_id}", f"serial {others[0].item.serial}"])


def propose_release(uow: UnitOfWork, principal: Principal, item: int, reason: str) -> AuditEntry:
    """The first signature: propose that the item become the one its serial key names. Nothing changes yet."""
    require_signature(principal, "the release of a serial hold", [f"item {item}"])
    why = _reason(reason)
    with write(uow, principal, Action.SERIALS_REVIEW) as w:
        hold = _hold(uow, item)
        if pending_release(uow, item) is not None:
            raise RuleViolation("proposal-open", f"the release of item {item}'s hold is already proposed: confirm or"
                                " reject it", [f"item {item}"])
        _check_releasable(uow, hold)
        return w.record(action=PROPOSED, entity=ENTITY, key=str(item), before=asdict(hold),
                        after={"release": item}, reason=why)


def confirm_release(uow: UnitOfWork, principal: Principal, item: int, reason: str = "") -> SerialHold:
    """The second signature, by someone other than the proposer: the hold is lifted. Returns the hold as it was."""
    require_signature(principal, "the release of a serial hold", [f"item {item}"])
    with write(uow, principal, Action.SERIALS_REVIEW) as w:
        hold = _hold(uow, item)
        proposal = pending_release(uow, item)
        if proposal is None:
            raise RuleViolation("proposal-missing", f"no release of item {item}'s hold is proposed"
                                " (`endwatch serials release ITEM --reason ...` first)", [f"item {item}"])
        if proposal.actor == principal.username:
            raise RuleViolation("four-eyes", f"{principal.username} proposed this release and cannot also confirm"
                                " it: a second person must", [f"item {item}"])
        _check_releasable(uow, hold)
        uow.deliveries.release_hold(item)
        w.record(action=RELEASED, entity=ENTITY, key=str(item), before=asdict(hold),
                 after={"released": item, "proposed_by": proposal.actor, "proposal": proposal.seq,
                        "proposal_reason": proposal.reason}, reason=reason.strip() or proposal.reason)
        return hold


def reject_release(uow: UnitOfWork, principal: Principal, item: int, reason: str) -> AuditEntry:
    """Close the open proposal without releasing anything (the proposer may withdraw it this way too)."""
    why = _reason(reason)
    with write(uow, principal, Action.SERIALS_REVIEW) as w:
        _hold(uow, item)
        proposal = pending_release(uow, item)
        if proposal is None:
            raise RuleViolation("proposal-missing", f"no release of item {item}'s hold is proposed", [f"item {item}"])
        return w.record(action=REJECTED, entity=ENTITY, key=str(item), after={"proposal": proposal.seq},
                        reason=why)


def review_hold(uow: UnitOfWork, principal: Principal, item: int, reason: str) -> SerialHold:
    """Record a review's conclusion on a held item; it stays held (one signature: nothing a serial means changes)."""
    require_signature(principal, "a serial hold's review", [f"item {item}"])
    why = _reason(reason)
    with write(uow, principal, Action.SERIALS_REVIEW) as w:
        hold = _hold(uow, item)
        note = f"{hold.reason}; reviewed by {principal.username} on {uow.now().date().isoformat()}: {why}"
        uow.deliveries.note_hold(item, note)
        w.record(action=REVIEWED, entity=ENTITY, key=str(item), before=asdict(hold), after={"reason": note},
                 reason=why)
        return _hold(uow, item)
