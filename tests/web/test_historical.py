"""Historical records (the bundled case's approvals, permits and status changes) are marked as such on the
pages and in the API; what endwatch decides is not."""

from __future__ import annotations


def test_pages_and_api_mark_historical_records(web):
    page = web.client.get("/permits/PERMIT-REDACTED-1", headers=web.as_("officer")).text
    assert 'data-testid="historical"' in page and "historical: public record" in page
    app = web.client.get("/applications/APP-REDACTED-1", headers=web.as_("officer")).text
    assert 'data-testid="historical"' in app
    undecided = web.client.get("/applications/APP-REDACTED-3", headers=web.as_("officer")).text
    assert 'data-testid="historical"' not in undecided
    permit = web.client.get("/api/v1/permits/PERMIT-REDACTED-1", headers=web.as_("officer")).json()
    assert permit["historical_source"].startswith("public record")
    assert all(h["historical_source"] for h in permit["history"])
    def api_app(number: str) -> dict:
        return web.client.get(f"/api/v1/applications/{number}", headers=web.as_("officer")).json()

    assert api_app("APP-REDACTED-1")["historical_source"] and api_app("APP-REDACTED-3")["historical_source"] is None
