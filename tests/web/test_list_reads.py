"""No list page or list endpoint loads a table: on a registry of a few thousand delivered items each answers
in a handful of statements reading a page's worth of rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, issued_world, permit
from tests.web.conftest import Web, web_over

from endwatch.bootstrap import Endwatch
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.sightings import Sighting
from endwatch.services.audit.verify import TAIL
from endwatch.services.detection.run import detect
from endwatch.services.detection.sightings import add_sighting
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit

ITEMS = 3000
SIGHTINGS = 300


@dataclass
class Reads:
    statements: int = 0
    rows: int = 0


@contextmanager
def counting(engine: sa.Engine) -> Iterator[Reads]:
    """Statements sent and rows read through `engine` meanwhile (rows: psycopg's rowcount of each result;
    on SQLite, which reports none for a SELECT, every row fetched is counted by a row factory)."""
    reads = Reads()
    engine.dispose()  # new connections, so that the SQLite row factory is installed on each

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if engine.dialect.name == "sqlite":
            def count_row(_cursor: Any, row: tuple[Any, ...]) -> tuple[Any, ...]:
                reads.rows += 1
                return row
            dbapi_conn.row_factory = count_row

    def before(*_args: Any) -> None:
        reads.statements += 1

    def after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if engine.dialect.name == "postgresql" and cursor.rowcount > 0 and statement.lstrip().upper().startswith(
                ("SELECT", "WITH")):
            reads.rows += cursor.rowcount

    sa.event.listen(engine, "connect", on_connect)
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield reads
    finally:
        sa.event.remove(engine, "connect", on_connect)
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        engine.dispose()


@pytest.fixture
def big(case: Endwatch) -> Iterator[Web]:
    ew = case
    issued_world(ew)
    issue_permit(ew.uow(), ACTOR, permit("P-BIG", quantity=ITEMS))
    for day in range(3):
        serials = [f"SN-{day}-{i:05d}" for i in range(ITEMS // 3)]
        record_delivery(ew.uow(), ACTOR, "P-BIG", date(2020, 6, 1) + timedelta(days=day), serials)
    # Sightings of delivered items and of unknown ones, decided: the detection lists have more than a page.
    for i in range(SIGHTINGS):
        serial = f"SN-{i % 3}-{i:05d}" if i % 2 else f"UNKNOWN-{i:05d}"
        add_sighting(ew.uow(), ACTOR, Sighting(f"S-BIG-{i:04d}", date(2020, 7, 1) + timedelta(days=i % 60), serial,
                                               "B", "2", country="TR"))
    detect(ew, ACTOR)
    with web_over(ew) as web:
        yield web


LISTS = ["/api/v1/deliveries", "/api/v1/deliveries?permit=P-BIG&limit=20",
         "/api/v1/deliveries?delivered_from=2020-06-02",
         "/api/v1/deliveries?sort=-serial", "/api/v1/permits", "/api/v1/permits?state=in_force&as_of=2020-07-01",
         "/api/v1/applications", "/api/v1/parties", "/api/v1/products", "/api/v1/audit", "/api/v1/audit?entity=permit",
         "/audit", "/transparency",
         "/permits", "/permits?state=in_force&as_of=2020-07-01&sort=-number", "/applications",
         "/parties?kind=company&sort=name", "/api/v1/search?q=SN-1-00001", "/api/v1/search?q=P-B",
         "/search?q=SN-1-0000",
         "/api/v1/sightings", "/api/v1/sightings?verdict=unmatched&sort=id", "/api/v1/sightings?country=TR",
         "/api/v1/findings", "/api/v1/findings?verdict=unmatched&observed_from=2020-07-15", "/api/v1/cases",
         "/api/v1/inquiries", "/api/v1/outbox", "/sightings", "/sightings?sort=-id&observed_to=2020-08-01",
         "/findings", "/findings?verdict=unmatched", "/cases?status=open", "/inquiries", "/outbox",
         "/deliveries", "/deliveries?permit=P-BIG&sort=-serial", "/api/v1/deliveries?destination=TR",
         "/deliveries?destination=TR&sort=delivered_on", "/api/v1/deliveries?exporter=m&product=s",
         "/deliveries/P-BIG/2020-06-01",
         "/permits/P-BIG", "/", "/audit?entity=permit&sort=-seq"]


def test_no_list_loads_a_table(big: Web) -> None:
    headers = big.as_("admin")
    # The public figures and the dashboard's recommendations read everything once per state version, the audit
    # page's bounded check the newest entries (at most TAIL: a test of its own below).
    for url in ("/", "/transparency", "/audit"):
        assert big.client.get(url, headers=headers).status_code == 200
    for url in LISTS:
        with counting(big.ew.engine) as reads:
            r = big.client.get(url, headers=headers)
        assert r.status_code == 200, (url, r.text)
        # the token lookup, the state version, the page, its count and the page's own records
        # A search asks each kind it looks in (six, a trace of the serial among them) once.
        # A delivery's page reads two lists (its items, their sightings), a page of each.
        # A permit's page reads its first hundred items, its audit entries and open proposals.
        # The dashboard reads a page of each card's list (applications, permits, findings, cases, inquiries...).
        composite = "search" in url or url.startswith(("/deliveries/", "/permits/")) or url == "/"
        assert reads.statements <= (40 if url == "/" else 25 if composite else 12), (url, reads.statements)
        assert reads.rows <= (400 if composite else 250), (url, reads.rows)
    # the detection lists hold far more than a page, so their bounds above mean something
    for kind in ("sightings", "findings"):
        assert big.client.get(f"/api/v1/{kind}", headers=headers).json()["total"] >= SIGHTINGS


def test_keyset_pages_walk_every_item_once(big: Web) -> None:
    headers = big.as_("admin")
    seen: list[str] = []
    url = "/api/v1/deliveries?permit=P-BIG&limit=500&sort=serial"
    while True:
        page = big.client.get(url, headers=headers).json()
        assert page["total"] == ITEMS and page["total_exact"]
        seen += [i["serial"] for i in page["items"]]
        if page["next"] is None:
            break
        url = f"/api/v1/deliveries?permit=P-BIG&limit=500&sort=serial&after={page['next']}"
    assert seen == sorted(seen) and len(set(seen)) == ITEMS


def _walk(web: Web, url: str, headers: dict[str, str]) -> tuple[list[tuple[str, str, str]], list[int]]:
    """Every (day, permit, serial) of a list's pages followed by their `next` cursors, and the totals each gave."""
    seen: list[tuple[str, str, str]] = []
    totals: list[int] = []
    after = ""
    while True:
        r = web.client.get(url + after, headers=headers)
        assert r.status_code == 200, (url + after, r.text)
        page = r.json()
        assert page["total_exact"], url
        totals.append(page["total"])
        seen += [(i["delivered_on"], i["permit_number"], i["serial"]) for i in page["items"]]
        if page["next"] is None:
            return seen, totals
        after = f"&after={page['next']}"


