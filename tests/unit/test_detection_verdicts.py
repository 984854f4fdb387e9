"""Verdicts, confidence and recommended actions on hand-made cases (pure domain)."""

from __future__ import annotations

from datetime import date

from endwatch.domain.cases import ActionKind, recommend_actions, recommend_for_diversions
from endwatch.domain.matching import Tier
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    Permit,
    PermitStatus,
    StatusChange,
)
from endwatch.domain.verdicts import Confidence, MatchedItem, Observation, Recipient, Verdict, confidence, decide

PARENT = {"tr-navy": "tr-forces", "tr-forces": None, "tr-navy-north": "tr-navy", "az-forces": None,
          "az-air": "az-forces", "ly-forces": None}
NAMES = {"tr-navy": "Turkish Naval Forces", "az-forces": "Azerbaijani Armed Forces"}
ITEM = MatchedItem("SN-1", date(2020, 9, 15), "P-1", "mx", "tr-navy", "TR", Tier.EXACT)
LY = Recipient("ly-forces", "LY", date(2021, 1, 1), "consent ref 7")


def obs(user: str = "", ids: tuple[str, ...] = (), country: str | None = None, on: date = date(2020, 10, 1),
        grade: str = "A1") -> Observation:
    return Observation(on, country, user, ids, grade[0], grade[1])


