"""Hostile values through the web and the API: a clear 422 (never 500), the same on SQLite and PostgreSQL,
and nothing written (issue 12, items 2 and 14)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from tests.web.conftest import Web

APPLICATION = {"exporter_id": "wescam", "consignee_id": "baykar", "end_user_id": "tr-navy", "destination": "TR",
               "product_id": "mx-15d", "quantity": 1, "end_use": "surveillance", "no_reexport": True}


def count(web: Web, table: str) -> int:
    with web.ew.engine.connect() as conn:
        return int(conn.scalar(sa.text(f"select count(*) from {table}")) or 0)


def assert_refused(r, *, status: int = 422) -> None:
    assert r.status_code == status, r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    if r.headers["content-type"].startswith("application/json"):
        body = r.json()
        assert body["code"] == "invalid_input" and body["problems"], body


NUL_ADDRESSES = ["/api/v1/trace?serial=A%00B", "/api/v1/permits/A%00B", "/api/v1/parties/x%00",
                 "/api/v1/applications/APP%00", "/api/v1/deliveries?permit=P%00", "/api/v1/audit?entity=a%00",
                 "/api/v1/trace?serial=A&model=%00", "/api/v1/trace?serial=A&x%00=1"]


def test_nul_in_path_or_query_is_422_on_both_databases(web: Web) -> None:
    for url in NUL_ADDRESSES:
        r = web.client.get(url, headers=web.as_("admin"))
        assert_refused(r)
        assert "NUL" in r.json()["message"], url


def test_nul_in_a_page_address_is_an_error_page(web: Web) -> None:
    r = web.client.get("/trace?serial=A%00B", headers=web.as_("admin"))
    assert r.status_code == 422 and "<html" in r.text and "NUL" in r.text


def test_nul_in_the_sign_in_form_is_422_and_counts_nothing(web: Web) -> None:
    c = web.client
    page = c.get("/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', page.text)
    assert token
    r = c.post("/signin", data={"username": "adm\x00in", "password": "x", "signin_token": token.group(1)})
    assert r.status_code == 422 and "NUL" in r.text


HOSTILE_APPLICATION_FIELDS: list[tuple[str, object]] = [
    ("end_use", "a\x00b"), ("consignee_id", "../../etc"), ("consignee_id", "<x>"), ("end_user_id", "tr\x00navy"),
    ("quantity", True), ("quantity", "10"), ("quantity", "１０"), ("quantity", "1_0"), ("quantity", 3_000_000_000),
    ("quantity", 99999999999999999999999), ("product_id", "x" * 101), ("no_reexport", "yes")]

HOSTILE_SIGHTING_FIELDS = [
    ("serial", "!!!"), ("serial", "A\x00B"), ("serial", "S" * 201), ("observed_on", "20200101"),
    ("observed_on", "2030-W01-1"), ("observed_user", "Baykar\u202eDefence"), ("manufacturer", "a\u2066b"),
    ("place", "a\x00"), ("source", "x\x07")]


def test_hostile_application_fields_are_refused_alike(web: Web) -> None:
    before = count(web, "applications")
    for field, value in HOSTILE_APPLICATION_FIELDS:
        r = web.client.post("/api/v1/applications", json={**APPLICATION, field: value}, headers=web.as_("admin"))
        assert_refused(r)
        assert any(field in (p["column"] or "") for p in r.json()["problems"]), r.json()
    assert count(web, "applications") == before


def test_hostile_sighting_fields_are_refused_alike(web: Web) -> None:
    before = count(web, "sightings")
    for field, value in HOSTILE_SIGHTING_FIELDS:
        body = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "reliability": "C", "credibility": "2",
                field: value}
        r = web.client.post("/api/v1/sightings", json=body, headers=web.as_("investigator"))
        assert_refused(r)
    assert count(web, "sightings") == before


def test_names_keep_rlm_and_lrm(web: Web) -> None:
    body = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-9", "reliability": "C", "credibility": "2",
            "observed_user": "\u05e6\u05d4\u05f4\u05dc\u200f (IDF)\u200e"}
    r = web.client.post("/api/v1/sightings", json=body, headers=web.as_("investigator"))
    assert r.status_code == 201, r.text


def test_the_application_form_refuses_what_the_api_refuses(web: Web) -> None:
    c = web.sign_in("exporter")
    page = c.get("/applications/new")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    before = count(web, "applications")
    for field, value in [("end_use", "a\x00b"), ("quantity", "１０"), ("quantity", "1_0"), ("quantity", "3000000000"),
                         ("consignee_id", "../../etc")]:
        form = {"consignee_id": "baykar", "end_user_id": "tr-navy", "destination": "TR", "product_id": "mx-15d",
                "quantity": "1", "end_use": "surveillance", "csrf_token": csrf.group(1), field: value}
        r = c.post("/applications/new", data=form, follow_redirects=False)
        assert r.status_code == 422, (field, value, r.text)
    assert count(web, "applications") == before


def test_strict_dates_in_queries(web: Web) -> None:
    r = web.client.get("/api/v1/permits?as_of=20200101", headers=web.as_("admin"))
    assert_refused(r)
    assert web.client.get("/api/v1/permits?as_of=2020-01-01", headers=web.as_("admin")).status_code == 200
