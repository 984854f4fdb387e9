"""End-use checks in the web: the plan page, planning a check, the phone-friendly result form (typed serials, a
CSV file, photos), the reconciliation shown, filing findings; the API with roles (an exporter only its own
checks, the public nothing); bad input refused with nothing written."""

from __future__ import annotations

import json

from tests.principals import person
from tests.web.conftest import Web, csrf_of
from tests.web.test_cases import PNG

from endwatch.services.monitoring import programme
from endwatch.services.registry.products import save_product

PERMIT = "PERMIT-REDACTED-1"  # exporter wescam; REDACTED-SN-1 delivered 2020-09-15 to baykar, end user tr-navy
PROGRAMME = {"effective_from": "2020-01-01", "rules": [
    {"id": "psv", "kind": "post-shipment", "when": {"destinations": ["TR"]}, "within_days": 20}]}


def _open(web: Web) -> int:
    page = web.client.get("/checks")
    r = web.client.post("/checks", data={"csrf_token": csrf_of(page.text), "kind": "post-shipment",
                                         "subjects": PERMIT, "on": "2020-10-01", "inspector": "inspector one",
                                         "place": "Naval base"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_the_plan_page_and_a_check_recorded_from_a_phone(web: Web) -> None:
    programme.set_programme(web.ew.uow(), person("fixture"), programme.parse(json.dumps(PROGRAMME)))
    made = web.client.post("/api/v1/sightings", headers=web.as_("investigator"), json={
        "observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "country": "AZ",
        "observed_user": "Azerbaijani Air Force", "reliability": "B", "credibility": "2"})
    assert made.status_code == 201, made.text
    sighting = made.json()["sighting_id"]
    web.sign_in("investigator")
    page = web.client.get("/checks?as_of=2020-10-20")
    assert page.status_code == 200 and 'data-testid="planned"' in page.text and "overdue (15 days)" in page.text
    assert 'href="/checks"' in page.text  # in the navigation
    check_id = _open(web)
    page = web.client.get(f"/checks/{check_id}")
    assert 'data-testid="result-form"' in page.text and 'capture="environment"' in page.text
    r = web.client.post(f"/checks/{check_id}/result", data={
        "csrf_token": csrf_of(page.text), "on": "2020-10-02", "outcome": "unfavourable",
        "reasons": "the item was not presented", "serials": "UNKNOWN-1\n"},
        files=[("file", ("found.csv", b"serial,user\nSOMETHING-ELSE,Navy\n", "text/csv")),
               ("photos", ("site.jpg", PNG, "image/jpeg"))], follow_redirects=False)
    assert r.status_code == 303, r.text
    page = web.client.get(f"/checks/{check_id}").text
    assert "missing 1" in page and "unexpected 2" in page and "site.png" in page  # the photo named by its content
    assert "the item was not presented" in page
    # Recorded again from a sighting already in the registry (its serial and observed user taken as found).
    r = web.client.post(f"/checks/{check_id}/result", data={
        "csrf_token": csrf_of(page), "on": "2020-10-02", "outcome": "unfavourable", "reasons": "seen with others",
        "sightings": sighting}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = web.client.get(f"/checks/{check_id}").text
    assert "other-user 1" in page and "Azerbaijani Air Force" in page
    r = web.client.post(f"/checks/{check_id}/findings", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    findings = web.client.get("/api/v1/findings", headers=web.as_("investigator")).json()
    assert any(f["sighting_id"] == f"CHECK-{check_id}-1" for f in findings["items"]), findings
    # After the post-shipment check, nothing is left to plan for the permit.
    page = web.client.get("/checks?as_of=2020-10-20")
    assert "Nothing is due, overdue or coming." in page.text


def test_bad_input_and_a_form_without_its_token_write_nothing(web: Web) -> None:
    web.sign_in("officer")
    check_id = _open(web)
    # Planned for 1 October 2020 and not done: late by over a year on the dashboard (today is 22 November 2026).
    board = web.client.get("/").text
    card = board.split('data-testid="late-checks"')[1].split("</section>")[0]
    assert '<span class="count">1</span>' in card and "<td>over a year</td><td>0</td><td>1</td>" in card, card
    assert 'data-testid="no-programme"' in card
    page = web.client.get(f"/checks/{check_id}").text
    r = web.client.post(f"/checks/{check_id}/result", data={"on": "2020-10-02", "outcome": "favourable"},
                        follow_redirects=False)
    assert r.status_code == 403
    r = web.client.post(f"/checks/{check_id}/result", data={
        "csrf_token": csrf_of(page), "on": "2020-10-02", "outcome": "favourable", "serials": "REDACTED-SN-1"},
        files=[("photos", ("a.exe", b"MZ\x90", "image/png"))], follow_redirects=False)
    assert r.status_code == 422 and "not a JPEG" in r.text
    r = web.client.post(f"/checks/{check_id}/result", data={
        "csrf_token": csrf_of(page), "on": "2020-10-02", "outcome": "favourable"},
        files=[("file", ("found.csv", b"serial,user_id\n,x\n", "text/csv"))], follow_redirects=False)
    assert r.status_code == 422 and "found.csv" in r.text
    assert web.client.get(f"/api/v1/checks/{check_id}", headers=web.as_("officer")).json()["check"]["done_on"] is None
    assert 'data-testid="findings-form"' not in page  # officers record checks; investigators file findings


def test_the_api_respects_roles(web: Web) -> None:
    r = web.client.post("/api/v1/checks", headers=web.as_("officer"), json={
        "kind": "inventory", "permits": [PERMIT], "planned_on": "2020-10-01", "inspector": "api"})
    assert r.status_code == 201, r.text
    check_id = r.json()["id"]
    r = web.client.post(f"/api/v1/checks/{check_id}/result", headers=web.as_("officer"), json={
        "done_on": "2020-10-02", "outcome": "favourable",
        "items": [{"serial": "REDACTED-SN-1", "user_id": "tr-navy"}]})
    assert r.status_code == 200 and r.json()["counts"]["verified"] == 1, r.text
    assert web.client.get(f"/api/v1/checks/{check_id}", headers=web.as_("exporter")).status_code == 200
    assert [c["id"] for c in web.client.get("/api/v1/checks", headers=web.as_("exporter")).json()] == [check_id]
    assert web.client.get(f"/api/v1/checks/{check_id}", headers=web.as_("rival")).status_code == 404
    assert web.client.get("/api/v1/checks", headers=web.as_("rival")).json() == []
    assert web.client.get(f"/api/v1/checks/{check_id}").status_code == 401
    r = web.client.post(f"/api/v1/checks/{check_id}/result", headers=web.as_("officer"), json={
        "done_on": "2020-10-02", "outcome": "unfavourable", "items": [{"serial": "X", "user_id": "nobody"}]})
    assert r.status_code == 422 and {p["column"] for p in r.json()["problems"]} == {"reasons", "user_id"}
    plan = web.client.get("/api/v1/checks/plan?as_of=2020-10-20", headers=web.as_("auditor")).json()
    assert plan["programme_from"] is None and plan["checks"] == []


def test_the_series_on_the_page_the_dashboard_and_the_api(web: Web) -> None:
    from dataclasses import replace
    from datetime import date

    from endwatch.services.monitoring import series
    from endwatch.services.registry.products import save_product

    with web.ew.reader() as uow:
        product = uow.products.get("mx-15d")
    assert product is not None
    save_product(web.ew.uow(), person("fixture"), replace(product, designated=True))
    programme.set_programme(web.ew.uow(), person("fixture"), programme.parse(json.dumps({
        "effective_from": "2020-01-01", "rules": [{"id": "inv", "kind": "inventory", "when": {"designated": True},
                                                  "within_days": 20, "every_months": 12}]})))
    days = [date(2020, 10, 1), date(2020, 10, 20), date(2020, 11, 1)]
    for day in days:
        series.record(web.ew, person("fixture"), web.ew.today(), day)
    got = web.client.get("/api/v1/checks/series?from=2020-01-01&to=2020-12-31", headers=web.as_("auditor"))
    assert got.status_code == 200, got.text
    recorded = got.json()["days"]
    assert [d["day"] for d in recorded] == [d.isoformat() for d in days]
    for d in recorded:  # the recorded figures are the plan's on the day
        plan = web.client.get(f"/api/v1/checks/plan?as_of={d['day']}", headers=web.as_("auditor")).json()
        assert (d["designated_items"], d["designated_items_overdue"], d["overdue_by_age"]) == (
            plan["designated_items"], plan["designated_items_overdue"], plan["overdue_by_age"])
    assert recorded[0]["overdue_share"] == 0 and recorded[2]["overdue_share"] == 1, recorded
    # Roles: the authority's readers; never an exporter (the figures count every exporter's permits), never the
    # public; a range ending before it starts named.
    assert web.client.get("/api/v1/checks/series", headers=web.as_("exporter")).status_code == 403
    assert web.client.get("/api/v1/checks/series").status_code == 401
    bad = web.client.get("/api/v1/checks/series?from=2020-12-31&to=2020-01-01", headers=web.as_("officer"))
    assert bad.status_code == 422 and bad.json()["problems"][0]["column"] == "to", bad.text
    assert web.client.get("/api/v1/checks/series?from=2020-13-01", headers=web.as_("officer")).status_code == 422

    web.sign_in("investigator")
    page = web.client.get("/checks?as_of=2020-11-15").text
    chart = page.split('data-testid="series-chart"')[1].split("</svg>")[0]
    assert "<polyline" in chart and chart.count("<circle") == 3 and "<script" not in page
    assert '>0 %</text>' in chart and '>100 %</text>' in chart and "2020-10-01" in chart and "2020-11-01" in chart
    table = page.split('data-testid="series-table"')[1].split("</table>")[0]
    assert table.count('data-testid="series-day"') == 3 and "<th scope=\"row\">2020-11-01</th>" in table
    assert "100.0 %" in table and "0.0 %" in table
    # Nothing recorded in the year to an earlier day: the page says how to record.
    assert 'data-testid="no-series"' in web.client.get("/checks?as_of=2019-06-01").text
    # The dashboard's checks card: the year to today (recorded by the daily job), today computed until recorded.
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert card.count('data-testid="series-day"') == 1 and 'data-testid="series-today"' in card, card
    series.record(web.ew, person("fixture"), web.ew.today(), web.ew.today())
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert 'data-testid="series-chart"' in card and card.count('data-testid="series-day"') == 1, card
    assert f'<th scope="row">{web.ew.today()}</th>' in card and 'data-testid="series-today"' not in card
    web.sign_in("exporter")
    page = web.client.get("/checks?as_of=2020-11-15").text
    assert "series-chart" not in page and "no-series" not in page
    assert "series-chart" not in web.client.get("/").text


def test_the_dashboard_card_shows_overdue_work_by_age_and_the_share_cached_per_state_version(web: Web,
                                                                                                monkeypatch) -> None:
    from dataclasses import replace

    from endwatch.db.monitoring.checks import SqlCheckRepository

    with web.ew.reader() as uow:
        product = uow.products.get("mx-15d")
    assert product is not None
    save_product(web.ew.uow(), person("fixture"), replace(product, designated=True))
    programme.set_programme(web.ew.uow(), person("fixture"), programme.parse(json.dumps({
        "effective_from": "2020-01-01", "rules": [{"id": "inv", "kind": "inventory", "when": {"designated": True},
                                                  "within_days": 20, "every_months": 12}]})))
    web.sign_in("officer")
    _open(web)  # a post-shipment check planned for 1 October 2020, never recorded done

    def whole_table(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dashboard read every check")

    monkeypatch.setattr(SqlCheckRepository, "list_checks", whole_table)
    cache = web.client.app.state.cache  # type: ignore[attr-defined]
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    # The one delivered item's inventory was due 20 days after its delivery of 15 September 2020: over a year late
    # on 22 November 2026, as is the check planned by hand.
    assert '<span class="count">2</span>' in card and "<td>over a year</td><td>1</td><td>1</td>" in card, card
    assert "<td>1-30 days</td><td>0</td><td>0</td>" in card
    share = card.split('data-testid="overdue-share"')[1].split("</p>")[0]
    assert "<strong>1</strong> of 1 (100.0 %)" in share, share
    assert 'data-testid="series-today"' in card and "100.0 %" in card.split('data-testid="series-table"')[1]
    hits = cache.hits
    again = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert again == card and cache.hits > hits  # the same state version: computed once
    made = web.client.post("/api/v1/checks", headers=web.as_("officer"), json={  # a write: computed again
        "kind": "inventory", "permits": [PERMIT], "planned_on": "2020-10-01", "inspector": "api"})
    assert made.status_code == 201, made.text
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert '<span class="count">3</span>' in card and "<td>over a year</td><td>1</td><td>2</td>" in card, card
    # An exporter: its own permits' work, without the series (it counts every exporter's permits).
    web.sign_in("exporter")
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert "<td>over a year</td><td>1</td><td>2</td>" in card and "series-chart" not in card
    assert "series-table" not in card
    web.sign_in("rival")
    card = web.client.get("/").text.split('data-testid="late-checks"')[1].split("</section>\n")[0]
    assert '<span class="count">0</span>' in card and "<strong>0</strong> of 0" in card
