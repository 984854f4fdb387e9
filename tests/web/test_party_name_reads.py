"""Pages name the parties they show by reading those parties only (issue 14): after any write, the first page read
costs the same rows with 500 parties more in the registry, and names are written escaped."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import sqlalchemy as sa
from tests.principals import person
from tests.web.conftest import Web
from tests.web.test_list_reads import counting

from endwatch.domain.risk.recommend import assess_subject
from endwatch.services.assessment import assess
from endwatch.services.registry.imports import import_folder
from endwatch.web.words import Names

# (The dashboard has its own test below: its recommendations assess the pending applications.)
PAGES = ("/permits", "/applications", "/deliveries", "/cases", "/inquiries")


def _import_parties(web: Web, folder: Path, count: int) -> None:
    folder.mkdir()
    with (folder / "parties.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "kind", "country", "parent_id", "aliases", "former_names"])
        for i in range(count):
            out.writerow([f"{folder.name}-{i:04d}", f"Trading House {folder.name} {i:04d}", "company", "TR", "", "",
                          ""])
    import_folder(web.ew.uow(), person("fixture"), folder)


def _first_reads(web: Web) -> dict[str, int]:
    # The first request of each page after a write: nothing kept from an earlier state version helps it.
    rows = {}
    h = web.as_("officer")
    for path in PAGES:
        with counting(web.ew.engine) as reads:
            r = web.client.get(path, headers=h)
        assert r.status_code == 200, (path, r.text)
        assert "\x1e" not in r.text, path  # every name filled in
        rows[path] = reads.rows
    return rows


def test_pages_read_the_names_they_show_not_every_party(web: Web, tmp_path: Path) -> None:
    _import_parties(web, tmp_path / "few", 5)
    few = _first_reads(web)
    _import_parties(web, tmp_path / "many", 500)
    many = _first_reads(web)
    for path in PAGES:
        assert many[path] <= few[path] + 10, (path, few[path], many[path])
    # Read again at the same state version, a page reads no name: they are kept by the ids it shows.
    h = web.as_("officer")
    web.client.get("/permits", headers=h)
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    sa.event.listen(web.ew.engine, "before_cursor_execute", note)
    try:
        page = web.client.get("/permits", headers=h).text
    finally:
        sa.event.remove(web.ew.engine, "before_cursor_execute", note)
    assert sent and not any("FROM parties" in s for s in sent), sent
    assert "Baykar" in page  # the exporter of the reference case's permits, by name


def test_names_are_read_once_for_the_ids_shown_and_written_escaped() -> None:
    asked: list[list[str]] = []

    def load(ids: tuple[str, ...]) -> dict[str, str]:
        asked.append(sorted(ids))
        return {"a": '<A & "B">'}

    names = Names(load)
    html = f'<td title="{names("a")}">{names("a")}</td><td>{names("gone")}</td>{names(None)}'
    assert asked == [] and names.pending
    assert names.fill(html) == '<td title="&lt;A &amp; &#34;B&#34;&gt;">&lt;A &amp; &#34;B&#34;&gt;</td><td>gone</td>'
    assert asked == [["a", "gone"]]
    # A page that read its own names uses them and reads nothing.
    known = Names(load, {"a": "A"})
    assert known("a") == "A" and known("b") == "b" and not known.pending and asked == [["a", "gone"]]


def _dashboard(web: Web) -> tuple[int, dict[str, str]]:
    # The first visit after a write: the recommendations are computed again (kept per state version).
    with counting(web.ew.engine) as reads:
        r = web.client.get("/", headers=web.as_("officer"))
    assert r.status_code == 200, r.text
    shown = dict(re.findall(r'data-testid="recommendation-([^"]+)">([^<]+)<', r.text))
    assert shown  # the reference data has pending applications, each with its recommendation
    return reads.rows, shown


def test_dashboard_recommendations_read_the_parties_they_need_not_every_party(web: Web, tmp_path: Path) -> None:
    _import_parties(web, tmp_path / "few", 5)
    few, shown_few = _dashboard(web)
    _import_parties(web, tmp_path / "many", 500)
    many, shown_many = _dashboard(web)
    assert many <= few + 10, (few, many)
    assert shown_many == shown_few
    # The same assessments as on the whole world, indicator by indicator.
    today = web.ew.today()
    with web.ew.reader() as uow:
        whole = assess.load_world(uow)
        pending = [a.number for a in whole.applications if a.number in shown_many]
        part = assess.load_world_for(uow, pending)
    assert len(part.parties) < len(whole.parties) - 500
    for number in pending:
        expected = assess_subject(assess.application_subject(whole, number, today), whole, today)
        got = assess_subject(assess.application_subject(part, number, today), part, today)
        assert (got.recommendation, got.indicators, got.conditions) == (expected.recommendation, expected.indicators,
                                                                        expected.conditions), number