def _items(web: Web, where: str, descending: bool = False) -> list[tuple[str, str, str]]:
    """The items of permits matching `where`, in the list's order (day, then the item's id), read by SQL."""
    order = "DESC" if descending else "ASC"
    with web.ew.engine.connect() as conn:
        return [(str(day), number, serial) for day, number, serial in conn.execute(sa.text(
            "SELECT d.delivered_on, d.permit_number, d.serial FROM deliveries d JOIN permits p"
            f" ON p.number = d.permit_number WHERE {where} ORDER BY d.delivered_on {order}, d.id {order}"))]


@pytest.mark.parametrize("sort", ["delivered_on", "-delivered_on"])
def test_pages_by_destination_walk_every_item_once_in_day_order(big: Web, sort: str) -> None:
    # Pages of 400 over days of 1,000 items of P-BIG plus the reference case's items to Turkey: pages end inside a
    # day and start in the middle of one; each item comes once, in the list's order, and the total is exact.
    headers = big.as_("admin")
    expected = _items(big, "p.destination = 'TR'", sort.startswith("-"))
    seen, totals = _walk(big, f"/api/v1/deliveries?destination=TR&limit=400&sort={sort}", headers)
    assert seen == expected and len(expected) > ITEMS
    assert set(totals) == {len(expected)}
    # A destination with none says so, exactly.
    assert _walk(big, "/api/v1/deliveries?destination=AZ", headers) == ([], [0])


