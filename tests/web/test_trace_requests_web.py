"""Trace requests in the web: the API (/api/v1/trace-requests) and the pages; the exporter portal shows and
answers only the requests addressed to the exporter's company; a partner's requests are for investigators,
officers and auditors; files told by their content; bad input refused, nothing written."""

from __future__ import annotations

import re

import sqlalchemy as sa
from tests.web.conftest import Web, csrf_of

TO_WESCAM = {"direction": "outgoing", "counterpart_kind": "exporter", "party_id": "wescam",
             "question": "Where did these turrets go after delivery?", "serials": ["REDACTED-SN-1"],
             "on": "2026-11-01"}
TO_BAYKAR = {**TO_WESCAM, "party_id": "baykar", "counterpart_kind": "manufacturer"}
FROM_PARTNER = {"direction": "incoming", "counterpart_kind": "authority", "counterpart": "Partner Authority",
                "contact": "desk@partner.example", "their_reference": "PA-1", "question": "Yours?",
                "serials": ["X-1"], "on": "2026-11-01", "window_days": 14}


def opened(web: Web) -> tuple[str, str, str]:
    refs = []
    for body in (TO_WESCAM, TO_BAYKAR, FROM_PARTNER):
        r = web.client.post("/api/v1/trace-requests", headers=web.as_("investigator"), json=body)
        assert r.status_code == 201, r.text
        refs.append(r.json()["reference"])
    return refs[0], refs[1], refs[2]


def count(web: Web, table: str) -> int:
    with web.ew.engine.connect() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def test_api_opens_lists_and_scopes(web: Web) -> None:
    wescam, baykar, partner = opened(web)
    r = web.client.get("/api/v1/trace-requests?as_of=2026-11-29", headers=web.as_("officer")).json()
    assert r["total"] == 3
    standing = {x["reference"]: (x["standing"], x["days"]) for x in r["items"]}
    assert standing == {wescam: ("due", 0), baykar: ("due", 0), partner: ("overdue", 14)}
    for who in ("investigator", "officer", "auditor", "admin"):
        assert web.client.get(f"/api/v1/trace-requests/{partner}", headers=web.as_(who)).status_code == 200
    mine = web.client.get("/api/v1/trace-requests", headers=web.as_("exporter")).json()
    assert [x["reference"] for x in mine["items"]] == [wescam]
    assert web.client.get("/api/v1/trace-requests?direction=incoming", headers=web.as_("exporter")).json()[
        "total"] == 0
    for path in (partner, baykar):
        r = web.client.get(f"/api/v1/trace-requests/{path}", headers=web.as_("exporter"))
        assert r.status_code == 404 and "Partner" not in r.text and "turrets" not in r.text
    theirs = web.client.get("/api/v1/trace-requests", headers=web.as_("rival")).json()  # baykar's own only
    assert [x["reference"] for x in theirs["items"]] == [baykar]
    assert web.client.get("/api/v1/trace-requests", headers=web.as_(None)).status_code == 401
    assert web.client.get("/api/v1/trace-requests", headers=web.as_("approver")).status_code == 403


def test_api_answers_once_and_refuses_bad_input_writing_nothing(web: Web) -> None:
    wescam, _, partner = opened(web)
    before = count(web, "audit_log")
    bad = web.client.post("/api/v1/trace-requests", headers=web.as_("officer"),
                          json={**TO_WESCAM, "party_id": "nobody", "window_days": -1, "serials": []})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    wrong = web.client.post("/api/v1/trace-requests", headers=web.as_("officer"),
                            json={**FROM_PARTNER, "counterpart_kind": "exporter"})
    assert wrong.status_code == 422 and "involves authority, research" in wrong.text
    assert web.client.post(f"/api/v1/trace-requests/{partner}/answer", headers=web.as_("exporter"),
                           json={"text": "ours"}).status_code == 404
    assert count(web, "audit_log") == before and count(web, "trace_requests") == 3
    done = web.client.post(f"/api/v1/trace-requests/{wescam}/answer", headers=web.as_("exporter"),
                           json={"text": "With the navy at its base", "on": "2026-12-01"})
    assert done.status_code == 200 and done.json()["standing"] == "answered late" and done.json()["days"] == 2
    again = web.client.post(f"/api/v1/trace-requests/{wescam}/answer", headers=web.as_("officer"),
                            json={"text": "again"})
    assert again.status_code == 409 and again.json()["rule"] == "trace-request-open"
    closed = web.client.post(f"/api/v1/trace-requests/{partner}/close", headers=web.as_("investigator"),
                             json={"reason": "the partner withdrew it", "on": "2026-11-05"})
    assert closed.status_code == 200 and closed.json()["standing"] == "closed"


