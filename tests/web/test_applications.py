"""The application page: the assessment indicator by indicator, decisions, and the second approver's step."""

from __future__ import annotations

import re

from tests.web.conftest import Web, csrf_of

APP = "APP-REDACTED-3"  # pending; end user az-air-force


def test_assessment_is_shown_indicator_by_indicator(web: Web) -> None:
    web.sign_in("officer")
    page = web.client.get(f"/applications/{APP}?as_of=2020-10-02")
    assert 'data-testid="assessment"' in page.text
    rec = re.search(r'data-testid="recommendation">([^<]+)<', page.text)
    assert rec and rec.group(1) in ("deny", "refer", "approve with conditions", "approve")
    assert page.text.count('class="sev sev-') >= 3
    assert 'data-testid="decide"' not in page.text  # officers do not decide
    r = web.client.post(f"/applications/{APP}/decision", data={"csrf_token": csrf_of(page.text), "decision": "deny",
                                                                "on": "2020-10-02", "reason": "x"})
    assert r.status_code == 403


def test_exporter_sees_its_application_without_the_assessment(web: Web) -> None:
    web.sign_in("exporter")
    page = web.client.get(f"/applications/{APP}")
    assert page.status_code == 200 and 'data-testid="assessment"' not in page.text
    web.sign_in("rival")
    assert web.client.get(f"/applications/{APP}").status_code == 404


