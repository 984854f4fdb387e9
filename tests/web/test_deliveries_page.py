"""The deliveries pages: the list (filters, links, downloads in the caller's scope) and one delivery's page
(its permit, its items, the sightings matched to them), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import re

from tests.web.conftest import Web
from tests.web.test_case_lists import DIVERSION

PERMIT = "PERMIT-REDACTED-1"  # exporter: wescam


def _delivery_links(text: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'<a href="(/deliveries/[^"]+)" data-testid="delivery-link"', text)]


def test_the_list_filters_links_and_downloads(web: Web) -> None:
    c = web.sign_in("officer")
    page = c.get(f"/deliveries?permit={PERMIT}")
    assert page.status_code == 200 and "REDACTED-SN-1" in page.text
    assert f'href="/permits/{PERMIT}"' in page.text and 'name="permit" value="PERMIT-REDACTED-1"' in page.text
    links = _delivery_links(page.text)
    assert links and all(u.startswith(f"/deliveries/{PERMIT}/") for u in links)
    rows = list(csv.DictReader(io.StringIO(c.get(f"/deliveries?permit={PERMIT}&format=csv").text)))
    assert rows and {r["permit_number"] for r in rows} == {PERMIT}
    assert "No deliveries." in c.get("/deliveries?permit=NOTHING").text


def test_a_delivery_links_its_permit_items_and_sightings(web: Web) -> None:
    assert web.client.post("/api/v1/sightings", headers=web.as_("investigator"), json=DIVERSION).status_code == 201
    c = web.sign_in("investigator")
    [url, *_] = _delivery_links(c.get(f"/deliveries?permit={PERMIT}&serial=REDACTED-SN-1").text)
    page = c.get(url)
    assert page.status_code == 200
    assert f'href="/permits/{PERMIT}"' in page.text and "REDACTED-SN-1" in page.text
    sightings = page.text.split('data-testid="delivery-sightings"')[1]
    assert "diversion" in sightings and "/cases/CASE-0001" in sightings and "/sightings/S-20201001-1" in sightings
    # the permit page links its deliveries
    assert url in html.unescape(c.get(f"/permits/{PERMIT}").text)


def test_exporters_see_their_own_deliveries_without_sightings(web: Web) -> None:
    officer = web.sign_in("officer")
    [url, *_] = _delivery_links(officer.get(f"/deliveries?permit={PERMIT}").text)
    c = web.sign_in("exporter")
    page = c.get(url)
    assert page.status_code == 200 and "REDACTED-SN-1" in page.text and "delivery-sightings" not in page.text
    rival = web.sign_in("rival")
    assert rival.get(url).status_code == 404
    assert "REDACTED-SN-1" not in rival.get("/deliveries").text


def test_bad_or_unknown_days(web: Web) -> None:
    c = web.sign_in("officer")
    assert c.get(f"/deliveries/{PERMIT}/2020-13-01").status_code == 422
    assert c.get(f"/deliveries/{PERMIT}/1999-01-01").status_code == 404
    assert c.get("/deliveries/NO-SUCH-PERMIT/2020-01-01").status_code == 404
    assert c.get("/deliveries?delivered_from=yesterday").status_code == 422
