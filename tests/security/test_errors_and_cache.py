"""Error answers and caching (issue 12, items 8 and 13): every error in the error shape with the security
headers, 500 included; every code the API returns is in docs/api.md's table; no-store on signed-in answers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.conftest import Web

from endwatch.errors import EndwatchError
from endwatch.web.app import SECURITY_HEADERS, create_app
from endwatch.web.errors import ERROR_TABLE, CsrfRejected, InternalError, TooLarge

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented() -> dict[str, set[int]]:
    """The error table of docs/api.md: code -> the statuses it is documented with."""
    table: dict[str, set[int]] = {}
    for status, code in re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", API_DOC.read_text(), re.MULTILINE):
        table.setdefault(code, set()).add(int(status))
    return table


def _codes() -> set[str]:
    seen: set[str] = set()
    stack: list[type[EndwatchError]] = [kind for kind, _ in ERROR_TABLE]
    while stack:
        kind = stack.pop()
        seen.add(kind.code)
        stack.extend(kind.__subclasses__())
    return seen | {"method_not_allowed", "bad_request"}


def test_every_code_the_web_can_answer_is_documented_with_its_status() -> None:
    table = documented()
    web_codes = _codes() - {"configuration", "session_file_refused"}  # the command line's own
    assert web_codes <= set(table), f"undocumented codes: {sorted(web_codes - set(table))}"
    for kind, status in ERROR_TABLE:
        assert status in table[kind.code], (kind, status)
    assert {413, 414} <= table[TooLarge.code] and 500 in table[InternalError.code] and 403 in table[
        CsrfRejected.code]


def test_a_500_has_the_error_shape_and_the_security_headers(web: Web) -> None:
    app = create_app(web.ew.settings, endwatch=web.ew)

    def boom() -> None:
        raise RuntimeError("secret detail that must not leave the server")

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        r = client.get("/api/v1/boom")
        assert r.status_code == 500
        assert r.json() == {"code": "internal_error", "message": "an internal error occurred; it has been logged"}
        page = client.get("/boom")
        assert page.status_code == 500 and "<html" in page.text and "secret detail" not in page.text
        for answer in (r, page):
            for name, value in SECURITY_HEADERS.items():
                assert answer.headers[name] == value
    assert "internal_error" in documented()


def test_unparseable_and_wrong_method_answers_use_documented_codes(web: Web) -> None:
    table = documented()
    for r in (web.client.post("/api/v1/sightings", content=b"{not json", headers={
                  **web.as_("investigator"), "content-type": "application/json"}),
              web.client.delete("/api/v1/parties", headers=web.as_("admin")),
              web.client.get("/api/v1/nowhere", headers=web.as_("admin"))):
        body = r.json()
        assert body["code"] in table and r.status_code in table[body["code"]], (r.status_code, body)
        assert r.headers["x-frame-options"] == "DENY"


def test_signed_in_pages_and_evidence_are_never_stored(web: Web) -> None:
    c = web.sign_in("investigator")
    for url in ("/", "/cases", "/sightings"):
        r = c.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", url
    assert web.client.get("/api/v1/me", headers=web.as_("admin")).headers["cache-control"] == "no-store"
    c.cookies.clear()
    public = web.client.get("/transparency")
    assert "no-store" not in public.headers.get("cache-control", "")
