"""GET /api/v1/audit/verify and the audit page check the registry rows against the trail too (as
`endwatch audit verify` does), not only the hash chain: a row changed, added or deleted by SQL outside
endwatch is named, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from tests.web.conftest import Web


def test_rows_changed_outside_endwatch_are_named_by_the_api_and_the_page(web: Web) -> None:
    auditor = web.as_("auditor")
    clean = web.client.get("/api/v1/audit/verify", headers=auditor).json()
    assert clean["ok"] and clean["chain_ok"] and clean["rows"]["ok"], clean
    assert clean["rows"]["rows"] > 50 and clean["rows"]["problems"] == []
    with web.ew.engine.begin() as conn:  # tampering, as someone with the database's password would
        conn.execute(sa.text("update permits set quantity = quantity + 1 where number = 'PERMIT-REDACTED-1'"))
        conn.execute(sa.text("delete from permit_status_changes where id = (select min(id) from"
                             " permit_status_changes where permit_number = 'PERMIT-REDACTED-2')"))
    found = web.client.get("/api/v1/audit/verify", headers=auditor).json()
    assert not found["ok"] and found["chain_ok"] and not found["rows"]["ok"], found
    named = {(p["table"], p["what"]) for p in found["rows"]["problems"]}
    assert ("permits", "changed") in named and ("permit_status_changes", "deleted") in named, named
    assert found["rows"]["problems_total"] == len(found["rows"]["problems"]) == 2
    assert all(p["description"] for p in found["rows"]["problems"])
    web.sign_in("auditor")
    page = web.client.get("/audit").text
    assert 'data-testid="rows"' in page and "ALTERED outside endwatch" in page and "permits" in page
