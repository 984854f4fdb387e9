"""Two signatures through the API and the pages, over the reference case before the suspension with the
nameplate decided as a diversion (CASE recommends suspending the Baykar route's permits, holding the
Azerbaijani applications, notifying wescam): one person proposes, a different one confirms, rejects,
or the proposer withdraws; every role is refused what it may not do, and refusals write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.integration.enforcement_world import BAYKAR_ROUTE, diverted
from tests.web.conftest import ACCOUNTS, Web, csrf_of, web_over

from endwatch.domain.permits import ApplicationStatus
from endwatch.services.authz import PERMISSIONS, Action, Role

PROPOSAL = {"action": "suspend", "on": "2020-10-05", "reason": "items diverted to a party to the armed conflict",
            "reference": "minister's decision of 5 October 2020"}
HELD = {"APP-REDACTED-3", "APP-REDACTED-4"}


@pytest.fixture
def world(ew, tmp_path) -> Iterator[tuple[Web, str]]:
    case_id = diverted(ew, tmp_path)
    with web_over(ew) as w:
        yield w, case_id


def _base(case_id: str) -> str:
    return f"/api/v1/cases/{case_id}/proposals"


def _propose(web: Web, case_id: str, who: str = "officer", **changes: Any) -> dict[str, Any]:
    r = web.client.post(_base(case_id), headers=web.as_(who), json={**PROPOSAL, **changes})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _state(web: Web) -> tuple[object, ...]:
    """What a decision or a proposal writes, to check that refusals change nothing."""
    with web.ew.reader() as uow:
        return ({p.number: p.history for p in uow.permits.list()},
                {a.number: a.status for a in uow.applications.list()},
                uow.enforcement.actions(), uow.enforcement.messages(), uow.proposals.list(),
                sum(1 for _ in uow.audit.entries()))


def test_propose_list_and_confirm_through_the_api(world: tuple[Web, str]) -> None:
    web, case_id = world
    p = _propose(web, case_id)
    assert p["status"] == "proposed" and p["proposed_by"] == "officer" and p["decision_id"] is None
    assert set(p["permits"]) == BAYKAR_ROUTE and set(p["applications"]) == HELD and p["exporters"] == ["wescam"]
    assert p["effect"]["applied"] is False and {i["permit"] for i in p["effect"]["permits"]} == BAYKAR_ROUTE
    with web.ew.reader() as uow:
        assert uow.enforcement.actions() == [] and uow.enforcement.messages() == []  # nothing applied yet

    listed = web.client.get(_base(case_id), headers=web.as_("investigator")).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == p["id"] and listed["items"][0]["effect"]

    r = web.client.post(f"{_base(case_id)}/{p['id']}/confirm", headers=web.as_("approver"))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "confirmed" and done["decided_by"] == "approver" and done["decided_at"]
    assert done["effect"]["applied"] is True and done["effect"]["decision_id"] == done["decision_id"]
    with web.ew.reader() as uow:
        (action,) = uow.enforcement.actions()
        assert action.id == done["decision_id"] and set(action.permits) == BAYKAR_ROUTE
        assert {a.number: a.status for a in uow.applications.list() if a.number in HELD} == {
            n: ApplicationStatus.ON_HOLD for n in HELD}
        assert [(m.party_id, m.status) for m in uow.enforcement.messages()] == [("wescam", "pending")]

    again = web.client.post(f"{_base(case_id)}/{p['id']}/confirm", headers=web.as_("admin"))
    assert again.status_code == 409
    assert again.json()["code"] == "rule_violation" and again.json()["rule"] == "proposal-decided"
    listed = web.client.get(_base(case_id), headers=web.as_("auditor")).json()
    assert listed["items"][0]["status"] == "confirmed" and listed["items"][0]["effect"] is None
    events = web.client.get(f"/api/v1/cases/{case_id}", headers=web.as_("auditor")).json()["timeline"]
    texts = [e["text"] for e in events if e["kind"] == "proposal"]
    assert len(texts) == 2 and f"applied as decision {done['decision_id']}" in texts[1]


def test_the_proposer_cannot_confirm(world: tuple[Web, str]) -> None:
    web, case_id = world
    p = _propose(web, case_id, who="approver")
    before = _state(web)
    r = web.client.post(f"{_base(case_id)}/{p['id']}/confirm", headers=web.as_("approver"))
    assert r.status_code == 409 and r.json()["rule"] == "four-eyes"
    assert f"proposal {p['id']}" in r.json()["records"]
    assert _state(web) == before
    assert web.client.post(f"{_base(case_id)}/{p['id']}/confirm", headers=web.as_("admin")).status_code == 200


def test_reject_and_withdraw_through_the_api(world: tuple[Web, str]) -> None:
    web, case_id = world
    first = _propose(web, case_id)
    second = web.client.post(_base(case_id), headers=web.as_("approver"), json=PROPOSAL)
    assert second.status_code == 409 and second.json()["rule"] == "proposal-pending"
    url = f"{_base(case_id)}/{first['id']}"
    assert web.client.post(f"{url}/reject", headers=web.as_("approver"), json={}).status_code == 422
    r = web.client.post(f"{url}/reject", headers=web.as_("approver"), json={"reason": "wait for the answer"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["decision_reason"] == "wait for the answer" and r.json()["decided_by"] == "approver"
    assert web.client.post(f"{url}/reject", headers=web.as_("admin"), json={"reason": "x"}).status_code == 409
    assert web.client.post(f"{url}/confirm", headers=web.as_("admin")).json()["rule"] == "proposal-decided"

    later = _propose(web, case_id, hold_applications=False)
    assert later["applications"] == [] and later["hold_applications"] is False
    url = f"{_base(case_id)}/{later['id']}"
    refused = web.client.post(f"{url}/withdraw", headers=web.as_("approver"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    r = web.client.post(f"{url}/withdraw", headers=web.as_("officer"))  # no body: the reason is optional
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = web.client.post(f"{url}/withdraw", headers=web.as_("officer"), json={"reason": "twice"})
    assert r.status_code == 409 and r.json()["rule"] == "proposal-decided"
    with web.ew.reader() as uow:
        assert uow.enforcement.actions() == []


def test_confirmation_refused_when_a_permit_changed_meanwhile(world: tuple[Web, str]) -> None:
    web, case_id = world
    p = _propose(web, case_id)
    # Meanwhile one permit's suspension is proposed and confirmed on its own (two other signatures).
    r = web.client.post("/api/v1/permits/PERMIT-REDACTED-1/status", headers=web.as_("admin"),
                        json={"status": "suspended", "effective_on": "2020-10-08", "reason": "direct",
                              "reference": "D-1"})
    assert r.status_code == 201 and r.json()["case_id"] is None, r.text
    r = web.client.post(f"/api/v1/proposals/{r.json()['id']}/confirm", headers=web.as_("approver"))
    assert r.status_code == 200, r.text
    before = _state(web)
    r = web.client.post(f"{_base(case_id)}/{p['id']}/confirm", headers=web.as_("approver"))
    assert r.status_code == 409 and r.json()["rule"] == "status-transition"
    assert r.json()["records"] == ["permit PERMIT-REDACTED-1"] and "PERMIT-REDACTED-1" in r.json()["message"]
    assert _state(web) == before
    listed = web.client.get(_base(case_id), headers=web.as_("approver")).json()["items"][0]
    assert listed["status"] == "proposed" and any(i["problem"] for i in listed["effect"]["permits"])


def test_unknown_records_and_bad_input(world: tuple[Web, str]) -> None:
    web, case_id = world
    p = _propose(web, case_id)
    assert web.client.get(_base("CASE-9999"), headers=web.as_("officer")).status_code == 404
    r = web.client.post(_base("CASE-9999"), headers=web.as_("officer"), json=PROPOSAL)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert web.client.post(f"{_base(case_id)}/999/confirm", headers=web.as_("approver")).status_code == 404
    assert web.client.post(f"{_base('CASE-9999')}/{p['id']}/confirm",
                           headers=web.as_("approver")).status_code == 404  # not that case's proposal
    assert web.client.post(f"{_base(case_id)}/{2**63}/confirm", headers=web.as_("approver")).status_code == 422
    r = web.client.post(_base(case_id), headers=web.as_("officer"), json={**PROPOSAL, "reference": ""})
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "body.reference"


WHO: list[str | None] = [None, *ACCOUNTS]


@pytest.mark.parametrize("who", WHO)
def test_every_role_is_refused_what_it_may_not_do(world: tuple[Web, str], who: str | None) -> None:
    web, case_id = world
    role = Role.PUBLIC if who is None else ACCOUNTS[who][0]
    p = _propose(web, case_id, who="admin")  # so that there is something to confirm, reject and withdraw
    url = f"{_base(case_id)}/{p['id']}"
    calls = [("GET", _base(case_id), Action.CASES_READ, None),
             ("POST", _base(case_id), Action.ENFORCEMENT_PROPOSE, PROPOSAL),
             ("POST", f"{url}/confirm", Action.ENFORCEMENT_DECIDE, None),
             ("POST", f"{url}/reject", Action.ENFORCEMENT_DECIDE, {"reason": "r"}),
             ("POST", f"{url}/withdraw", Action.ENFORCEMENT_PROPOSE, None)]
    before = _state(web)
    for method, path, action, body in calls:
        r = web.client.request(method, path, headers=web.as_(who), json=body)
        if action in PERMISSIONS[role]:
            continue  # allowed writes are followed in the tests above
        assert r.status_code == (401 if who is None else 403), (who, path, r.text)
        assert set(r.json()) <= {"code", "message"}, r.json()
    if role not in (Role.ADMINISTRATOR, Role.LICENSING_OFFICER, Role.APPROVER):
        assert _state(web) == before
    # Who may do what, as the brief of the four-eyes step sets it.
    assert (Action.ENFORCEMENT_PROPOSE in PERMISSIONS[role]) == (
        role in (Role.LICENSING_OFFICER, Role.APPROVER, Role.ADMINISTRATOR))
    assert (Action.ENFORCEMENT_DECIDE in PERMISSIONS[role]) == (role in (Role.APPROVER, Role.ADMINISTRATOR))


def test_pages_propose_then_a_second_person_confirms(world: tuple[Web, str]) -> None:
    web, case_id = world
    officer = web.sign_in("officer")
    preview = officer.get(f"/cases/{case_id}?action=suspend&on=2020-10-05").text
    assert 'data-testid="propose"' in preview and 'data-testid="confirm"' not in preview
    r = officer.post(f"/cases/{case_id}/proposals", data={"csrf_token": csrf_of(preview), "action": "suspend",
                                                          "on": "2020-10-05", "hold_applications": "1",
                                                          "reason": PROPOSAL["reason"],
                                                          "reference": PROPOSAL["reference"]},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#proposals")
    page = officer.get(f"/cases/{case_id}").text
    assert 'data-testid="proposals"' in page and 'data-testid="four-eyes-note"' in page
    assert 'data-testid="withdraw"' in page and 'data-testid="confirm"' not in page
    again = officer.get(f"/cases/{case_id}?action=revoke&on=2020-10-05").text
    assert 'data-testid="proposal-pending"' in again and 'data-testid="propose"' not in again
    proposal_id = web.client.get(_base(case_id), headers=web.as_("officer")).json()["items"][0]["id"]
    r = officer.post(f"/cases/{case_id}/proposals/{proposal_id}/confirm", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 403  # an officer may not give the second signature

    approver = web.sign_in("approver")
    dash = approver.get("/").text
    assert 'data-testid="awaiting-signature"' in dash and "for you to confirm or reject" in dash
    page = approver.get(f"/cases/{case_id}").text
    assert 'data-testid="confirm"' in page and 'data-testid="reject"' in page and 'data-testid="withdraw"' not in page
    r = approver.post(f"/cases/{case_id}/proposals/{proposal_id}/confirm", data={"csrf_token": csrf_of(page)},
                      follow_redirects=False)
    assert r.status_code == 303
    page = approver.get(f"/cases/{case_id}").text
    assert 'data-testid="proposal-history"' in page and "applied as decision" in page
    assert 'data-testid="confirm"' not in page
    assert 'data-testid="awaiting-signature"' not in approver.get("/").text
    with web.ew.reader() as uow:
        assert {a.status for a in uow.cases.case_actions(case_id)} == {"applied"}


def test_pages_reject_and_withdraw(world: tuple[Web, str]) -> None:
    web, case_id = world
    first = _propose(web, case_id)
    approver = web.sign_in("approver")
    page = approver.get(f"/cases/{case_id}").text
    r = approver.post(f"/cases/{case_id}/proposals/{first['id']}/reject", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 422 and "reason" in r.text  # a rejection needs a reason
    r = approver.post(f"/cases/{case_id}/proposals/{first['id']}/reject",
                      data={"csrf_token": csrf_of(page), "reason": "ask the manufacturer first"},
                      follow_redirects=False)
    assert r.status_code == 303
    page = approver.get(f"/cases/{case_id}").text
    assert "ask the manufacturer first" in page and ">rejected<" in page

    second = _propose(web, case_id)
    officer = web.sign_in("officer")
    page = officer.get(f"/cases/{case_id}").text
    r = officer.post(f"/cases/{case_id}/proposals/{second['id']}/withdraw",
                     data={"csrf_token": csrf_of(page), "reason": "wrong date"}, follow_redirects=False)
    assert r.status_code == 303
    page = officer.get(f"/cases/{case_id}").text
    assert ">withdrawn<" in page and "wrong date" in page and 'data-testid="withdraw"' not in page
    with web.ew.reader() as uow:
        assert uow.enforcement.actions() == [] and {a.status for a in uow.cases.case_actions(case_id)} == {
            "recommended"}


def test_a_single_permit_status_is_a_proposal_confirmed_by_someone_else(world: tuple[Web, str]) -> None:
    web, _ = world
    body = {"status": "suspended", "effective_on": "2020-10-05", "reason": "allegations", "reference": "M-1"}
    r = web.client.post("/api/v1/permits/PERMIT-REDACTED-1/status", headers=web.as_("officer"), json=body)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["case_id"] is None and p["scope"] == {"permits": ["PERMIT-REDACTED-1"]} and p["status"] == "proposed"
    assert p["permits"] == ["PERMIT-REDACTED-1"] and p["effect"]["permits"][0]["state"] == "in_force"
    permit = web.client.get("/api/v1/permits/PERMIT-REDACTED-1?as_of=2020-10-06", headers=web.as_("officer"))
    assert permit.json()["state"] == "in_force"  # nothing applied on one signature
    listed = web.client.get("/api/v1/proposals", headers=web.as_("auditor")).json()
    assert [i["id"] for i in listed["items"]] == [p["id"]]
    before = _state(web)
    for who, code in (("officer", 403), ("exporter", 403)):
        r = web.client.post(f"/api/v1/proposals/{p['id']}/confirm", headers=web.as_(who))
        assert r.status_code == code, (who, r.text)
    web.client.post("/api/v1/permits/PERMIT-REDACTED-2/status", headers=web.as_("admin"), json=body)
    mine = web.client.get("/api/v1/proposals", headers=web.as_("admin")).json()["items"][-1]
    r = web.client.post(f"/api/v1/proposals/{mine['id']}/confirm", headers=web.as_("admin"))
    assert r.status_code == 409 and r.json()["rule"] == "four-eyes"
    assert _state(web)[0] == before[0]
    r = web.client.post(f"/api/v1/proposals/{p['id']}/confirm", headers=web.as_("approver"))
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["decided_by"] == "approver"
    permit = web.client.get("/api/v1/permits/PERMIT-REDACTED-1?as_of=2020-10-06", headers=web.as_("officer"))
    assert permit.json()["state"] == "suspended"
    one = web.client.get(f"/api/v1/proposals/{p['id']}", headers=web.as_("investigator")).json()
    assert one["status"] == "confirmed" and one["decision_id"] is not None


def test_the_proposals_page_confirms_and_the_permit_page_proposes(world: tuple[Web, str]) -> None:
    web, _ = world
    officer = web.sign_in("officer")
    page = officer.get("/permits/PERMIT-REDACTED-1")
    assert 'data-testid="propose-status"' in page.text
    r = officer.post("/permits/PERMIT-REDACTED-1/status", follow_redirects=False,
                     data={"status": "suspended", "effective_on": "2020-10-05", "reason": "allegations",
                           "reference": "M-1", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/proposals#proposal-1"
    listing = officer.get("/proposals").text
    assert 'data-testid="proposal-1"' in listing and 'data-testid="withdraw"' in listing
    assert 'data-testid="confirm"' not in listing  # the proposer cannot confirm
    assert "Awaiting a second signature" in officer.get("/permits/PERMIT-REDACTED-1").text
    approver = web.sign_in("approver")
    listing = approver.get("/proposals").text
    assert 'data-testid="confirm"' in listing
    r = approver.post("/proposals/1/confirm", data={"csrf_token": csrf_of(listing)}, follow_redirects=False)
    assert r.status_code == 303
    shown = approver.get("/permits/PERMIT-REDACTED-1?as_of=2020-10-06")
    assert 'data-testid="permit-state">suspended' in shown.text
    assert 'data-testid="none-awaiting"' in approver.get("/proposals").text


def test_a_scheduled_suspension_is_shown_and_cancelled_with_two_signatures(world: tuple[Web, str]) -> None:
    web, _ = world  # today is 2020-10-25 here; PERMIT-CA-1 is valid to 2022-06-01
    body = {"status": "suspended", "effective_on": "2021-01-04", "reason": "planned", "reference": "S-1"}
    far = web.client.post("/api/v1/permits/PERMIT-CA-1/status", headers=web.as_("officer"),
                          json={**body, "effective_on": "9999-12-31"})
    assert far.status_code == 409 and far.json()["rule"] == "effective-date" and "days ahead" in far.json()["message"]
    made = web.client.post("/api/v1/permits/PERMIT-CA-1/status", headers=web.as_("officer"), json=body)
    assert made.status_code == 201, made.text
    p = made.json()
    assert web.client.post(f"/api/v1/proposals/{p['id']}/confirm", headers=web.as_("approver")).status_code == 200
    officer = web.sign_in("officer")
    page = officer.get("/permits/PERMIT-CA-1")
    assert 'data-testid="scheduled"' in page.text and 'data-testid="cancel-scheduled"' in page.text
    r = officer.post("/permits/PERMIT-CA-1/scheduled/cancel", follow_redirects=False,
                     data={"effective_on": "2021-01-04", "reason": "withdrawn", "reference": "W-1",
                           "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    listed = web.client.get("/api/v1/proposals", headers=web.as_("auditor")).json()["items"]
    assert [(i["action"], i["effect"]) for i in listed] == [("cancel_scheduled", None)]
    approver = web.sign_in("approver")
    listing = approver.get("/proposals").text
    assert 'data-testid="cancels-scheduled"' in listing and 'data-testid="confirm"' in listing
    r = approver.post(f"/proposals/{listed[0]['id']}/confirm", data={"csrf_token": csrf_of(listing)},
                      follow_redirects=False)
    assert r.status_code == 303
    shown = web.client.get("/api/v1/permits/PERMIT-CA-1?as_of=2021-02-01", headers=web.as_("officer")).json()
    assert shown["state"] == "in_force"
    again = web.client.post("/api/v1/permits/PERMIT-CA-1/scheduled/cancel", headers=web.as_("officer"),
                            json={"effective_on": "2021-01-04", "reason": "x", "reference": "y"})
    assert again.status_code == 409 and again.json()["rule"] == "scheduled-event"
