"""The partner authorities page and API: partners, exchanges and an exchange's matches, shown to investigators,
officers, auditors and administrators; refused to exporters, approvers and the public, with no data."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import FIXED_NOW
from tests.factories import ACTOR, permit, small_world
from tests.principals import person
from tests.web.conftest import Web

from endwatch.bootstrap import bootstrap
from endwatch.services.monitoring import partners
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.permits import issue_permit
from endwatch.settings import load_settings

LIMITS = partners.Limits(4096, 4)


@pytest.fixture
def exchanged(web: Web, sqlite_template: Path, tmp_path: Path) -> str:
    """One finished exchange between the reference case (us, `authority-a`) and a partner holding its serial."""
    shutil.copy(sqlite_template, tmp_path / "b.db")
    b = bootstrap(load_settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", home=tmp_path / "b"),
                  clock=lambda: FIXED_NOW)
    small_world(b)
    issue_permit(b.uow(), ACTOR, permit(quantity=5))
    record_delivery(b.uow(), ACTOR, "P-1", date(2020, 9, 15), ["redacted sn 1", "OTHER-1"])
    a_conf, b_conf = partners.Config("authority-a", LIMITS), partners.Config("authority-b", LIMITS)
    officer = person("officer-a")
    partners.add_partner(web.ew.uow(), officer, "authority-b", "Partner B")
    partners.add_partner(b.uow(), officer, "authority-a", "Partner A")
    f = tmp_path
    partners.export_keys(web.ew, officer, a_conf, "authority-b", f / "ka", f / "req")
    partners.match(b, officer, b_conf, f / "req", "authority-a", f / "kb", f / "rep")
    done = partners.finish(web.ew, officer, a_conf, f / "rep", "authority-b", f / "ka", f / "fin")
    partners.finish(b, officer, b_conf, f / "fin", "authority-a", f / "kb", None)
    b.close()
    return done.exchange.id


def test_readers_see_partners_exchanges_and_matches(web: Web, exchanged: str):
    for who in ("investigator", "officer", "auditor", "admin"):
        listed = web.client.get("/api/v1/partners", headers=web.as_(who))
        assert listed.status_code == 200 and [p["id"] for p in listed.json()] == ["authority-b"]
        assert listed.json()[0]["limits"]["max_exchanges"] == web.ew.settings.partner_max_exchanges
        exchanges = web.client.get("/api/v1/partners/exchanges", headers=web.as_(who)).json()
        assert [(e["id"], e["role"], e["status"], e["matched"]) for e in exchanges] == [
            (exchanged, "initiator", "finished", 1)]
        one = web.client.get(f"/api/v1/partners/exchanges/{exchanged}", headers=web.as_(who)).json()
        assert [(m["serial"], m["tier"]) for m in one["matches"]] == [("REDACTED-SN-1", "exact")]
        assert one["matches"][0]["reference"].startswith("TR-")
    web.sign_in("auditor")
    page = web.client.get("/partners")
    assert page.status_code == 200 and "Partner B" in page.text and exchanged in page.text
    detail = web.client.get(f"/partners/exchanges/{exchanged}")
    assert detail.status_code == 200 and "REDACTED-SN-1" in detail.text and "exact" in detail.text
    assert 'href="/partners"' in web.client.get("/").text  # in the navigation of those who may read it


def test_exporters_approvers_and_the_public_get_nothing(web: Web, exchanged: str):
    paths = ["/api/v1/partners", "/api/v1/partners/exchanges", f"/api/v1/partners/exchanges/{exchanged}"]
    for who in ("exporter", "rival", "approver", None):
        for path in paths:
            r = web.client.get(path, headers=web.as_(who))
            assert r.status_code == (401 if who is None else 403), (who, path)
            assert "authority-b" not in r.text and "REDACTED" not in r.text
    web.sign_in("exporter")
    r = web.client.get(f"/partners/exchanges/{exchanged}", follow_redirects=False)
    assert r.status_code == 403 and "REDACTED-SN-1" not in r.text
    assert 'href="/partners"' not in web.client.get("/").text


def test_an_unknown_or_malformed_exchange_is_not_found_or_refused(web: Web):
    r = web.client.get(f"/api/v1/partners/exchanges/{'0' * 32}", headers=web.as_("investigator"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = web.client.get("/api/v1/partners/exchanges/not-an-id", headers=web.as_("investigator"))
    assert r.status_code == 422
