"""Search everywhere: results grouped by kind, near candidates for a misread serial, the caller's scope,
the per-principal rate limit, and bad text refused with its place named (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Web

from endwatch.web.ratelimit import RateLimiter


def _groups(body: dict[str, Any]) -> dict[str, list[str]]:
    return {g["kind"]: [i["key"] for i in g["items"]] for g in body["groups"]}


def test_results_are_grouped_by_kind_with_links(web: Web) -> None:
    h = web.as_("officer")
    body = web.client.get("/api/v1/search?q=permit-redacted", headers=h).json()
    groups = _groups(body)
    assert {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"} <= set(groups["permits"])
    assert groups["applications"] == [] and groups["serials"] == []
    first = body["groups"][[g["kind"] for g in body["groups"]].index("permits")]["items"][0]
    assert first["link"] == f"/permits/{first['key']}"
    serial = _groups(web.client.get("/api/v1/search?q=REDACTED-SN-1", headers=h).json())
    assert serial["serials"] == ["REDACTED-SN-1"]


def test_party_names_aliases_and_former_names_are_found(web: Web) -> None:
    h = web.as_("officer")
    for text in ("L3Harris Wescam", "wescam", "l3 wes"):  # its name, its alias, the start of its former name
        assert "wescam" in _groups(web.client.get(f"/api/v1/search?q={text}", headers=h).json())["parties"], text


def test_a_misread_serial_offers_near_candidates_never_one_guess(web: Web) -> None:
    body = web.client.get("/api/v1/search?q=REDACTED-SN-7", headers=web.as_("investigator")).json()
    assert _groups(body)["serials"] == []
    near = body["near"]
    assert near["tier"] == "one_edit" and near["tier_words"] == "one character different"
    assert "REDACTED-SN-1" in [c["serial"] for c in near["candidates"]]
    assert near["ambiguous"] == (len(near["candidates"]) > 1)


def test_exporters_find_only_their_own_and_the_public_may_not_search(web: Web) -> None:
    own = _groups(web.client.get("/api/v1/search?q=PERMIT-REDACTED", headers=web.as_("exporter")).json())
    assert "PERMIT-REDACTED-1" in own["permits"]
    rival = web.client.get("/api/v1/search?q=PERMIT-REDACTED", headers=web.as_("rival")).json()
    assert _groups(rival)["permits"] == [] and "parties" not in _groups(rival) and "cases" not in _groups(rival)
    serial = web.client.get("/api/v1/search?q=REDACTED-SN-1", headers=web.as_("rival")).json()
    assert _groups(serial)["serials"] == [] and serial["near"] is None
    misread = web.client.get("/api/v1/search?q=REDACTED-SN-7", headers=web.as_("rival")).json()
    assert misread["near"] is None  # near candidates would show another company's serials
    assert web.client.get("/api/v1/search?q=PERMIT").status_code == 401
    assert web.client.get("/search?q=PERMIT", follow_redirects=False).status_code == 303


def test_searches_are_rate_limited_per_principal(web: Web) -> None:
    web.client.app.state.search_limiter = RateLimiter(3)  # type: ignore[attr-defined]
    h = web.as_("officer")
    for _ in range(3):
        assert web.client.get("/api/v1/search?q=PERMIT", headers=h).status_code == 200
    r = web.client.get("/api/v1/search?q=PERMIT", headers=h)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert web.client.get("/api/v1/search?q=PERMIT", headers=web.as_("admin")).status_code == 200  # per principal


def test_the_limit_is_a_sliding_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.check("a")
    now[0] = 30.0
    limiter.check("a")
    try:
        limiter.check("a")
        raise AssertionError("a third search within a minute was allowed")
    except Exception as exc:
        assert getattr(exc, "retry_after", None) == 30
    now[0] = 60.5
    limiter.check("a")  # the first has left the window


def test_bad_text_is_refused_with_its_place(web: Web) -> None:
    h = web.as_("officer")
    for q in ("%00", "%01abc", "a" * 201, "%20%20"):
        r = web.client.get(f"/api/v1/search?q={q}", headers=h)
        assert r.status_code == 422 and r.json()["code"] == "invalid_input", q
    assert web.client.get("/api/v1/search?q=" + "a" * 10_000, headers=h).status_code == 414
    # Wildcards are text, not patterns.
    assert all(not v for v in _groups(web.client.get("/api/v1/search?q=%25", headers=h).json()).values())
    assert all(not v for v in _groups(web.client.get("/api/v1/search?q=_", headers=h).json()).values())


def test_the_box_is_on_every_page_and_the_results_page_links(web: Web) -> None:
    c = web.sign_in("officer")
    assert 'action="/search"' in c.get("/").text and 'action="/search"' in c.get("/permits").text
    page = c.get("/search?q=wescam")
    assert page.status_code == 200 and 'href="/parties/wescam"' in page.text
    near = c.get("/search?q=REDACTED-SN-7").text
    assert 'data-testid="search-near"' in near and "/trace?serial=REDACTED-SN-1" in near
    refused = c.get("/search?q=" + "b" * 250)
    assert refused.status_code == 200 and "too long" in refused.text