def test_approval_against_the_recommendation_needs_a_second_approver(web: Web) -> None:
    web.sign_in("approver")
    page = web.client.get(f"/applications/{APP}?as_of=2020-10-02")
    form = {"csrf_token": csrf_of(page.text), "decision": "approve", "on": "2020-10-02", "reason": "test"}
    rec = re.search(r'data-testid="recommendation">([^<]+)<', page.text)
    assert rec is not None
    if rec.group(1) in ("deny", "refer"):
        r = web.client.post(f"/applications/{APP}/decision", data=form)
        assert r.status_code == 422 and "justification" in r.text
    r = web.client.post(f"/applications/{APP}/decision", data={**form, "justification": "exceptional grounds"},
                        follow_redirects=False)
    assert r.status_code == 303
    page = web.client.get(f"/applications/{APP}?as_of=2020-10-02")
    if rec.group(1) not in ("deny", "refer"):
        return  # no four eyes needed for this recommendation
    assert "awaiting a second signature" in page.text and 'data-testid="countersign"' in page.text
    r = web.client.post(f"/applications/{APP}/countersign", data={"csrf_token": csrf_of(page.text),
                                                                   "on": "2020-10-02", "reason": "me again"})
    assert r.status_code == 409 and "four-eyes" in r.text
    web.sign_in("admin")
    page = web.client.get(f"/applications/{APP}?as_of=2020-10-02")
    r = web.client.post(f"/applications/{APP}/countersign", data={"csrf_token": csrf_of(page.text),
                                                                   "on": "2020-10-02", "reason": "agreed"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert 'data-testid="application-status">approved<' in web.client.get(f"/applications/{APP}").text


NEW = {"consignee_id": "baykar", "end_user_id": "tr-navy", "destination": "TR", "product_id": "mx-15d",
       "quantity": 2, "end_use": "naval patrol drones"}


def test_exporter_submits_only_for_its_own_company(web: Web) -> None:
    r = web.client.post("/api/v1/applications", headers=web.as_("exporter"), json=NEW)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["exporter_id"] == "wescam" and made["status"] == "received" and made["number"].startswith("APP-")
    r = web.client.post("/api/v1/applications", headers=web.as_("exporter"), json={**NEW, "exporter_id": "baykar"})
    assert r.status_code == 403
    r = web.client.post("/api/v1/applications", headers=web.as_("investigator"), json=NEW)
    assert r.status_code == 403
    r = web.client.post("/api/v1/applications", headers=web.as_("officer"), json=NEW)  # officers name the exporter
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "exporter_id"
    r = web.client.post("/api/v1/applications", headers=web.as_("officer"),
                        json={**NEW, "exporter_id": "wescam", "end_user_id": "nobody"})
    assert r.status_code == 422 and "unknown party" in r.text
    # the rival exporter never sees it
    assert made["number"] not in web.client.get("/api/v1/applications", headers=web.as_("rival")).text


def test_exporter_submits_through_the_form(web: Web) -> None:
    web.sign_in("exporter")
    form = web.client.get("/applications/new")
    assert form.status_code == 200 and 'name="exporter_id"' not in form.text
    r = web.client.post("/applications/new", data={"csrf_token": csrf_of(form.text), **NEW, "quantity": "2"},
                        follow_redirects=False)
    assert r.status_code == 303
    page = web.client.get(r.headers["location"])
    assert "naval patrol drones" in page.text and 'data-testid="application-status">received<' in page.text


def test_decisions_through_the_api(web: Web) -> None:
    url = f"/api/v1/applications/{APP}"
    body = {"decision": "approve", "on": "2020-10-02", "reason": "api test"}
    r = web.client.post(f"{url}/decisions", headers=web.as_("approver"), json=body)
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "justification"
    r = web.client.post(f"{url}/decisions", headers=web.as_("approver"), json={**body, "justification": "stated"})
    assert r.status_code == 201 and r.json()["state"] == "awaiting_second"
    # At most one open approval per application: another decision waits for the countersignature.
    for who, again in (("admin", {**body, "justification": "again"}), ("approver", {**body, "decision": "hold"})):
        r = web.client.post(f"{url}/decisions", headers=web.as_(who), json=again)
        assert r.status_code == 409 and r.json()["rule"] == "decision-pending", r.text
        assert "awaits a second approver" in r.json()["message"]
    page = web.sign_in("admin").get(f"/applications/{APP}?as_of=2020-10-02")
    form = {"csrf_token": csrf_of(page.text), "decision": "approve", "on": "2020-10-02", "reason": "page",
            "justification": "j"}
    r = web.client.post(f"/applications/{APP}/decision", data=form)
    assert r.status_code == 409 and "decision-pending" in r.text
    r = web.client.post(f"{url}/countersign", headers=web.as_("approver"), json={"on": "2020-10-02", "reason": "x"})
    assert r.status_code == 409 and r.json()["rule"] == "four-eyes"
    r = web.client.post(f"{url}/countersign", headers=web.as_("admin"), json={"on": "2020-10-02", "reason": "ok"})
    assert r.status_code == 200 and r.json()["second_by"] == "admin"
    assert web.client.get(url, headers=web.as_("officer")).json()["status"] == "approved"
    assessed = web.client.get(f"{url}/assessment?as_of=2020-10-02", headers=web.as_("auditor")).json()
    assert assessed["recommendation"] in ("refer", "deny") and len(assessed["decisions"]) == 1  # no orphan
    assert {i["code"] for i in assessed["indicators"]} >= {"destination-policy"}


def test_dashboard_shows_pending_applications_with_their_recommendation(web: Web) -> None:
    web.sign_in("officer")
    page = web.client.get("/").text
    rec = re.search(rf'data-testid="recommendation-{APP}">([^<]+)<', page)
    assert rec and rec.group(1) in ("deny", "refer", "approve with conditions", "approve")
    assert "Watch list" in page
    web.sign_in("exporter")
    page = web.client.get("/").text
    assert APP in page and f"recommendation-{APP}" not in page and "Watch list" not in page


def _offered(html: str) -> set[str]:
    import re

    return set(re.findall(r'<option value="([^"]+)"', html.split('name="destination"')[0]))


def test_exporter_is_offered_only_its_own_parties(web: Web) -> None:
    web.sign_in("exporter")  # wescam: its applications and permits name baykar, tr-navy and az-air-force
    assert _offered(web.client.get("/applications/new").text) == {"wescam", "baykar", "tr-navy", "az-air-force"}
    web.sign_in("rival")  # baykar has filed nothing: only itself
    rival_form = web.client.get("/applications/new").text
    assert _offered(rival_form) == {"baykar"} and "Turkish Naval Forces" not in rival_form
    # The register itself stays closed to exporters, on the web and the API.
    assert web.client.get("/parties").status_code in (403, 404)
    assert web.client.get("/api/v1/parties", headers=web.as_("rival")).status_code == 403
    # An officer, who reads the register, is offered every party.
    web.sign_in("officer")
    assert {"am-forces", "ca-state", "wescam", "baykar"} <= _offered(web.client.get("/applications/new").text)


def test_new_application_numbers_are_opaque_and_old_ones_stay(web: Web) -> None:
    import re

    numbers = []
    for _ in range(3):
        r = web.client.post("/api/v1/applications", headers=web.as_("exporter"), json=NEW)
        assert r.status_code == 201, r.text
        numbers.append(r.json()["number"])
    assert all(re.fullmatch(r"APP-[A-Z2-7]{8}", n) for n in numbers) and len(set(numbers)) == 3
    assert not [n for n in numbers if "2020" in n or n.endswith(("-1", "-2", "-3"))]  # no date, no counter
    r = web.client.get(f"/api/v1/applications/{numbers[0]}", headers=web.as_("exporter"))
    assert r.status_code == 200 and r.json()["number"] == numbers[0]
    assert web.client.get(f"/api/v1/applications/{APP}", headers=web.as_("exporter")).status_code == 200
