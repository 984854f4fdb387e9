"""Deadlines that chase themselves, on both databases and through a real local SMTP server: a reminder before the
due day and an escalation after it, each sent once however often the job runs; for trace requests out and in and
case inquiries; who may run it; a dry run writes nothing; the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, small_world
from tests.integration.smtp_server import LocalSmtp
from tests.principals import NOTIFIER, person, service

from endwatch.cli import app
from endwatch.errors import Forbidden
from endwatch.services.authz import Action, Role
from endwatch.services.casefiles import inquiries
from endwatch.services.casefiles.cases import open_case
from endwatch.services.enforcement import notify
from endwatch.services.monitoring.deadlines import ESCALATION, REMINDER, Rules, chase
from endwatch.services.monitoring.requests import Draft, answer_request, open_request

OPENED = date(2026, 1, 31)  # due 28 February 2026
SENDER = "endwatch@authority.example"
DESK = "deadlines@authority.example"
RULES = Rules(remind_days_before=7, escalate_days_after=1, escalation_email=DESK)
CHASER = service("endwatch-chaser", Action.DEADLINES_CHASE)
INVESTIGATOR = person("ivy", Role.INVESTIGATOR)


@pytest.fixture
def smtp():
    server = LocalSmtp()
    server.start()
    yield server
    server.stop()


def deliver(ew, smtp) -> list[tuple[str, str]]:
    """Send the outbox to the local SMTP server; (To, Subject) of what it received, in order."""
    notify.send_due(ew.uow, NOTIFIER, notify.SmtpMailer("127.0.0.1", smtp.port, timeout=5), SENDER)
    return [(m["To"], " ".join(str(m["Subject"]).split())) for m in smtp.inbox]  # long subjects arrive folded


def world(ew):
    small_world(ew)
    notify.set_contact(ew.uow(), ACTOR, "m", "compliance@maker.example")
    return open_request(ew.uow(), INVESTIGATOR, Draft(direction="outgoing", counterpart_kind="manufacturer",
                                                      party_id="m", question="Where did SN-1 go?",
                                                      serials=["SN-1"]), OPENED)


def notices(ew) -> list[tuple[str, str, str]]:
    with ew.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select subject, subject_key, notice from deadline_notices order by id"))]


def test_reminded_once_before_and_escalated_once_after(ew, smtp):
    r = world(ew)
    assert chase(ew, CHASER, date(2026, 2, 20), RULES).sent == []  # eight days before: too early
    first = chase(ew, CHASER, date(2026, 2, 21), RULES)  # seven days before
    assert [(n.key, n.notice) for n in first.sent] == [(r.reference, REMINDER)]
    for day in (date(2026, 2, 21), date(2026, 2, 22), date(2026, 2, 28)):  # again, and up to the due day: nothing
        assert chase(ew, CHASER, day, RULES).sent == []
    assert deliver(ew, smtp) == [("compliance@maker.example",
                                  f"Reminder: trace request {r.reference} is due on 2026-02-28")]
    late = chase(ew, CHASER, date(2026, 3, 1), RULES)  # the first day overdue
    assert [(n.notice, n.to) for n in late.sent] == [(ESCALATION, ("compliance@maker.example", DESK))]
    assert chase(ew, CHASER, date(2026, 3, 9), RULES).sent == []
    received = deliver(ew, smtp)
    assert received[1:] == [
        ("compliance@maker.example", f"Overdue: trace request {r.reference} was due on 2026-02-28"),
        (DESK, f"Escalated: trace request {r.reference} (Maker Corp) is 1 day(s) overdue"),
    ]
    assert "1 day(s) overdue" in smtp.inbox[1].get_payload() and "Where did SN-1 go?" in smtp.inbox[1].get_payload()
    assert notices(ew) == [("trace_request", r.reference, REMINDER), ("trace_request", r.reference, ESCALATION)]
    with ew.engine.connect() as conn:
        audited = [a for (a,) in conn.execute(sa.text(
            "select action from audit_log where action like 'deadline.%' order by seq"))]
    assert audited == ["deadline.reminder", "deadline.escalation"]


def test_a_job_missed_until_after_the_due_day_escalates_without_reminding(ew, smtp):
    r = world(ew)
    report = chase(ew, CHASER, date(2026, 3, 5), RULES)
    assert [(n.key, n.notice) for n in report.sent] == [(r.reference, ESCALATION)]
    assert chase(ew, CHASER, date(2026, 3, 6), RULES).sent == []
    assert len(deliver(ew, smtp)) == 2


def test_answered_and_closed_requests_are_not_chased(ew):
    r = world(ew)
    answer_request(ew.uow(), INVESTIGATOR, r.reference, "With the navy", date(2026, 2, 1))
    assert chase(ew, CHASER, date(2026, 3, 1), RULES).sent == []
    assert notices(ew) == []


def test_an_answer_the_authority_owes_reminds_its_own_mailbox(ew, smtp):
    small_world(ew)
    inc = open_request(ew.uow(), INVESTIGATOR, Draft(direction="incoming", counterpart_kind="research",
                                                     counterpart="Weapons Tracing Institute",
                                                     contact="trace@institute.example", question="Yours?",
                                                     serials=["X-1"], window_days=14), OPENED)
    assert inc.due_on == date(2026, 2, 14)
    # without the authority's mailbox there is nobody to remind: skipped, not recorded, so it goes later
    nobody = chase(ew, CHASER, date(2026, 2, 10), Rules())
    assert nobody.sent == [] and "ENDWATCH_ESCALATION_EMAIL" in nobody.skipped[0][1]
    assert notices(ew) == []
    assert [n.to for n in chase(ew, CHASER, date(2026, 2, 10), RULES).sent] == [(DESK,)]
    assert [n.to for n in chase(ew, CHASER, date(2026, 2, 16), RULES).sent] == [(DESK,)]
    assert deliver(ew, smtp) == [
        (DESK, f"Reminder: our answer to trace request {inc.reference} is due on 2026-02-14"),
        (DESK, f"Overdue: our answer to trace request {inc.reference} was due on 2026-02-14"),
    ]


def test_case_inquiries_are_chased_through_their_own_reminder(ew, smtp):
    world(ew)
    case = open_case(ew.uow(), ACTOR, "Diversion", OPENED)
    q = inquiries.ask(ew.uow(), ACTOR, case.id, "m", "Who received SN-1?", OPENED, due_on=date(2026, 2, 10))
    free_text = inquiries.ask(ew.uow(), ACTOR, case.id, "a ministry abroad", "And SN-2?", OPENED,
                              due_on=date(2026, 2, 10))
    report = chase(ew, CHASER, date(2026, 2, 5), RULES)
    assert {(n.subject, n.key) for n in report.sent} == {("inquiry", str(q.id))}
    assert [n.key for n, _ in report.skipped] == [str(free_text.id)]  # not a registered party, no address
    with ew.reader() as uow:
        assert uow.cases.inquiry(q.id).reminded_on == date(2026, 2, 5)  # the inquiry's own reminder was used
    escalated = chase(ew, CHASER, date(2026, 2, 11), RULES)
    assert {(n.subject, n.key, n.to) for n in escalated.sent} == {
        ("inquiry", str(q.id), ("compliance@maker.example", DESK)), ("inquiry", str(free_text.id), (DESK,))}
    subjects = [s for _, s in deliver(ew, smtp)]
    assert f"Reminder: inquiry {q.id} about case {case.id}" in subjects
    assert f"Overdue: inquiry {q.id} about case {case.id} was due on 2026-02-10" in subjects
    assert f"Escalated: inquiry {free_text.id} about case {case.id} (a ministry abroad) is 1 day(s) overdue" \
        in subjects


def test_who_may_chase_and_a_dry_run_writes_nothing(ew):
    world(ew)
    for nobody in (person("maker", Role.EXPORTER, party_id="m"), person("aud", Role.AUDITOR),
                   service("endwatch-notify", Action.NOTIFY_SEND)):
        with pytest.raises(Forbidden):
            chase(ew, nobody, date(2026, 3, 1), RULES)
        with pytest.raises(Forbidden):
            chase(ew, nobody, date(2026, 3, 1), RULES, dry_run=True)
    with ew.engine.connect() as conn:
        before = conn.execute(sa.text("select count(*) from audit_log")).scalar_one()
    dry = chase(ew, INVESTIGATOR, date(2026, 3, 1), RULES, dry_run=True)
    assert [n.notice for n in dry.sent] == [ESCALATION]
    with ew.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from audit_log")).scalar_one() == before
        assert conn.execute(sa.text("select count(*) from outbox")).scalar_one() == 0
    assert notices(ew) == []


def test_command_line(ew, cli, monkeypatch):
    r = world(ew)
    monkeypatch.setattr(ew.settings, "escalation_email", DESK)
    listed = cli.invoke(app, ["deadlines", "list", "--as-of", "2026-02-25", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [(x["key"], x["standing"], x["days"], x["notice_due"]) for x in json.loads(listed.output)] == [
        (r.reference, "open", 3, "reminder")]
    dry = cli.invoke(app, ["deadlines", "chase", "--on", "2026-02-25", "--dry-run"])
    assert dry.exit_code == 0 and "1 would be queued" in dry.output, dry.output
    done = cli.invoke(app, ["deadlines", "chase", "--on", "2026-02-25", "--format", "json"])
    assert [(x["notice"], x["sent"]) for x in json.loads(done.output)] == [("reminder", True)]
    again = cli.invoke(app, ["deadlines", "chase", "--on", "2026-02-25"])
    assert again.exit_code == 0 and "0 queued, 0 skipped" in again.output
    bad = cli.invoke(app, ["deadlines", "chase", "--on", "2026-02-31"])
    assert bad.exit_code != 0 and "--on" in bad.output


def test_checks_not_done_by_their_planned_day_are_chased_at_the_authority(ew, smtp):
    from tests.factories import issued_world

    from endwatch.services.monitoring import checks
    from endwatch.services.monitoring.store import Check

    issued_world(ew)
    planned = checks.open_check(ew.uow(), ACTOR, Check(None, "inventory", (("permit", "P-1"),), date(2026, 3, 31),
                                                       "inspector one", "naval base"))
    done = checks.open_check(ew.uow(), ACTOR, Check(None, "inventory", (("permit", "P-1"),), date(2026, 3, 31),
                                                    "inspector two", "naval base"))
    checks.record_result(ew.uow(), ACTOR, done.id, date(2026, 3, 20), "favourable", "", [])
    report = chase(ew, CHASER, date(2026, 3, 25), RULES)
    assert [(n.subject, n.key, n.notice, n.to) for n in report.sent] == [
        ("check", str(planned.id), REMINDER, (DESK,))]
    assert [(n.key, n.notice) for n in chase(ew, CHASER, date(2026, 4, 1), RULES).sent] == [
        (str(planned.id), ESCALATION)]
    assert deliver(ew, smtp) == [(DESK, f"Reminder: check {planned.id} (inventory) is due on 2026-03-31"),
                                 (DESK, f"Overdue: check {planned.id} (inventory) was due on 2026-03-31")]
    assert "by inspector one, covering permit P-1" in smtp.inbox[0].get_payload()


@pytest.mark.parametrize(("zone", "today", "notice"), [
    ("UTC", "2026-11-22", "reminder"),  # the due day itself
    ("Pacific/Honolulu", "2026-11-22", "reminder"),  # 02:00 on the due day
    ("Pacific/Auckland", "2026-11-23", "escalation"),  # already 01:00 the next day: overdue
])
def test_today_and_the_deadline_are_in_the_authoritys_time_zone(ew, cli, monkeypatch, zone, today, notice):
    # The clock stands at 12:00 UTC on 22 November 2026 (tests/conftest.py).
    world(ew)  # the maker's contact (and a request long overdue)
    monkeypatch.setattr(ew.settings, "time_zone", zone)
    monkeypatch.setattr(ew.settings, "escalation_email", DESK)
    r = cli.invoke(app, ["requests", "open", "--direction", "outgoing", "--counterpart-kind", "exporter", "--party",
                         "m", "--serial", "SN-9", "--question", "Where?", "--window-days", "0", "--format", "json"])
    assert r.exit_code == 0, r.output
    opened = json.loads(r.output)[0]
    assert opened["opened_on"] == today and opened["due_on"] == today  # opened today, local time
    ref = opened["reference"]
    r = cli.invoke(app, ["requests", "open", "--direction", "outgoing", "--counterpart-kind", "exporter", "--party",
                         "m", "--serial", "SN-8", "--question", "Where?", "--on", "2026-10-25", "--format", "json"])
    due_utc_day = json.loads(r.output)[0]
    assert due_utc_day["due_on"] == "2026-11-22"
    dry = cli.invoke(app, ["deadlines", "chase", "--dry-run", "--format", "json"])
    planned = {x["key"]: x["notice"] for x in json.loads(dry.output)}
    assert planned[due_utc_day["reference"]] == notice
    assert planned[ref] == "reminder"  # due today wherever today is


def test_chasers_running_at_once_send_each_notice_once(ew, smtp):
    import threading

    r = world(ew)
    runs = 4
    barrier = threading.Barrier(runs)
    reports: list[object] = [None] * runs

    def run(i: int) -> None:
        barrier.wait()
        try:
            reports[i] = chase(ew, CHASER, date(2026, 2, 25), RULES)
        except Exception as exc:  # collected and asserted on below
            reports[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [x for x in reports if isinstance(x, Exception)], reports
    assert sum(len(x.sent) for x in reports) == 1  # type: ignore[union-attr]
    assert notices(ew) == [("trace_request", r.reference, REMINDER)]
    assert [to for to, _ in deliver(ew, smtp)] == ["compliance@maker.example"]


def test_a_backlog_is_chased_in_short_writes(ew, monkeypatch):
    from endwatch.services.monitoring import deadlines

    writes: list[int] = []
    real_write = deadlines.write

    def counted(*args, **kwargs):  # the real gate, counted
        writes.append(1)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(deadlines, "write", counted)
    world(ew)
    for n in range(4):
        open_request(ew.uow(), INVESTIGATOR, Draft(direction="outgoing", counterpart_kind="manufacturer",
                                                   party_id="m", question=f"And SN-{n}?", serials=[f"SN-{n}"]),
                     OPENED)
    report = chase(ew, CHASER, date(2026, 3, 1), RULES, batch=2)
    assert len(report.sent) == 5 and {n.notice for n in report.sent} == {ESCALATION}
    assert len(writes) == 3  # five notices, at most two a write
    with ew.engine.connect() as conn:
        escalations = conn.execute(sa.text(
            "select count(*) from audit_log where action = 'deadline.escalation'")).scalar_one()
    assert escalations == 5
    writes.clear()
    assert chase(ew, CHASER, date(2026, 3, 1), RULES, batch=2).sent == [] and writes == []
