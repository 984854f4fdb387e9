"""The overdue-answers indicator (domain/risk/answers.py): late and missing answers as of a day, withdrawn
requests, severity, and its absence unless the policy counts it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import EndUseUndertaking
from endwatch.domain.risk import answers
from endwatch.domain.risk.model import AnswerRecord, Severity, Subject, World
from endwatch.domain.risk.registry import run_indicators

SUBJECT = Subject("application", "A-1", "maker", "buyer", "navy", "CA", "p", 1, date(2026, 1, 1),
                  EndUseUndertaking("patrol", True))
PARTIES = {k: Party(k, k.title(), PartyKind.COMPANY, "CA") for k in ("maker", "buyer", "navy", "stranger")}


def world(*records: AnswerRecord, counts: bool = True) -> World:
    return World(parties=PARTIES, products={}, answers=records, count_overdue_answers=counts)


def q(party: str = "maker", key: str = "TR-2026-0001", answered: date | None = None, closed: date | None = None,
      asked: date = date(2026, 1, 31), due: date = date(2026, 2, 28)) -> AnswerRecord:
    return AnswerRecord(party, "trace request", key, asked, due, answered, closed)


def severity(w: World, as_of: date) -> Severity:
    return answers.assess(SUBJECT, w.known_by(as_of), as_of).severity


def test_on_time_late_and_missing():
    assert severity(world(q(answered=date(2026, 2, 28))), date(2026, 6, 1)) is Severity.NONE  # on the due day
    late = answers.assess(SUBJECT, world(q(answered=date(2026, 3, 4))).known_by(date(2026, 6, 1)), date(2026, 6, 1))
    assert late.severity is Severity.LOW and "answered 4 day(s) late, on 2026-03-04" in late.evidence[0].text
    missing = answers.assess(SUBJECT, world(q()).known_by(date(2026, 3, 10)), date(2026, 3, 10))
    assert missing.severity is Severity.MEDIUM
    assert "not answered, 10 day(s) after it was due" in missing.evidence[0].text
    two = world(q(), q(party="navy", key="7"))
    assert severity(two, date(2026, 3, 10)) is Severity.HIGH


def test_as_of_a_day_only_what_was_known_then():
    answered_late = world(q(answered=date(2026, 3, 20)))
    assert severity(answered_late, date(2026, 2, 28)) is Severity.NONE  # not yet due
    assert severity(answered_late, date(2026, 3, 1)) is Severity.MEDIUM  # overdue, the answer not yet given
    assert severity(answered_late, date(2026, 3, 21)) is Severity.LOW  # given, late
    assert severity(world(q(asked=date(2026, 5, 1), due=date(2026, 5, 29))), date(2026, 3, 1)) is Severity.NONE


def test_withdrawn_in_time_counts_for_nothing_closed_late_counts_as_never():
    assert severity(world(q(closed=date(2026, 2, 10))), date(2026, 6, 1)) is Severity.NONE
    assert severity(world(q(closed=date(2026, 3, 10))), date(2026, 6, 1)) is Severity.MEDIUM


def test_only_the_parties_to_the_transfer():
    assert severity(world(q(party="stranger")), date(2026, 6, 1)) is Severity.NONE


def test_absent_unless_the_policy_counts_it():
    codes = [i.code for i in run_indicators(SUBJECT, world(q(), counts=False), date(2026, 6, 1))]
    assert answers.CODE not in codes
    counted = run_indicators(SUBJECT, world(q()), date(2026, 6, 1))
    assert counted[-1].code == answers.CODE and counted[-1].severity is Severity.MEDIUM
    assert replace(world(q()), count_overdue_answers=False).known_by(date(2026, 6, 1)).answers == (q(),)
