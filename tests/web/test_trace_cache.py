"""The trace endpoint's cached answers: the same JSON as the response model, never stale after a write
(of this process or another), and never served to a caller who may no longer ask."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from pydantic import TypeAdapter
from tests.principals import person

from endwatch.bootstrap import bootstrap
from endwatch.services.accounts import users
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.trace import trace_serial
from endwatch.services.reporting import records
from endwatch.web.cache import VersionedCache
from endwatch.web.schemas import TraceOut

from .conftest import Web

URL = "/api/v1/trace?serial=REDACTED-SN-1&manufacturer=L3%20Wescam&model=CMX-15D&as_of=2020-10-01"


def _cache(web: Web) -> VersionedCache:
    cache: VersionedCache = web.client.app.state.cache  # type: ignore[attr-defined]
    return cache


def test_cached_answer_is_the_response_models_json(web: Web) -> None:
    h = web.as_("investigator")
    first = web.client.get(URL, headers=h)
    misses_before = _cache(web).misses
    again = web.client.get(URL, headers=h)
    assert _cache(web).misses == misses_before  # the second answer (and the token) came from the cache
    expected = TypeAdapter(TraceOut).dump_json(TraceOut.of(trace_serial(
        web.ew.reader(), "REDACTED-SN-1", manufacturer="L3 Wescam", model="CMX-15D", as_of=date(2020, 10, 1))))
    for r in (first, again):
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.headers["cache-control"] == "no-store"
        assert "script-src 'none'" in r.headers["content-security-policy"]
        assert r.content == expected
    assert TraceOut.model_validate_json(again.content).hits[0].permit_number == "PERMIT-REDACTED-1"


def test_revoked_token_is_refused_although_its_answer_is_cached(web: Web) -> None:
    issued = users.issue_token(web.ew.uow(), person("admin"), "investigator", "soon revoked")
    h = {"Authorization": f"Bearer {issued.secret}"}
    assert web.client.get(URL, headers=h).status_code == 200
    assert web.client.get(URL, headers=h).status_code == 200  # answer and token both cached now
    users.revoke_token(web.ew.uow(), person("admin"), issued.record.id)
    r = web.client.get(URL, headers=h)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert web.client.get(URL, headers=web.as_("investigator")).status_code == 200  # other tokens still work


def test_disabled_user_is_refused_although_the_answer_is_cached(web: Web) -> None:
    h = web.as_("investigator")
    assert web.client.get(URL, headers=h).status_code == 200
    assert web.client.get(URL, headers=h).status_code == 200
    users.set_active(web.ew.uow(), person("admin"), "investigator", False)
    assert web.client.get(URL, headers=h).status_code == 401
    users.set_active(web.ew.uow(), person("admin"), "investigator", True)
    assert web.client.get(URL, headers=h).status_code == 401  # its tokens were revoked for good (issue 12, 11)
    fresh = users.issue_token(web.ew.uow(), person("admin"), "investigator", "after re-enabling").secret
    assert web.client.get(URL, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_role_without_trace_is_refused_even_when_the_answer_is_cached(web: Web) -> None:
    assert web.client.get(URL, headers=web.as_("investigator")).status_code == 200
    assert web.client.get(URL).status_code == 401  # the public
    assert web.client.get(URL, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_write_by_another_process_drops_the_cached_answer(web: Web) -> None:
    h = web.as_("investigator")
    before = web.client.get(URL, headers=h).json()
    assert web.client.get(URL, headers=h).json() == before  # cached
    other = bootstrap(web.ew.settings)  # its own engine and connections, as the CLI in another process
    try:
        baykar = records.get_party(other.reader(), "baykar")
        save_party(other.uow(), person("officer"), replace(baykar, name="Baykar (renamed elsewhere)"))
    finally:
        other.close()
    after = web.client.get(URL, headers=h).json()
    assert after["hits"][0]["consignee"]["name"] == "Baykar (renamed elsewhere)"
    assert before["hits"][0]["consignee"]["name"] != after["hits"][0]["consignee"]["name"]


def test_errors_are_not_cached(web: Web) -> None:
    h = web.as_("investigator")
    for _ in range(2):
        r = web.client.get("/api/v1/trace?serial=---", headers=h)
        assert r.status_code == 422 and "no letter or digit" in r.json()["message"]


def test_an_item_delivered_later_is_no_miss_and_costs_no_near_matching(web: Web) -> None:
    # Asked about a day before the delivery, the trace has no hit but the serial is ours exactly: detection's
    # tolerant matching (which reads every product and party) is not run, and the answer offers no near items.
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(web.ew.engine, "before_cursor_execute", note)
    try:
        h = web.as_("investigator")
        web.client.get(URL, headers=h)  # the token is cached now
        seen.clear()
        before = web.client.get(URL.replace("2020-10-01", "2020-01-01"), headers=h).json()
        statements = len(seen)
        seen.clear()
        misread = web.client.get(URL.replace("REDACTED-SN-1", "REDACTED-SN-7"), headers=h).json()
        miss_statements = len(seen)
    finally:
        sa.event.remove(web.ew.engine, "before_cursor_execute", note)
    assert before["hits"] == [] and before["near"] is None
    assert before["notes"] == ["an item with this serial was delivered later, on 2020-09-15"]
    assert statements <= 6, seen  # the state version and the trace's five reads
    assert misread["hits"] == [] and misread["near"] is not None  # a real miss still looks for near items
    assert miss_statements > statements