def test_an_exporters_deliveries_by_day_are_its_own(big: Web) -> None:
    # An exporter's scope is a set of permits too: it pages through its own items only, every one of them.
    issue_permit(big.ew.uow(), ACTOR, permit("P-W", quantity=10, exporter_id="wescam"))
    for day in (1, 2):
        record_delivery(big.ew.uow(), ACTOR, "P-W", date(2020, 8, day), [f"W-{day}-{i}" for i in range(4)])
    expected = _items(big, "p.exporter_id = 'wescam' AND d.delivered_on >= '2020-01-01'")
    seen, totals = _walk(big, "/api/v1/deliveries?limit=3&delivered_from=2020-01-01&sort=delivered_on",
                         big.as_("exporter"))
    assert seen == expected and len(expected) > 3 and set(totals) == {len(expected)}


def test_a_forged_cursor_is_named_not_a_failure(big: Web) -> None:
    import base64
    import json

    forged = base64.urlsafe_b64encode(json.dumps(["2020-13-45", 1]).encode()).decode().rstrip("=")
    for url in (f"/api/v1/deliveries?destination=TR&after={forged}", f"/api/v1/deliveries?after={forged}"):
        r = big.client.get(url, headers=big.as_("admin"))
        assert r.status_code == 422, (url, r.text)
        assert r.json()["problems"][0]["column"] == "query.after"


def test_bad_filters_are_named(big: Web) -> None:
    headers = big.as_("admin")
    r = big.client.get("/api/v1/deliveries?delivered_from=2020-13-01&sort=colour&after=%%%", headers=headers)
    assert r.status_code == 422
    columns = {p["column"] for p in r.json()["problems"]}
    assert columns == {"query.delivered_from", "query.sort", "query.after"}
    r = big.client.get("/api/v1/permits?state=lost", headers=headers)
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "query.state"


def test_the_audit_page_checks_the_newest_entries_and_everything_only_when_asked(big: Web) -> None:
    headers = big.as_("admin")
    page = big.client.get("/audit", headers=headers).text
    assert "Hash chain verified: the newest" in page and 'data-testid="verify-all"' in page
    # The bounded check reads the tail only: at most TAIL entries, however long the trail.
    save_party(big.ew.uow(), ACTOR, Party("bump", "Bump", PartyKind.COMPANY, "CA"))  # a write: a new state version
    with counting(big.ew.engine) as reads:
        assert big.client.get("/audit", headers=headers).status_code == 200
    assert reads.rows <= TAIL + 100, reads.rows
    full = big.client.get("/audit?verify=all", headers=headers).text
    assert "Hash chain verified: all" in full and "Records verified" in full
    # until the next write, the page shows the whole check's answer
    assert "Hash chain verified: all" in big.client.get("/audit", headers=headers).text
    assert big.client.get("/audit?verify=some", headers=headers).status_code == 422


def test_the_dashboard_cards_count_in_sql(big: Web) -> None:
    # More findings than a card shows: the card lists twenty and says how many there are.
    page = big.client.get("/", headers=big.as_("admin")).text
    assert "New findings" in page and '/findings?flagged=true&amp;sort=-decided_at' in page
    flagged = big.client.get("/api/v1/findings?flagged=true&limit=500", headers=big.as_("admin")).json()
    assert flagged["total"] > 20 and all(i["verdict"] != "consistent" for i in flagged["items"])
