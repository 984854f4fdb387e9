"""A party's page reads a bounded part of what names the party (issue 14): counts, the newest permits and the
commonest routes and sightings, in SQL. A party named on many permits, whose items were seen many times with
someone else, costs the page the same statements as one named on a few, and a page's worth of rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, issued_world, permit
from tests.web.conftest import Web, web_over
from tests.web.test_list_reads import Reads, counting

from endwatch.bootstrap import Endwatch
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.sightings import Sighting
from endwatch.services.detection.run import detect
from endwatch.services.detection.sightings import add_sighting
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.reporting.party_view import LATEST_PERMITS

PERMITS = 120
SIGHTINGS = 150


def _page(web: Web, party: str) -> tuple[str, Reads]:
    with counting(web.ew.engine) as reads:
        r = web.client.get(f"/parties/{party}", headers=web.as_("admin"))
    assert r.status_code == 200, r.text
    return r.text, reads


@pytest.fixture
def many(case: Endwatch) -> Iterator[Web]:
    """The reference case and the small world (end user `n`, consignee `c`, maker `m`, armed forces `f`)."""
    issued_world(case)
    with web_over(case) as web:
        yield web


def test_a_party_page_reads_as_much_for_many_records_as_for_few(many: Web) -> None:
    ew = many.ew
    _page(many, "n")  # warm: the token lookup and state version read like any page's
    _few_text, few = _page(many, "n")
    for i in range(PERMITS):
        issue_permit(ew.uow(), ACTOR, permit(f"P-N-{i:04d}", quantity=SIGHTINGS,
                                             issued_on=date(2020, 5, 8) + timedelta(days=i)))
    record_delivery(ew.uow(), ACTOR, "P-N-0000", date(2020, 6, 1), [f"SN-N-{i:04d}" for i in range(SIGHTINGS)])
    for i in range(SIGHTINGS):
        add_sighting(ew.uow(), ACTOR, Sighting(f"S-N-{i:04d}", date(2020, 7, 1), f"SN-N-{i:04d}", "B", "2",
                                               country="TR", observed_user="Armed Forces"))
    detect(ew, ACTOR)
    _page(many, "n")  # warm again: the writes made a new state version (the token is looked up again)
    text, reads = _page(many, "n")
    # The same statements as with one permit; rows: the newest permits (and their status history), a few routes
    # and groups, the names they mention: never the permits or the findings themselves.
    assert reads.statements == few.statements, (few.statements, reads.statements)
    assert reads.statements <= 14, reads.statements
    assert reads.rows <= LATEST_PERMITS * 2 + 40, reads.rows
    # counted in words, each count linking the permits list filtered by the party in that role
    assert re.search(r'href="/permits\?end_user=n&amp;include_future=true"[^>]*>121 permits</a>', text), text
    assert re.search(r'href="/permits\?consignee=n[^"]*"', text) is None  # none as consignee: no link
    listed = re.findall(r'<li><a href="/permits/(P-[^"]+)">', text)
    assert len(listed) == LATEST_PERMITS and listed[0] == f"P-N-{PERMITS - 1:04d}"  # the newest first
    # the items seen with the armed forces: an edge of the network and a count, grouped in SQL
    assert 'data-edge="seen with"' in text
    assert re.search(r"seen with <a [^>]*>Armed Forces</a>: 150 findings", text), text
    listed_total = many.client.get("/api/v1/permits?end_user=n&include_future=true",
                                   headers=many.as_("admin")).json()["total"]
    assert listed_total == PERMITS + 1
    # the armed forces' own page counts the findings of items seen with them, linking the list filtered by them
    forces, _ = _page(many, "f")
    assert re.search(r'href="/findings\?observed_user=f"[^>]*>150 findings</a>', forces), forces


def test_an_unknown_party_is_not_found(many: Web) -> None:
    r = many.client.get("/parties/nobody", headers=many.as_("admin"))
    assert r.status_code == 404



def test_pages_name_parties_from_one_read_of_ids_and_names(many: Web) -> None:
    # Every party's name is kept per state version for the pages that name parties: after a write, the first such
    # page reads it again, in one statement of two columns, never the parties' aliases and former names.
    save_party(many.ew.uow(), ACTOR, Party("bump", "Bump", PartyKind.COMPANY, "CA"))  # a new state version
    assert many.client.get("/api/v1/me", headers=many.as_("admin")).status_code == 200  # the token looked up again
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(many.ew.engine, "before_cursor_execute", record)
    try:
        page = many.client.get("/permits?include_future=true", headers=many.as_("admin"))
    finally:
        sa.event.remove(many.ew.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and ">Turkish Naval Forces<" in page.text
    reads = [s for s in seen if "FROM parties" in s]
    assert len(reads) == 1 and reads[0].startswith("SELECT parties.id, parties.name FROM parties"), seen
    assert not [s for s in seen if "party_names" in s], seen
