"""Overdue answers count against the party in later assessments where the policy says so: off by default (the
indicator absent), set by an approver and audited, read from trace requests and inquiries, stored with the
assessment's inputs and reproduced from them. Both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.integration.test_assessment_service import WORLD
from tests.principals import person

from endwatch.cli import app
from endwatch.errors import Forbidden
from endwatch.services.assessment.assess import assess, reproduce_stored
from endwatch.services.authz import Role
from endwatch.services.casefiles import inquiries
from endwatch.services.casefiles.cases import open_case
from endwatch.services.monitoring.answers import counts_overdue_answers, set_counts_overdue_answers
from endwatch.services.monitoring.requests import Draft, answer_request, open_request
from endwatch.services.registry.imports import import_folder

APPROVER = person("appr", Role.APPROVER)
OFFICER = person("otto", Role.LICENSING_OFFICER)


@pytest.fixture
def small(ew, tmp_path: Path):
    folder = tmp_path / "world"
    folder.mkdir()
    for name, text in WORLD.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    return ew


def ask_maker(ew) -> str:
    return open_request(ew.uow(), OFFICER, Draft(direction="outgoing", counterpart_kind="manufacturer",
                                                 party_id="maker", question="Where is serial T-1?",
                                                 serials=["T-1"]), date(2020, 5, 1)).reference  # due 29 May


def counted(ew) -> bool:
    with ew.reader() as uow:
        return counts_overdue_answers(uow)


def codes(result) -> dict[str, str]:
    return {i.code: i.severity.value for i in result.assessment.indicators}


def test_off_by_default_then_counted_and_reproduced(small):
    ref = ask_maker(small)
    before = assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1))
    assert "overdue-answers" not in codes(before)
    with pytest.raises(Forbidden):
        set_counts_overdue_answers(small.uow(), OFFICER, True)
    assert set_counts_overdue_answers(small.uow(), APPROVER, True, "policy of 1 June") is False
    assert counted(small)
    after = assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1))
    assert codes(after)["overdue-answers"] == "medium"
    assert after.assessment.recommendation.value == "approve_with_conditions"
    assert "overdue-answers" in after.assessment.conclusions[0].indicators  # the recommendation cites it
    assert "post-shipment verification" in [c.value for c in after.assessment.conditions]
    evidence = after.assessment.indicator("overdue-answers").evidence
    assert evidence[0].ref == f"trace request {ref}" and "3 day(s) after it was due" in evidence[0].text
    assert reproduce_stored(small.reader(), after.id).same
    assert reproduce_stored(small.reader(), before.id).same  # made without the indicator, still reproduces
    answer_request(small.uow(), person("maker-co", Role.EXPORTER, party_id="maker"), ref, "With the navy",
                   date(2020, 6, 10))
    assert codes(assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 15)))["overdue-answers"] == "low"
    assert codes(assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1)))["overdue-answers"] == "medium"
    with small.engine.connect() as conn:
        audited = conn.exec_driver_sql("select actor, reason from audit_log where action = 'policy.overdue_answers'"
                                       ).all()
    assert [tuple(a) for a in audited] == [("appr", "policy of 1 June")]


def test_inquiries_count_too(small):
    set_counts_overdue_answers(small.uow(), APPROVER, True)
    case = open_case(small.uow(), person("inv", Role.INVESTIGATOR), "Turrets", date(2020, 5, 1))
    inquiries.ask(small.uow(), person("inv", Role.INVESTIGATOR), case.id, "maker", "Who has T-1?", date(2020, 5, 1),
                  due_on=date(2020, 5, 15))
    inquiries.ask(small.uow(), person("inv", Role.INVESTIGATOR), case.id, "ca-navy", "And T-2?", date(2020, 5, 1),
                  due_on=date(2020, 5, 15))
    result = assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1))
    assert codes(result)["overdue-answers"] == "high"  # two answers never given


def test_command_line(small, cli):
    shown = cli.invoke(app, ["deadlines", "policy"])
    assert shown.exit_code == 0 and "not counted" in shown.output
    on = cli.invoke(app, ["deadlines", "policy", "--count-overdue-answers", "--reason", "directive 7"])
    assert on.exit_code == 0 and "counted" in on.output and counted(small)
    off = cli.invoke(app, ["deadlines", "policy", "--no-count-overdue-answers"])
    assert off.exit_code == 0 and not counted(small)
