"""The check programme's selectors and file form, without a database: every selector picks what it says and
nothing else; a programme written out reads back the same."""

from __future__ import annotations

import json
from datetime import date

import pytest

from endwatch.errors import InvalidInput
from endwatch.services.monitoring.programme import CheckKind, Selector, parse

FACTS = dict(designated=True, categories=("ML1", "2-15"), destination="UA", end_user="ua-army",
             recommendation="refer", conditions=("post-shipment verification",))


@pytest.mark.parametrize(("selector", "holds"), [
    (Selector(), True),
    (Selector(designated=True), True),
    (Selector(designated=False), False),
    (Selector(categories=("ML1",)), True),
    (Selector(categories=("2-*",)), True),  # a prefix pattern
    (Selector(categories=("ML2", "3-*")), False),
    (Selector(destinations=("UA", "PL")), True),
    (Selector(destinations=("TR",)), False),
    (Selector(end_users=("ua-army",)), True),
    (Selector(end_users=("tr-navy",)), False),
    (Selector(recommendations=("refer", "deny")), True),
    (Selector(recommendations=("approve",)), False),
    (Selector(conditions=("post-shipment verification",)), True),
    (Selector(conditions=("re-export consent clause",)), False),
    (Selector(designated=True, destinations=("UA",), recommendations=("approve",)), False),  # every one must hold
])
def test_each_selector_picks_what_it_says(selector: Selector, holds: bool) -> None:
    assert selector.holds(**FACTS) is holds  # type: ignore[arg-type]


def test_no_assessment_matches_no_recommendation_or_condition_selector() -> None:
    facts = FACTS | {"recommendation": None, "conditions": ()}
    assert not Selector(recommendations=("refer",)).holds(**facts)  # type: ignore[arg-type]
    assert not Selector(conditions=("post-shipment verification",)).holds(**facts)  # type: ignore[arg-type]


def test_a_programme_reads_back_as_written() -> None:
    text = json.dumps({"effective_from": "2026-01-01", "due_soon_days": 14, "horizon_days": 90, "reference": "r",
                       "rules": [{"id": "inv", "kind": "inventory", "when": {"designated": True, "categories": ["ML*"]},
                                  "within_days": 90, "every_months": 12, "lasts_years": 5, "description": "d"},
                                 {"id": "pl", "kind": "pre-licence", "when": {"recommendations": ["refer"]}}]})
    programme = parse(text)
    assert programme.effective_from == date(2026, 1, 1) and programme.rules[0].kind is CheckKind.INVENTORY
    assert parse(json.dumps(programme.to_json())) == programme


@pytest.mark.parametrize(("body", "expected"), [
    ("[]", "a programme is a JSON object"),
    ('{"rules": []}', "[effective_from]: effective_from is required"),
    ('{"effective_from": "2026-01-01", "rules": [{"id": "x", "kind": "pre-licence", "every_months": 1}]}',
     "a pre-licence check is done once per application"),
    ('{"effective_from": "2026-01-01", "rules": [{"id": "x", "kind": "inventory", "every_months": 12,'
     ' "lasts_years": 1000}]}', "lasts_years must be a whole number from 1 to 100"),
    ('{"effective_from": "2026-01-01", "rules": [{"kind": "inventory", "every_months": 12, "when": []}]}',
     "[rules[1].id]: id is required"),
])
def test_bad_files_name_the_field(body: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(body, "p.json")
    assert any(expected in str(p) for p in refused.value.problems), refused.value.problems
