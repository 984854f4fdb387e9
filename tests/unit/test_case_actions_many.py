"""`recommend_for_diversions` gives exactly what one diverted permit at a time would, merged in permit order.

The oracle below is the rule written the plain way (every permit tried against every diverted permit);
hypothesis draws small worlds with shared consignees, destinations, control-list entries, validity
windows and status histories, and the fast answer must equal the oracle's, reasons and order included.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from endwatch.domain.cases import ActionKind, RecommendedAction, recommend_for_diversions
from endwatch.domain.parties import is_within
from endwatch.domain.permits import Application, ApplicationStatus, Permit, PermitStatus, StatusChange

DAY0 = date(2020, 1, 1)
CATS = {"p1": ("ML15",), "p2": ("ML15", "2-15"), "p3": ("2-21",), "p4": ()}
PARENT = {"az-forces": None, "az-air": "az-forces", "tr-navy": None, "de-army": None}
COUNTRY = {"az-forces": "AZ", "az-air": "AZ", "tr-navy": "TR", "de-army": "DE"}


def _oracle_one(d: Permit, on: date, permits: list[Permit], apps: list[Application], user: str | None,
                user_country: str | None) -> list[RecommendedAction]:
    out: list[RecommendedAction] = []
    entries = set(CATS.get(d.product_id, ()))
    for p in sorted(permits, key=lambda p: p.number):
        if not p.in_force_on(on):
            continue
        shared = sorted(entries & set(CATS.get(p.product_id, ())))
        if p.consignee_id == d.consignee_id:
            why = f"in force on {on.isoformat()} with the same consignee {d.consignee_id}"
        elif p.destination == d.destination and shared:
            why = (f"in force on {on.isoformat()} for the same destination {d.destination}"
                   f" and control-list entry {', '.join(shared)}")
        else:
            continue
        out.append(RecommendedAction(
            ActionKind.SUSPEND_PERMIT, p.number,
            f"Permit {p.number} is {why} as permit {d.number}, under which the item was diverted."))
    for a in sorted(apps, key=lambda a: a.number):
        if not a.status.pending:
            continue
        grounds = []
        if a.consignee_id == d.consignee_id:
            grounds.append(f"it names the same consignee {a.consignee_id}")
        if user and is_within(a.end_user_id, user, PARENT):
            grounds.append(f"its end user {a.end_user_id} is the observed user {user} or part of it")
        elif user_country and COUNTRY.get(a.end_user_id) == user_country:
            grounds.append(f"its end user {a.end_user_id} is in {user_country}, the observed user's country")
        if grounds:
            out.append(RecommendedAction(ActionKind.HOLD_APPLICATION, a.number,
                                         f"Application {a.number} is pending and {'; '.join(grounds)}."))
    out.append(RecommendedAction(
        ActionKind.NOTIFY_EXPORTER, d.exporter_id,
        f"Notify the exporter {d.exporter_id} that an item it delivered under permit {d.number}"
        f" was found with an unauthorised user, and ask it to confirm the item."))
    return out


def _oracle(diverted: list[tuple[Permit, date]], permits: list[Permit], apps: list[Application], user: str | None,
            user_country: str | None, existing: set[tuple[ActionKind, str]]) -> list[RecommendedAction]:
    seen = set(existing)
    out = []
    for d, on in sorted(diverted, key=lambda x: x[0].number):
        for a in _oracle_one(d, on, permits, apps, user, user_country):
            if (a.kind, a.target) not in seen:
                seen.add((a.kind, a.target))
                out.append(a)
    return out


@st.composite
def _permit(draw: st.DrawFn, number: int) -> Permit:
    issued = DAY0 + timedelta(days=draw(st.integers(0, 60)))
    expires = issued + timedelta(days=draw(st.integers(0, 60)))
    # As stored: issuance first, then perhaps a suspension, then perhaps a reinstatement or a revocation.
    history: tuple[StatusChange, ...] = (StatusChange(PermitStatus.ISSUED, issued),) if draw(st.booleans()) else ()
    if draw(st.booleans()):
        start = issued + timedelta(days=draw(st.integers(0, 40)))
        history += (StatusChange(PermitStatus.SUSPENDED, start),)
        then = draw(st.sampled_from([None, PermitStatus.REINSTATED, PermitStatus.REVOKED]))
        if then is not None:
            history += (StatusChange(then, start + timedelta(days=draw(st.integers(1, 20)))),)
    return Permit(f"P-{number:02d}", draw(st.sampled_from(["maker-a", "maker-b"])),
                  draw(st.sampled_from(["c1", "c2", "c3"])), "tr-navy", draw(st.sampled_from(["TR", "AZ", "DE"])),
                  draw(st.sampled_from(sorted(CATS))), 5, issued, expires, history=history)


@st.composite
def _world(draw: st.DrawFn) -> tuple[list[Permit], list[tuple[Permit, date]], list[Application]]:
    permits = [draw(_permit(i)) for i in range(draw(st.integers(1, 20)))]
    chosen = draw(st.lists(st.sampled_from(permits), min_size=1, max_size=12, unique_by=lambda p: p.number))
    diverted = [(p, DAY0 + timedelta(days=draw(st.integers(0, 120)))) for p in chosen]
    apps = [Application(f"A-{i}", "maker-a", draw(st.sampled_from(["c1", "c2", "c3"])),
                        draw(st.sampled_from(sorted(PARENT))), "TR", "p1", 1, DAY0,
                        status=draw(st.sampled_from([ApplicationStatus.RECEIVED, ApplicationStatus.DENIED])))
            for i in range(draw(st.integers(0, 5)))]
    return permits, diverted, apps


@settings(max_examples=300, deadline=None)
@given(_world(), st.sampled_from([None, "az-forces", "az-air"]), st.booleans(), st.data())
def test_many_diverted_permits_equal_one_at_a_time(world: tuple[list[Permit], list[tuple[Permit, date]],
                                                                list[Application]],
                                                   user: str | None, with_country: bool, data: st.DataObject) -> None:
    permits, diverted, apps = world
    user_country = COUNTRY.get(user or "") if with_country else None
    keys = [(ActionKind.SUSPEND_PERMIT, p.number) for p in permits] + [(ActionKind.HOLD_APPLICATION, a.number)
                                                                      for a in apps]
    existing = set(data.draw(st.lists(st.sampled_from(keys), max_size=3))) if keys else set()
    fast = recommend_for_diversions(
        diverted=diverted, categories_of=CATS, permits=permits, applications=apps, observed_user_id=user,
        observed_user_country=user_country, parent_of=PARENT, country_of=COUNTRY, existing=existing)
    assert fast == _oracle(diverted, permits, apps, user, user_country, existing)
