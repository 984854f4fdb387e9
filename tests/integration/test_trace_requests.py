"""Trace requests on both databases: opened out and in with their reply windows, answered once, closed with a
reason, linked to what they feed, files attached; who may see and do what; bad input refused whole, nothing
written; the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, small_world
from tests.principals import person

from endwatch.cli import app
from endwatch.domain.trace_requests import Direction, Status
from endwatch.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from endwatch.services.authz import Role
from endwatch.services.casefiles.cases import open_case
from endwatch.services.enforcement.notify import set_contact
from endwatch.services.monitoring.requests import (
    Draft,
    answer_request,
    attach,
    close_request,
    feed,
    get_request,
    list_requests,
    open_request,
)

OPENED = date(2026, 1, 31)
INVESTIGATOR = person("ivy", Role.INVESTIGATOR)
OFFICER = person("otto", Role.LICENSING_OFFICER)
AUDITOR = person("aud", Role.AUDITOR)
APPROVER = person("appr", Role.APPROVER)
MAKER = person("maker-compliance", Role.EXPORTER, party_id="m")
OTHER_EXPORTER = person("other-compliance", Role.EXPORTER, party_id="c")
PUBLIC = person("", Role.PUBLIC)


def to_maker(**changes: object) -> Draft:
    base: dict[str, object] = dict(direction="outgoing", counterpart_kind="manufacturer", party_id="m",
                                   question="Where did these go after delivery?", serials=["SN-1", " SN-2 "])
    base.update(changes)
    return Draft(**base)  # type: ignore[arg-type]


def from_partner(**changes: object) -> Draft:
    base: dict[str, object] = dict(direction="incoming", counterpart_kind="authority",
                                   counterpart="Partner Authority", contact="desk@partner.example",
                                   their_reference="PA-77", question="Is this serial one of yours?",
                                   serials=["X-9"], window_days=14)
    base.update(changes)
    return Draft(**base)  # type: ignore[arg-type]


def rows(ew, table: str) -> int:
    with ew.engine.connect() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def test_open_outgoing_and_incoming_with_their_windows(ew):
    small_world(ew)
    out = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED)
    assert out.reference == "TR-2026-0001"
    assert out.due_on == date(2026, 2, 28)  # 28 days across the month end
    assert out.counterpart == "Maker Corp" and out.serials == ("SN-1", "SN-2")
    inc = open_request(ew.uow(), OFFICER, from_partner(), date(2028, 2, 15))
    assert inc.reference == "TR-2028-0001" and inc.due_on == date(2028, 2, 29)  # onto a leap day
    again = get_request(ew.reader(), None, "TR-2026-0001")
    assert again == out
    assert [r.reference for r in list_requests(ew.reader(), None)] == ["TR-2028-0001", "TR-2026-0001"]
    assert [r.reference for r in list_requests(ew.reader(), None, serial="sn 1")] == ["TR-2026-0001"]
    with ew.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text(
            "select action from audit_log where entity = 'trace_request' order by seq"))]
    assert actions == ["trace_request.open", "trace_request.open"]


def test_answered_once_and_on_time_or_late(ew):
    small_world(ew)
    r = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED)
    assert r.standing(date(2026, 2, 28)) == ("due", 0)
    assert r.standing(date(2026, 3, 3)) == ("overdue", 3)
    done = answer_request(ew.uow(), MAKER, r.reference, "Still with the end user; photos attached.", date(2026, 3, 2))
    assert done.status is Status.ANSWERED and done.answered_by == "maker-compliance"
    assert done.standing(date(2026, 3, 10)) == ("answered late", 2)
    with pytest.raises(RuleViolation) as e:
        answer_request(ew.uow(), INVESTIGATOR, r.reference, "again", date(2026, 3, 3))
    assert e.value.rule == "trace-request-open"
    with pytest.raises(RuleViolation):
        close_request(ew.uow(), INVESTIGATOR, r.reference, "too late", date(2026, 3, 3))
    assert get_request(ew.reader(), None, r.reference).answer == "Still with the end user; photos attached."


def test_closed_unanswered_with_a_reason(ew):
    small_world(ew)
    r = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED)
    with pytest.raises(InvalidInput, match="say why"):
        close_request(ew.uow(), INVESTIGATOR, r.reference, " ", date(2026, 4, 1))
    closed = close_request(ew.uow(), INVESTIGATOR, r.reference, "the maker has ceased trading", date(2026, 4, 1))
    assert closed.status is Status.CLOSED
    assert get_request(ew.reader(), None, r.reference).close_reason == "the maker has ceased trading"
    assert closed.standing(date(2026, 4, 2)) == ("closed", 0)


def test_bad_input_names_every_problem_and_writes_nothing(ew):
    small_world(ew)
    before = rows(ew, "audit_log")
    with pytest.raises(InvalidInput) as e:
        open_request(ew.uow(), INVESTIGATOR, Draft(direction="sideways", counterpart_kind="oracle", question=" ",
                                                   serials=[" "], window_days=-3, contact="not an address"), OPENED)
    columns = {p.column for p in e.value.problems}
    assert columns == {"direction", "counterpart_kind", "question", "serials", "window_days", "contact"}
    with pytest.raises(InvalidInput) as e:
        open_request(ew.uow(), INVESTIGATOR, Draft(direction="incoming", counterpart_kind="exporter", question="q",
                                                   serials=["S"]), OPENED)
    assert "involves authority, research" in str(e.value.problems[0])
    with pytest.raises(InvalidInput) as e:
        open_request(ew.uow(), INVESTIGATOR, to_maker(party_id="nobody", finding="S-404", case_id="CASE-404"),
                     OPENED)
    assert {p.column for p in e.value.problems} == {"party_id", "finding", "case_id"}
    with pytest.raises(InvalidInput, match="no e-mail address"):
        open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED, send=True)
    r = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED)
    with pytest.raises(InvalidInput, match="before the request was opened"):
        answer_request(ew.uow(), INVESTIGATOR, r.reference, "yes", date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="empty"):
        answer_request(ew.uow(), INVESTIGATOR, r.reference, "  ", OPENED)
    assert rows(ew, "trace_requests") == 1 and rows(ew, "audit_log") == before + 1


def test_who_may_see_and_do_what(ew):
    small_world(ew)
    out = open_request(ew.uow(), OFFICER, to_maker(), OPENED)
    inc = open_request(ew.uow(), INVESTIGATOR, from_partner(), OPENED)
    for reader in (INVESTIGATOR, OFFICER, AUDITOR):
        assert {r.reference for r in list_requests(ew.reader(), reader)} == {out.reference, inc.reference}
        assert get_request(ew.reader(), reader, inc.reference).reference == inc.reference
    # the maker sees only the request addressed to it; a partner's request and another company's never
    assert [r.reference for r in list_requests(ew.reader(), MAKER)] == [out.reference]
    assert list_requests(ew.reader(), MAKER, direction=Direction.INCOMING) == []
    assert list_requests(ew.reader(), OTHER_EXPORTER) == []
    with pytest.raises(NotFound):
        get_request(ew.reader(), MAKER, inc.reference)
    with pytest.raises(NotFound):
        get_request(ew.reader(), OTHER_EXPORTER, out.reference)
    with pytest.raises(NotFound):
        answer_request(ew.uow(), OTHER_EXPORTER, out.reference, "not ours", OPENED)
    with pytest.raises(NotFound):
        answer_request(ew.uow(), MAKER, inc.reference, "ours?", OPENED)
    for nobody in (PUBLIC, APPROVER):
        with pytest.raises(Forbidden):
            list_requests(ew.reader(), nobody)
    for not_allowed in (MAKER, AUDITOR, APPROVER, PUBLIC):
        with pytest.raises(Forbidden):
            open_request(ew.uow(), not_allowed, to_maker(), OPENED)
    with pytest.raises(Forbidden):
        close_request(ew.uow(), MAKER, out.reference, "no", OPENED)


def test_linked_to_what_it_feeds_and_files_attached(ew, tmp_path):
    small_world(ew)
    case = open_case(ew.uow(), ACTOR, "Diversion of S-15", OPENED)
    r = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED)
    linked = feed(ew.uow(), INVESTIGATOR, r.reference, case_id=case.id)
    assert linked.case_id == case.id and get_request(ew.reader(), None, r.reference).case_id == case.id
    with pytest.raises(InvalidInput, match="no finding"):
        feed(ew.uow(), INVESTIGATOR, r.reference, finding="S-404")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photograph")
    store = tmp_path / "evidence"
    first = attach(ew.uow(), MAKER, store, r.reference, [photo], "at the end user's depot")
    again = attach(ew.uow(), INVESTIGATOR, store, r.reference, [photo])
    assert len(first.attachments) == 1 and len(again.attachments) == 1  # the same content is attached once
    a = get_request(ew.reader(), None, r.reference).attachments[0]
    assert (a.filename, a.description, a.added_by) == ("photo.jpg", "at the end user's depot", "maker-compliance")
    assert (store / a.sha256[:2] / a.sha256).read_bytes() == photo.read_bytes()
    with pytest.raises(InvalidInput, match="not a readable file"):
        attach(ew.uow(), INVESTIGATOR, store, r.reference, [tmp_path / "missing.pdf"])


def test_sent_through_the_outbox(ew):
    small_world(ew)
    set_contact(ew.uow(), ACTOR, "m", "compliance@maker.example")
    r = open_request(ew.uow(), INVESTIGATOR, to_maker(), OPENED, send=True)
    inc = open_request(ew.uow(), INVESTIGATOR, from_partner(), OPENED)
    answer_request(ew.uow(), INVESTIGATOR, inc.reference, "Yes: delivered under permit P-1.", OPENED, send=True)
    with ew.engine.connect() as conn:
        sent = conn.execute(sa.text("select to_address, party_id, subject, body from outbox order by id")).all()
    assert sent[0][:3] == ("compliance@maker.example", "m", f"Trace request {r.reference}")
    assert "by 2026-02-28" in sent[0][3] and "SN-1, SN-2" in sent[0][3]
    assert sent[1][0] == "desk@partner.example" and "PA-77" in sent[1][2] and "permit P-1" in sent[1][3]


def test_command_line(ew, cli):
    small_world(ew)
    r = cli.invoke(app, ["requests", "open", "--direction", "outgoing", "--counterpart-kind", "exporter",
                         "--party", "m", "--serial", "SN-1", "--serial", "SN-2", "--question", "Where is it?",
                         "--on", "2026-01-31", "--format", "json"])
    assert r.exit_code == 0, r.output
    opened = json.loads(r.output)[0]
    assert opened["reference"] == "TR-2026-0001" and opened["due_on"] == "2026-02-28"
    r = cli.invoke(app, ["requests", "list", "--as-of", "2026-03-02", "--format", "json"])
    assert [(x["reference"], x["standing"], x["days"]) for x in json.loads(r.output)] == [("TR-2026-0001",
                                                                                         "overdue", 2)]
    r = cli.invoke(app, ["requests", "answer", "TR-2026-0001", "--text", "With the navy", "--on", "2026-03-02"])
    assert r.exit_code == 0 and "answered late, 2 day(s) late" in r.output, r.output
    r = cli.invoke(app, ["requests", "show", "TR-2026-0001"])
    assert r.exit_code == 0 and "With the navy" in r.output
    bad = cli.invoke(app, ["requests", "open", "--direction", "outgoing", "--counterpart-kind", "research",
                           "--serial", "S", "--question", "q", "--window-days", "-1"])
    assert bad.exit_code == 1 and "nothing was written" in bad.output
    assert "window" in bad.output and "involves exporter, manufacturer, authority" in bad.output
    missing = cli.invoke(app, ["requests", "show", "TR-1999-0001"])
    assert missing.exit_code == 1 and "not found" in missing.output
    assert rows(ew, "trace_requests") == 1


def test_report_of_who_answered_on_time_late_and_never(ew, cli):
    from endwatch.services.monitoring.requests_report import build, to_csv

    small_world(ew)
    day = date(2026, 1, 1)  # every request below is due on 29 January
    refs = [open_request(ew.uow(), INVESTIGATOR, to_maker(), day).reference for _ in range(5)]
    answer_request(ew.uow(), MAKER, refs[0], "on time", date(2026, 1, 29))
    answer_request(ew.uow(), MAKER, refs[1], "late", date(2026, 2, 3))
    close_request(ew.uow(), INVESTIGATOR, refs[2], "withdrawn", date(2026, 1, 10))
    close_request(ew.uow(), INVESTIGATOR, refs[3], "given up", date(2026, 3, 1))
    # refs[4] stays unanswered
    odd = open_request(ew.uow(), INVESTIGATOR, from_partner(counterpart="=HYPERLINK(\"http://x\")"), day)
    answer_request(ew.uow(), INVESTIGATOR, odd.reference, "not ours", date(2026, 1, 20))
    early = build(ew.reader(), None, date(2026, 1, 20))
    maker = early.rows[0]
    assert (maker.counterpart, maker.requests, maker.open, maker.withdrawn, maker.never_answered) == (
        "Maker Corp", 5, 4, 1, 0)
    report = build(ew.reader(), None, date(2026, 3, 31))
    maker, partner = report.rows
    assert maker.as_dict() == {"direction": "outgoing", "counterpart_kind": "manufacturer", "counterpart": "Maker Corp",
                               "party_id": "m", "requests": 5, "answered_on_time": 1, "answered_late": 1,
                               "never_answered": 2, "open": 0, "withdrawn": 1, "days_late_total": 5}
    assert (partner.direction, partner.answered_late, partner.days_late_total) == ("incoming", 1, 5)  # due 15 Jan
    assert report.totals["outgoing"].requests == 5 and report.totals["incoming"].requests == 1
    assert build(ew.reader(), MAKER, date(2026, 3, 31)).rows == [maker]  # an exporter: its own only
    assert build(ew.reader(), None, date(2026, 3, 31), opened_from=date(2026, 2, 1)).rows == []
    with pytest.raises(InvalidInput, match="starts"):
        build(ew.reader(), None, date(2026, 3, 31), opened_from=date(2026, 2, 1), opened_to=date(2026, 1, 1))
    text = to_csv(report)
    assert text.splitlines()[0].startswith("direction,counterpart_kind,counterpart,party_id,requests,")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text  # formula-safe
    r = cli.invoke(app, ["requests", "report", "--as-of", "2026-03-31", "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines() == text.splitlines()
    r = cli.invoke(app, ["requests", "report", "--as-of", "2026-03-31", "--format", "json", "--direction", "outgoing"])
    assert [x["never_answered"] for x in json.loads(r.output)] == [2, 2]  # Maker Corp, then the total