def test_declared_end_user_is_consistent() -> None:
    d = decide(obs("Turkish Naval Forces", ("tr-navy",)), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.CONSISTENT and d.confidence is Confidence.CONFIRMED
    assert any("is the declared end user" in r for r in d.reasons)


def test_sub_unit_of_end_user_is_consistent() -> None:
    d = decide(obs("Northern fleet", ("tr-navy-north",)), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.CONSISTENT
    assert any("part of the declared end user" in r for r in d.reasons)


def test_anyone_else_is_diversion() -> None:
    d = decide(obs("Azerbaijani Armed Forces", ("az-forces",)), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.DIVERSION
    assert any("Azerbaijani Armed Forces (az-forces) is neither" in r for r in d.reasons)


def test_unknown_user_text_is_diversion() -> None:
    d = decide(obs("Some militia", ()), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.DIVERSION
    assert any("names no known party" in r for r in d.reasons)


def test_parent_of_end_user_is_diversion_but_only_possible() -> None:
    d = decide(obs("Turkish Armed Forces", ("tr-forces",)), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.DIVERSION and d.confidence is Confidence.POSSIBLE


def test_retransfer_in_force_on_the_day_is_consistent_and_not_before() -> None:
    after = decide(obs("Libyan forces", ("ly-forces",), on=date(2021, 2, 1)), ITEM, [LY], PARENT, NAMES)
    assert after.verdict is Verdict.CONSISTENT
    assert any("consent ref 7" in r for r in after.reasons)
    before = decide(obs("Libyan forces", ("ly-forces",), on=date(2020, 12, 1)), ITEM, [LY], PARENT, NAMES)
    assert before.verdict is Verdict.DIVERSION


def test_country_only() -> None:
    assert decide(obs(country="TR"), ITEM, [], PARENT, NAMES).verdict is Verdict.CONSISTENT
    assert decide(obs(country="AZ"), ITEM, [], PARENT, NAMES).verdict is Verdict.DIVERSION
    assert decide(obs(country="LY", on=date(2021, 3, 1)), ITEM, [LY], PARENT, NAMES).verdict is Verdict.CONSISTENT
    assert decide(obs(country="LY", on=date(2020, 11, 1)), ITEM, [LY], PARENT, NAMES).verdict is Verdict.DIVERSION


def test_neither_user_nor_country_is_undetermined() -> None:
    assert decide(obs(), ITEM, [], PARENT, NAMES).verdict is Verdict.UNDETERMINED


def test_seen_before_delivery_is_anomaly() -> None:
    d = decide(obs("Azerbaijani Armed Forces", ("az-forces",), on=date(2020, 9, 1)), ITEM, [], PARENT, NAMES)
    assert d.verdict is Verdict.ANOMALY
    assert any("before the item was delivered" in r for r in d.reasons)


def test_ambiguous_user_all_authorised_is_consistent_else_diversion() -> None:
    both = decide(obs("navy", ("tr-navy", "tr-navy-north")), ITEM, [], PARENT, NAMES)
    assert both.verdict is Verdict.CONSISTENT
    mixed = decide(obs("forces", ("tr-navy", "az-forces")), ITEM, [], PARENT, NAMES)
    assert mixed.verdict is Verdict.DIVERSION
    assert any("could name any of" in r for r in mixed.reasons)


def test_confidence_from_tier_and_grading() -> None:
    assert confidence(Tier.EXACT, "A", "1") is Confidence.CONFIRMED
    assert confidence(Tier.EXACT, "B", "2") is Confidence.CONFIRMED
    assert confidence(Tier.EXACT, "C", "2") is Confidence.PROBABLE
    assert confidence(Tier.EXACT, "F", "6") is Confidence.PROBABLE
    assert confidence(Tier.EXACT, "E", "1") is Confidence.POSSIBLE
    assert confidence(Tier.EQUIVALENT, "A", "1") is Confidence.PROBABLE
    assert confidence(Tier.UNREADABLE, "A", "2") is Confidence.PROBABLE
    assert confidence(Tier.EQUIVALENT, "C", "3") is Confidence.POSSIBLE
    assert confidence(Tier.ONE_EDIT, "A", "1") is Confidence.POSSIBLE


def _permit(number: str, consignee: str, destination: str, product: str, *, until: date = date(2021, 6, 30),
            history: tuple[StatusChange, ...] = ()) -> Permit:
    return Permit(number, "maker", consignee, "tr-navy", destination, product, 5, date(2020, 5, 8), until,
                  history=history)


def _app(number: str, consignee: str, end_user: str, status: ApplicationStatus = ApplicationStatus.RECEIVED,
         ) -> Application:
    return Application(number, "maker", consignee, end_user, "TR", "mx", 1, date(2020, 9, 1), status=status)


def test_recommended_actions() -> None:
    diverted = _permit("P-1", "baykar", "TR", "mx")
    permits = [
        diverted,
        _permit("P-2", "baykar", "TR", "software"),           # same consignee, other goods: suspend
        _permit("P-3", "other", "TR", "mx2"),                 # same destination, shared entry: suspend
        _permit("P-4", "other", "TR", "software"),            # same destination, other entry: no
        _permit("P-5", "other", "DE", "mx"),                  # other destination and consignee: no
        _permit("P-6", "baykar", "TR", "mx", until=date(2020, 9, 1)),  # expired: no
        _permit("P-7", "baykar", "TR", "mx",
                history=(StatusChange(PermitStatus.SUSPENDED, date(2020, 9, 20)),)),  # suspended: no
    ]
    cats = {"mx": ("2-15", "ML15"), "mx2": ("ML15",), "software": ("2-21",)}
    apps = [
        _app("A-1", "baykar", "tr-navy"),                     # same consignee
        _app("A-2", "other", "az-air"),                       # end user within observed user
        _app("A-3", "other", "az-other"),                     # end user in observed user's country
        _app("A-4", "other", "de-army"),                      # unrelated
        _app("A-5", "baykar", "az-air", ApplicationStatus.DENIED),  # decided: no
    ]
    actions = recommend_actions(
        diverted=diverted, categories_of=cats, permits=permits, applications=apps,
        observed_user_id="az-forces", observed_user_country="AZ", parent_of=PARENT,
        country_of={"az-air": "AZ", "az-other": "AZ", "de-army": "DE", "tr-navy": "TR"}, on=date(2020, 10, 1))
    got = [(a.kind, a.target) for a in actions]
    assert got == [
        (ActionKind.SUSPEND_PERMIT, "P-1"), (ActionKind.SUSPEND_PERMIT, "P-2"), (ActionKind.SUSPEND_PERMIT, "P-3"),
        (ActionKind.HOLD_APPLICATION, "A-1"), (ActionKind.HOLD_APPLICATION, "A-2"),
        (ActionKind.HOLD_APPLICATION, "A-3"), (ActionKind.NOTIFY_EXPORTER, "maker"),
    ]
    assert "same consignee baykar" in actions[1].reason
    assert "control-list entry ML15" in actions[2].reason
    assert "in AZ" in actions[5].reason
    again = recommend_for_diversions(
        diverted=[(diverted, date(2020, 10, 1))], categories_of=cats, permits=permits, applications=apps,
        observed_user_id="az-forces", observed_user_country="AZ", parent_of=PARENT,
        country_of={"az-air": "AZ", "az-other": "AZ", "de-army": "DE", "tr-navy": "TR"}, existing=got[:3])
    assert [(a.kind, a.target) for a in again] == got[3:]
