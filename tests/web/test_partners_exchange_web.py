"""The partner exchange from the web: starting one (our request file to download), answering a partner's request
(the reply to download) and finishing (our matched items with tier and trace request; the final file), through the
same service functions as the command line, against a partner's endwatch on another database. Files reveal no
serial; a bad file is refused naming it, changing nothing; limits apply; exporters, approvers, auditors and the
public cannot run a step. Both databases (our side)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import FIXED_NOW
from tests.factories import ACTOR, permit, small_world
from tests.principals import person
from tests.web.conftest import Web, csrf_of

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.domain.matching import fold
from endwatch.domain.serials import serial_key
from endwatch.services.monitoring import partners
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.permits import issue_permit
from endwatch.settings import load_settings

LIMITS = partners.Limits(4096, 4)
B_CONF = partners.Config("authority-b", LIMITS)
B_SERIALS = ["redacted sn 1", "OTHER-1"]  # the reference case's nameplate serial, written another way, and one not


@pytest.fixture(autouse=True)
def our_authority(monkeypatch: pytest.MonkeyPatch) -> None:
    """This endwatch (the reference case) is `authority-a` to its partners."""
    monkeypatch.setenv("ENDWATCH_AUTHORITY", "authority-a")


@pytest.fixture
def b(web: Web, sqlite_template: Path, tmp_path: Path) -> Iterator[Endwatch]:
    """The partner: another endwatch that delivered the reference case's serial too; each side registers the other."""
    shutil.copy(sqlite_template, tmp_path / "b.db")
    other = bootstrap(load_settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", home=tmp_path / "b"),
                      clock=lambda: FIXED_NOW)
    small_world(other)
    issue_permit(other.uow(), ACTOR, permit(quantity=5))
    record_delivery(other.uow(), ACTOR, "P-1", date(2020, 9, 15), B_SERIALS)
    partners.add_partner(web.ew.uow(), person("officer-a"), "authority-b", "Partner B")
    partners.add_partner(other.uow(), person("officer-b"), "authority-a", "Partner A")
    yield other
    other.close()


def _form(web: Web, path: str) -> str:
    page = web.client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _exchange_id(location: str) -> str:
    found = re.fullmatch(r"/partners/exchanges/([0-9a-f]{32})(#matches)?", location)
    assert found, location
    return found.group(1)


