"""Overdue answers count against the party in later assessments where the policy says so: off by default (the
indicator absent), set by an approver as versions by effective date and audited, each assessment following the
version in force on its own date; read from trace requests and inquiries, stored with the assessment's inputs
and reproduced from them; the undated policy of before carried over by the migration. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from tests.integration.test_assessment_service import WORLD
from tests.principals import person

from endwatch.cli import app
from endwatch.db.engine import alembic_config, upgrade
from endwatch.errors import Forbidden, InvalidInput
from endwatch.services.assessment.assess import assess, reproduce_stored
from endwatch.services.authz import Role
from endwatch.services.casefiles import inquiries
from endwatch.services.casefiles.cases import open_case
from endwatch.services.monitoring.answers import counts_overdue_answers, policy_versions, set_answer_policy
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


def counted(ew, on: date = date(2026, 11, 22)) -> bool:
    with ew.reader() as uow:
        return counts_overdue_answers(uow, on)


def codes(result) -> dict[str, str]:
    return {i.code: i.severity.value for i in result.assessment.indicators}


def test_off_by_default_then_counted_and_reproduced(small):
    ref = ask_maker(small)
    before = assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1))
    assert "overdue-answers" not in codes(before)
    with pytest.raises(Forbidden):
        set_answer_policy(small.uow(), OFFICER, True, date(2020, 6, 1))
    assert set_answer_policy(small.uow(), APPROVER, True, date(2020, 6, 1), "policy of 1 June") is None
    assert counted(small, date(2020, 6, 1)) and not counted(small, date(2020, 5, 31))
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
    set_answer_policy(small.uow(), APPROVER, True, date(2020, 1, 1))
    case = open_case(small.uow(), person("inv", Role.INVESTIGATOR), "Turrets", date(2020, 5, 1))
    inquiries.ask(small.uow(), person("inv", Role.INVESTIGATOR), case.id, "maker", "Who has T-1?", date(2020, 5, 1),
                  due_on=date(2020, 5, 15))
    inquiries.ask(small.uow(), person("inv", Role.INVESTIGATOR), case.id, "ca-navy", "And T-2?", date(2020, 5, 1),
                  due_on=date(2020, 5, 15))
    result = assess(small.uow(), OFFICER, "A-CA", date(2020, 6, 1))
    assert codes(result)["overdue-answers"] == "high"  # two answers never given


def test_each_assessment_follows_the_version_in_force_on_its_date(small):
    ask_maker(small)  # due 29 May 2020, never answered
    set_answer_policy(small.uow(), APPROVER, True, date(2020, 6, 10), "directive 7")
    set_answer_policy(small.uow(), APPROVER, False, date(2020, 7, 1), "suspended for review")
    set_answer_policy(small.uow(), APPROVER, True, date(2020, 8, 1), "review done")
    expected = {date(2020, 6, 1): None, date(2020, 6, 9): None, date(2020, 6, 10): "medium",
                date(2020, 6, 30): "medium", date(2020, 7, 1): None, date(2020, 7, 31): None,
                date(2020, 8, 1): "medium", date(2021, 2, 28): "medium"}
    made = {}
    for day, severity in expected.items():
        made[day] = assess(small.uow(), OFFICER, "A-CA", day)
        assert codes(made[day]).get("overdue-answers") == severity, day
    # A correction of the July version (same effective date) replaces it, audited with what it was; the
    # assessments made before it still reproduce from their stored inputs.
    replaced = set_answer_policy(small.uow(), APPROVER, True, date(2020, 7, 1), "review cancelled")
    assert replaced is not None and replaced.counts is False and replaced.reason == "suspended for review"
    assert codes(assess(small.uow(), OFFICER, "A-CA", date(2020, 7, 15)))["overdue-answers"] == "medium"
    assert all(reproduce_stored(small.reader(), r.id).same for r in made.values())
    with small.reader() as uow:
        versions = policy_versions(uow)
    assert [(v.effective_from, v.counts, v.set_by) for v in versions] == [
        (date(2020, 6, 10), True, "appr"), (date(2020, 7, 1), True, "appr"), (date(2020, 8, 1), True, "appr")]
    with small.engine.connect() as conn:
        trail = conn.execute(sa.text("select entity_key as key, before, after, reason from audit_log where action ="
                                     " 'policy.overdue_answers' order by seq")).all()
    assert [(t.key, t.reason) for t in trail] == [("2020-06-10", "directive 7"), ("2020-07-01", "suspended for review"),
                                                  ("2020-08-01", "review done"), ("2020-07-01", "review cancelled")]
    assert "suspended for review" in str(trail[-1].before) and trail[0].before is None


def test_a_day_before_1900_is_refused_and_nothing_is_written(small):
    with pytest.raises(InvalidInput) as bad:
        set_answer_policy(small.uow(), APPROVER, True, date(1899, 12, 31))
    assert bad.value.problems[0].column == "from"
    with small.reader() as uow:
        assert policy_versions(uow) == []


def test_the_undated_policy_of_before_becomes_the_first_version(ew):
    command.downgrade(alembic_config(ew.engine), "0029_check_series")
    with ew.engine.begin() as conn:
        conn.execute(sa.text("insert into system_settings (key, value) values ('policy.count_overdue_answers',"
                             " 'yes')"))
    upgrade(ew.engine)
    with ew.reader() as uow:
        versions = policy_versions(uow)
        assert uow.system.get("policy.count_overdue_answers") is None
    assert [(v.effective_from, v.counts, v.set_by) for v in versions] == [(date(1, 1, 1), True, "migration")]
    assert counted(ew, date(1950, 1, 1))


def test_command_line(small, cli):
    shown = cli.invoke(app, ["deadlines", "policy"])
    assert shown.exit_code == 0 and "not counted" in shown.output
    on = cli.invoke(app, ["deadlines", "policy", "--count-overdue-answers", "--from", "2020-06-01", "--reason",
                          "directive 7"])
    assert on.exit_code == 0 and "are counted" in on.output and counted(small, date(2020, 6, 1))
    off = cli.invoke(app, ["deadlines", "policy", "--no-count-overdue-answers"])  # from today
    assert off.exit_code == 0 and "not counted" in off.output and not counted(small)
    assert counted(small, date(2025, 1, 1))  # the June 2020 version is still in force before today
    then = cli.invoke(app, ["deadlines", "policy", "--as-of", "2021-01-01", "--format", "json"])
    assert then.exit_code == 0, then.output
    shown = json.loads(then.output)[0]
    assert shown["counts"] is True and [v["effective_from"] for v in shown["versions"]] == ["2020-06-01",
                                                                                           "2026-11-22"]
    bad = cli.invoke(app, ["deadlines", "policy", "--count-overdue-answers", "--from", "2020-13-01"])
    assert bad.exit_code != 0 and "--from" in bad.output
    alone = cli.invoke(app, ["deadlines", "policy", "--from", "2020-01-01"])
    assert alone.exit_code != 0 and "--count-overdue-answers" in alone.output