def test_exporter_portal_answers_its_own_request_and_attaches_a_photo(web: Web) -> None:
    wescam, baykar, partner = opened(web)
    client = web.sign_in("exporter")
    page = client.get("/trace-requests")
    assert page.status_code == 200 and wescam in page.text and baykar not in page.text and partner not in page.text
    assert "Trace requests" in page.text  # in the navigation
    assert client.get(f"/trace-requests/{partner}").status_code == 404
    detail = client.get(f"/trace-requests/{wescam}")
    assert "Where did these turrets go" in detail.text and 'data-testid="answer-form"' in detail.text
    assert 'data-testid="close-form"' not in detail.text  # an exporter only answers
    token = csrf_of(detail.text)
    photo = b"\xff\xd8\xff\xe0" + b"jpeg bytes" * 10
    r = client.post(f"/trace-requests/{wescam}/files", data={"csrf_token": token, "description": "at the base"},
                    files={"file": ("../../etc/turret photo.png", photo, "image/png")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    text = client.post(f"/trace-requests/{wescam}/files", data={"csrf_token": token},
                       files={"file": ("notes.pdf", b"just text", "application/pdf")}, follow_redirects=False)
    assert text.status_code == 422 and "told by its content" in text.text
    r = client.post(f"/trace-requests/{wescam}/answer", data={"csrf_token": token, "text": "At the naval base",
                                                             "on": "2026-11-20"}, follow_redirects=False)
    assert r.status_code == 303
    shown = client.get(f"/trace-requests/{wescam}")
    assert "At the naval base" in shown.text and "answered on time" in shown.text
    assert "turret photo.jpg" in shown.text  # named by its content, without the folders it came with
    link = shown.text.split(f"/trace-requests/{wescam}/files/")[1].split('"')[0]
    got = client.get(f"/trace-requests/{wescam}/files/{link}")
    assert got.status_code == 200 and got.content == photo and "attachment" in got.headers["content-disposition"]
    rival = web.sign_in("rival")
    assert rival.get(f"/trace-requests/{wescam}/files/{link}").status_code == 404
    assert count(web, "trace_request_files") == 1


def test_staff_open_a_request_from_the_form(web: Web) -> None:
    client = web.sign_in("officer")
    form = client.get("/trace-requests/new")
    assert form.status_code == 200
    token = csrf_of(form.text)
    r = client.post("/trace-requests", data={"csrf_token": token, "direction": "outgoing",
                                              "counterpart_kind": "exporter", "party_id": "wescam",
                                              "serials": "REDACTED-SN-1\nREDACTED-SN-2\n", "question": "Where?",
                                              "on": "2026-11-01", "window_days": "28"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/trace-requests/TR-2026-0001"
    page = client.get("/trace-requests/TR-2026-0001")
    assert "REDACTED-SN-1, REDACTED-SN-2" in page.text and "2026-11-29" in page.text
    bad = client.post("/trace-requests", data={"csrf_token": token, "direction": "outgoing",
                                                "counterpart_kind": "exporter", "party_id": "wescam",
                                                "serials": "S", "question": "q", "on": "2026-02-30",
                                                "window_days": "many"}, follow_redirects=False)
    assert bad.status_code == 422 and "window" in bad.text
    no_token = client.post("/trace-requests", data={"direction": "outgoing", "counterpart_kind": "exporter",
                                                     "party_id": "wescam", "serials": "S", "question": "q",
                                                     "on": "2026-11-01"}, follow_redirects=False)
    assert no_token.status_code == 403
    assert count(web, "trace_requests") == 1


def test_report_in_the_api_and_on_its_page(web: Web) -> None:
    wescam, _, _ = opened(web)
    web.client.post(f"/api/v1/trace-requests/{wescam}/answer", headers=web.as_("exporter"),
                    json={"text": "answered", "on": "2026-11-10"})
    r = web.client.get("/api/v1/trace-requests/report?as_of=2026-12-31", headers=web.as_("auditor")).json()
    counts = {(x["direction"], x["counterpart"]): (x["requests"], x["answered_on_time"], x["never_answered"])
              for x in r["rows"]}
    assert counts == {("outgoing", "L3Harris Wescam"): (1, 1, 0), ("outgoing", "Baykar"): (1, 0, 1),
                      ("incoming", "Partner Authority"): (1, 0, 1)}
    mine = web.client.get("/api/v1/trace-requests/report?as_of=2026-12-31", headers=web.as_("exporter")).json()
    assert [x["counterpart"] for x in mine["rows"]] == ["L3Harris Wescam"] and len(mine["totals"]) == 1
    csv_ = web.client.get("/api/v1/trace-requests/report?as_of=2026-12-31&format=csv", headers=web.as_("officer"))
    assert csv_.status_code == 200 and csv_.headers["content-type"].startswith("text/csv")
    assert csv_.text.splitlines()[0].startswith("direction,counterpart_kind,counterpart")
    assert web.client.get("/api/v1/trace-requests/report?opened_from=2026-12-01&opened_to=2026-11-01",
                          headers=web.as_("officer")).status_code == 422
    page = web.sign_in("investigator").get("/trace-requests/report?as_of=2026-12-31")
    assert page.status_code == 200 and "Partner Authority" in page.text and "format=csv" in page.text


def test_the_case_page_lists_the_requests_feeding_it(web: Web) -> None:
    from tests.web.test_authz import SIGHTING

    made = web.client.post("/api/v1/sightings", headers=web.as_("investigator"), json=SIGHTING)
    case_id = made.json()["case_id"]
    wescam, _, _ = opened(web)
    linked = web.client.post(f"/api/v1/trace-requests/{wescam}/link", headers=web.as_("investigator"),
                             json={"case_id": case_id, "finding": made.json()["sighting_id"]})
    assert linked.status_code == 200 and linked.json()["case_id"] == case_id
    page = web.sign_in("investigator").get(f"/cases/{case_id}")
    section = page.text.split('data-testid="case-trace-requests"')[1].split("</table>")[0]
    assert wescam in section and "REDACTED-SN-1" in section
    approver = web.sign_in("approver").get(f"/cases/{case_id}")
    assert approver.status_code == 200 and "case-trace-requests" not in approver.text  # approvers read cases only
    shown = web.sign_in("investigator").get(f"/trace-requests/{wescam}")
    assert f"/cases/{case_id}" in shown.text and made.json()["sighting_id"] in shown.text


def test_the_dashboard_counts_requests_awaiting_an_answer_by_age(web: Web) -> None:
    opened(web)  # opened 1 November 2026: due 29 November (outgoing) and 15 November (the partner's)
    old = web.client.post("/api/v1/trace-requests", headers=web.as_("investigator"),
                          json={**TO_WESCAM, "on": "2026-06-01"})  # due 29 June: 146 days late on 22 November
    assert old.status_code == 201
    board = web.sign_in("officer").get("/")
    card = board.text.split('data-testid="trace-requests-awaited"')[1].split("</section>")[0]
    counts = dict(re.findall(r"<td>([^<]+)</td><td class=\"count\">(\d+)</td>", card))
    assert counts == {"due within 7 days": "2", "1 to 7 days late": "1", "8 to 28 days late": "0",
                      "29 to 90 days late": "0", "more than 90 days late": "1"}
    assert "1 overdue answer(s) we owe to partners" in card and old.json()["reference"] in card
    mine = web.sign_in("exporter").get("/")
    card = mine.text.split('data-testid="trace-requests-awaited"')[1].split("</section>")[0]
    assert "we owe" not in card and dict(re.findall(r"<td>([^<]+)</td><td class=\"count\">(\d+)</td>", card))[
        "due within 7 days"] == "1"
    assert 'data-testid="trace-requests-awaited"' not in web.sign_in("approver").get("/").text


def test_an_incoming_request_shows_what_the_registry_holds_of_its_serials(web: Web) -> None:
    # "Is this serial one of yours?": the page traces each serial asked about, the draft of the answer.
    body = {**FROM_PARTNER, "serials": ["REDACTED-SN-1", "NOT-OURS-77"]}
    r = web.client.post("/api/v1/trace-requests", headers=web.as_("investigator"), json=body)
    assert r.status_code == 201, r.text
    page = web.sign_in("investigator").get(f"/trace-requests/{r.json()['reference']}")
    held = page.text.split('data-testid="held"')[1].split("</table>")[0]
    ours = next(row for row in held.split("<tr>") if "REDACTED-SN-1" in row)
    assert "/permits/PERMIT-REDACTED-1" in ours and "2020-09-15" in ours
    assert "no delivered item has this serial" in next(row for row in held.split("<tr>") if "NOT-OURS-77" in row)
    outgoing, _, _ = opened(web)  # we ask: nothing to trace on our side
    assert 'data-testid="held"' not in web.sign_in("investigator").get(f"/trace-requests/{outgoing}").text


def test_api_attaches_files_told_by_their_content(web: Web) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    wescam, _, partner = opened(web)
    url = f"/api/v1/trace-requests/{wescam}/files"
    r = web.client.post(url, headers=web.as_("investigator"), files={"file": ("plate.jpg", png, "image/jpeg")},
                        data={"description": "the nameplate"})
    assert r.status_code == 201, r.text
    assert [(a["filename"], a["description"]) for a in r.json()["attachments"]] == [("plate.png", "the nameplate")]
    mine = web.client.post(url, headers=web.as_("exporter"), files={"file": ("scan.pdf", b"%PDF-1.4 x", "x/y")})
    assert mine.status_code == 201 and len(mine.json()["attachments"]) == 2
    # Refused, nothing attached: another type, an empty file, a partner's request for an exporter, the public.
    exe = web.client.post(url, headers=web.as_("investigator"), files={"file": ("a.png", b"MZ\x90\x00", "image/png")})
    assert exe.status_code == 422 and exe.json()["problems"][0]["column"] == "file"
    empty = web.client.post(url, headers=web.as_("investigator"), files={"file": ("a.png", b"", "image/png")})
    assert empty.status_code == 422
    assert web.client.post(f"/api/v1/trace-requests/{partner}/files", headers=web.as_("exporter"),
                           files={"file": ("p.png", png, "image/png")}).status_code == 404
    assert web.client.post(url, files={"file": ("p.png", png, "image/png")}).status_code == 401
    shown = web.client.get(f"/api/v1/trace-requests/{wescam}", headers=web.as_("investigator")).json()
    assert len(shown["attachments"]) == 2


def test_an_incoming_requests_serials_are_traced_in_one_read_whatever_their_number(web: Web) -> None:
    # Every serial asked about is traced (no cap at 50), in the same few statements for 2 serials or 600.
    def page_statements(serials: list[str]) -> tuple[int, str]:
        r = web.client.post("/api/v1/trace-requests", headers=web.as_("investigator"),
                            json={**FROM_PARTNER, "serials": serials})
        assert r.status_code == 201, r.text
        client = web.sign_in("investigator")
        seen: list[str] = []

        def note(conn: object, cursor: object, statement: str, *args: object) -> None:
            seen.append(statement)

        client.get(f"/trace-requests/{r.json()['reference']}")  # warm: the session and caches
        sa.event.listen(web.ew.engine, "before_cursor_execute", note)
        try:
            page = client.get(f"/trace-requests/{r.json()['reference']}")
        finally:
            sa.event.remove(web.ew.engine, "before_cursor_execute", note)
        assert page.status_code == 200
        return len(seen), page.text.split('data-testid="held"')[1].split("</table>")[0]

    few, _ = page_statements(["REDACTED-SN-1", "NOT-OURS-77"])
    asked = [f"NOT-OURS-{i}" for i in range(599)] + ["REDACTED-SN-1"]
    many, held = page_statements(asked)
    assert many == few, (few, many)
    rows = held.split("<tr>")[2:]  # after the head
    assert len(rows) == 600
    assert "/permits/PERMIT-REDACTED-1" in rows[-1] and "no delivered item has this serial" in rows[0]


def test_an_incoming_requests_serials_are_paged_past_a_page(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from endwatch.web import pages_requests

    monkeypatch.setattr(pages_requests, "TRACED_ON_PAGE", 2)
    r = web.client.post("/api/v1/trace-requests", headers=web.as_("investigator"),
                        json={**FROM_PARTNER, "serials": ["A-1", "A-2", "A-3", "A-4", "A-5"]})
    assert r.status_code == 201, r.text
    client, ref = web.sign_in("investigator"), r.json()["reference"]

    def shown(path: str) -> tuple[list[str], str]:
        text = client.get(path).text
        held = text.split('data-testid="held"')[1].split("</table>")[0]
        return re.findall(r">(A-\d)</a>", held), text.split('data-testid="held-pager"')[1].split("</p>")[0]

    first, pager = shown(f"/trace-requests/{ref}")
    assert first == ["A-1", "A-2"] and "Serials 1 to 2 of 5" in pager and "?serials_from=2#held" in pager
    assert "Previous" not in pager
    last, pager = shown(f"/trace-requests/{ref}?serials_from=4")
    assert last == ["A-5"] and "Serials 5 to 5 of 5" in pager and "?serials_from=2#held" in pager
    assert "Next" not in pager
    assert client.get(f"/trace-requests/{ref}?serials_from=-1").status_code == 422