def _download(web: Web, exchange_id: str, name: str, to: Path) -> Path:
    r = web.client.get(f"/partners/exchanges/{exchange_id}/files/{name}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    to.write_bytes(r.content)
    return to


def _serial_free(web: Web, blob: bytes) -> None:
    """No delivered serial of ours, its key or folded form, nor an unkeyed hash of one, is in the file."""
    with web.ew.engine.connect() as conn:
        serials = [r[0] for r in conn.execute(sa.text("select serial from deliveries"))]
    assert serials
    doc = json.loads(blob)
    blobs = [blob] + [base64.b64decode(s["points"]) for s in doc["sets"].values()]
    for s in serials:
        for form in {s, serial_key(s), fold(serial_key(s))}:
            raw = form.encode()
            digests = {h(raw).digest() for h in (hashlib.sha256, hashlib.sha512, hashlib.sha1)}
            for needle in {raw} | digests | {d.hex().encode() for d in digests}:
                assert not any(needle in part for part in blobs), form


def _audit(web: Web) -> list[tuple[str, str]]:
    with web.ew.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select action, actor from audit_log where entity = 'partner_exchange' order by seq"))]


def _kept(web: Web) -> list[str]:
    root = web.ew.settings.home / "partner-exchanges"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_an_officer_starts_and_finishes_an_exchange_in_the_web(web: Web, b: Endwatch, tmp_path: Path):
    web.sign_in("officer")
    page = web.client.get("/partners")
    assert 'data-testid="start-form"' in page.text and 'data-testid="answer-form"' in page.text
    r = web.client.post("/partners/exchanges", data={"partner": "authority-b", "csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    exchange = _exchange_id(r.headers["location"])
    shown = web.client.get(r.headers["location"])
    assert "sent-request" in shown.text and 'data-testid="finish-form"' in shown.text
    request = _download(web, exchange, "request.json", tmp_path / "request.json")
    _serial_free(web, request.read_bytes())
    assert json.loads(request.read_bytes())["from"] == "authority-a"
    # The partner answers on its own endwatch (the command line's service).
    partners.match(b, person("officer-b"), B_CONF, request, "authority-a", tmp_path / "kb", tmp_path / "reply.json")
    with (tmp_path / "reply.json").open("rb") as reply:
        r = web.client.post(f"/partners/exchanges/{exchange}/finish", files={"file": ("reply.json", reply)},
                            data={"csrf_token": csrf_of(shown.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    done = web.client.get(r.headers["location"])
    assert 'data-testid="match"' in done.text and "REDACTED-SN-1" in done.text and "exact" in done.text
    reference = re.search(r'href="/trace-requests/(TR-[^"]+)"', done.text)
    assert reference, done.text
    request_page = web.client.get(f"/trace-requests/{reference.group(1)}")
    assert request_page.status_code == 200 and exchange in request_page.text
    final = _download(web, exchange, "final.json", tmp_path / "final.json")
    _serial_free(web, final.read_bytes())
    assert 'data-testid="finish-form"' not in done.text
    # The partner finishes with our final file and learns its matching item too.
    theirs = partners.finish(b, person("officer-b"), B_CONF, final, "authority-a", tmp_path / "kb", None)
    assert [(m.serial, m.tier) for m in theirs.matches] == [("redacted sn 1", "exact")]
    assert _audit(web) == [("partner.exchange.request", "officer"), ("partner.exchange.finish", "officer")]
    assert _kept(web) == [exchange]
    assert not (web.ew.settings.home / "partner-exchanges" / exchange / "key").exists()  # needed no more


def test_an_investigator_answers_a_partners_request_in_the_web(web: Web, b: Endwatch, tmp_path: Path):
    started = partners.export_keys(b, person("officer-b"), B_CONF, "authority-a", tmp_path / "kb",
                                   tmp_path / "request.json")
    web.sign_in("investigator")
    csrf = _form(web, "/partners")
    with (tmp_path / "request.json").open("rb") as request:
        r = web.client.post("/partners/answers", files={"file": ("their request.json", request)},
                            data={"partner": "authority-b", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    exchange = _exchange_id(r.headers["location"])
    assert exchange == started.exchange.id
    reply = _download(web, exchange, "reply.json", tmp_path / "reply.json")
    _serial_free(web, reply.read_bytes())
    partners.finish(b, person("officer-b"), B_CONF, reply, "authority-a", tmp_path / "kb", tmp_path / "final.json")
    csrf = _form(web, r.headers["location"])
    with (tmp_path / "final.json").open("rb") as final:
        r = web.client.post(f"/partners/exchanges/{exchange}/finish", files={"file": ("final.json", final)},
                            data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    done = web.client.get(f"/partners/exchanges/{exchange}")
    assert "REDACTED-SN-1" in done.text and "finish-form" not in done.text
    api = web.client.get(f"/api/v1/partners/exchanges/{exchange}", headers=web.as_("investigator")).json()
    assert api["status"] == "finished" and [(m["serial"], m["tier"]) for m in api["matches"]] == [
        ("REDACTED-SN-1", "exact")]
    incoming = web.client.get(f"/api/v1/trace-requests/{api['matches'][0]['reference']}",
                              headers=web.as_("investigator")).json()
    assert incoming["direction"] == "incoming"
    assert _audit(web) == [("partner.exchange.reply", "investigator"), ("partner.exchange.finish", "investigator")]


def test_a_bad_file_is_refused_naming_it_and_changes_nothing(web: Web, b: Endwatch, tmp_path: Path):
    web.sign_in("officer")
    csrf = _form(web, "/partners")
    request = tmp_path / "request.json"
    partners.export_keys(b, person("officer-b"), B_CONF, "authority-a", tmp_path / "kb", request)
    doc = json.loads(request.read_text())
    wrong_step = json.dumps(doc | {"step": "final"}).encode()
    other_sender = json.dumps(doc | {"from": "authority-c"}).encode()
    cut = request.read_bytes()[:200]
    cases = [(b"not json at all", "not an exchange file"), (cut, "not an exchange file"),
             (wrong_step, "not the 'request' step"), (other_sender, "not from partner 'authority-b'"), (b"", "empty")]
    audit = _audit(web)
    for content, expected in cases:
        r = web.client.post("/partners/answers", files={"file": ("their file.json", content)},
                            data={"partner": "authority-b", "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 422, (expected, r.status_code, r.text[:300])
        shown = html.unescape(r.text)
        assert expected in shown and "their file.json" in shown, expected
        assert "/tmp" not in r.text and str(web.ew.settings.home) not in r.text
    # No partner chosen, no file chosen, an unknown partner.
    assert web.client.post("/partners/answers", data={"partner": "authority-b", "csrf_token": csrf}).status_code == 422
    with request.open("rb") as f:
        r = web.client.post("/partners/answers", files={"file": ("request.json", f)},
                            data={"partner": "authority-z", "csrf_token": csrf})
    assert r.status_code == 404
    # Finishing: an exchange not logged, and a file for another exchange.
    r = web.client.post(f"/partners/exchanges/{'0' * 32}/finish", files={"file": ("x.json", b"{}")},
                        data={"csrf_token": csrf})
    assert r.status_code == 422 and "holds no key" in r.text
    started = web.client.post("/partners/exchanges", data={"partner": "authority-b", "csrf_token": csrf},
                              follow_redirects=False)
    exchange = _exchange_id(started.headers["location"])
    audit = _audit(web)
    with request.open("rb") as f:
        r = web.client.post(f"/partners/exchanges/{exchange}/finish", files={"file": ("their reply.json", f)},
                            data={"csrf_token": csrf})
    assert r.status_code == 422 and "their reply.json" in r.text and "'request' step" in html.unescape(r.text)
    assert _audit(web) == audit and _kept(web) == [exchange]
    assert (web.ew.settings.home / "partner-exchanges" / exchange / "key").is_file()  # still there to finish with
    api = web.client.get(f"/api/v1/partners/exchanges/{exchange}", headers=web.as_("officer")).json()
    assert api["status"] == "requested" and api["matches"] == []


def test_the_frequency_limit_applies_as_on_the_command_line(web: Web, b: Endwatch):
    partners.add_partner(web.ew.uow(), person("officer-a"), "authority-c", "Partner C", max_exchanges=1)
    web.sign_in("officer")
    csrf = _form(web, "/partners")
    first = web.client.post("/partners/exchanges", data={"partner": "authority-c", "csrf_token": csrf},
                            follow_redirects=False)
    assert first.status_code == 303
    kept, audit = _kept(web), _audit(web)
    again = web.client.post("/partners/exchanges", data={"partner": "authority-c", "csrf_token": csrf})
    assert again.status_code == 409 and "partner-limit" in again.text and "authority-c" in again.text
    assert _kept(web) == kept and _audit(web) == audit


def test_only_investigators_officers_and_administrators_run_exchanges(web: Web, b: Endwatch, tmp_path: Path):
    web.sign_in("officer")
    csrf = _form(web, "/partners")
    started = web.client.post("/partners/exchanges", data={"partner": "authority-b", "csrf_token": csrf},
                              follow_redirects=False)
    exchange = _exchange_id(started.headers["location"])
    audit = _audit(web)
    for who in ("exporter", "approver", "auditor", None):
        client = web.client
        client.cookies.clear()
        if who is not None:
            web.sign_in(who)
        home = client.get("/")
        token = csrf_of(home.text) if 'name="csrf_token"' in home.text else ""
        for path, kwargs in (("/partners/exchanges", {"data": {"partner": "authority-b", "csrf_token": token}}),
                             ("/partners/answers", {"data": {"partner": "authority-b", "csrf_token": token},
                                                    "files": {"file": ("r.json", b"{}")}}),
                             (f"/partners/exchanges/{exchange}/finish", {"data": {"csrf_token": token},
                                                                         "files": {"file": ("r.json", b"{}")}})):
            r = client.post(path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
            assert r.status_code in ((401, 303) if who is None else (403,)), (who, path, r.status_code)
        r = client.get(f"/partners/exchanges/{exchange}/files/request.json", follow_redirects=False)
        assert r.status_code in ((401, 303) if who is None else (403,)) and "points" not in r.text
    web.sign_in("auditor")
    page = web.client.get(f"/partners/exchanges/{exchange}")
    assert page.status_code == 200 and "finish-form" not in page.text and "sent-request" not in page.text
    assert "start-form" not in web.client.get("/partners").text
    assert _audit(web) == audit and _kept(web) == [exchange]
