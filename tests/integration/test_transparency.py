"""Public figures protect small cells: completed quarters only, suppression below the thresholds, and no
total from which a suppressed figure could be worked out (services/reporting/transparency.py)."""

from dataclasses import replace
from datetime import date

from tests.integration.test_roundtrip import write_world
from tests.principals import person

from endwatch.services.registry.imports import import_folder
from endwatch.services.reporting.transparency import SmallCells, completed_through, transparency

TODAY = date(2021, 2, 10)  # the last completed quarter ends on 2020-12-31
PARTIES = [[f"e{i}", f"Exporter {i}", "company", "CA", "", "", ""] for i in range(1, 5)] + [
    ["c", "Consignee", "company", "TR", "", "", ""], ["n", "Navy", "armed_force", "TR", "", "", ""]]
PRODUCTS = [["g1", "e1", "Turret", "", "2-15", "", ""], ["g2", "e1", "Software", "", "2-15|ML15", "", ""]]


def _permit(number, exporter, destination, product, quantity, issued):
    return [number, "", exporter, "c", "n", destination, product, str(quantity), "", "", issued, "2022-12-31",
            "issued", "", "no", "", "", "", "", ""]


def world(extra_az: int = 0) -> dict:
    permits = [
        _permit("TR-1", "e1", "TR", "g1", 5, "2020-02-01"), _permit("TR-2", "e2", "TR", "g1", 7, "2020-03-01"),
        _permit("TR-3", "e3", "TR", "g1", 9, "2020-05-01"), _permit("TR-4", "e3", "TR", "g2", 1, "2020-06-01"),
        _permit("AM-1", "e1", "AM", "g1", 2, "2020-04-01"), _permit("AM-2", "e1", "AM", "g1", 2, "2020-04-02"),
        _permit("AM-3", "e1", "AM", "g1", 2, "2020-04-03"),
        _permit("AZ-1", "e4", "AZ", "g1", 1, "2020-07-01"),
        _permit("TR-LATE", "e4", "TR", "g1", 50, "2021-01-15"),  # in the current quarter: not yet published
    ] + [_permit(f"AZ-X{i}", "e4", "AZ", "g1", 3, "2020-08-01") for i in range(extra_az)]
    deliveries = [["TR-1", "2020-03-01", "S-1", "c"], ["TR-2", "2020-04-01", "S-2", "c"],
                  ["TR-3", "2020-06-01", "S-3", "c"], ["TR-3", "2020-06-01", "S-4", "c"],
                  ["AZ-1", "2020-08-01", "S-5", "c"], ["TR-1", "2021-01-20", "S-6", "c"]]
    return {"parties.csv": PARTIES, "products.csv": PRODUCTS, "permits.csv": permits,
            "deliveries.csv": deliveries, "status_changes.csv": []}


def load(ew, tmp_path, name="w", **kwargs):
    write_world(tmp_path / name, world(**kwargs))
    import_folder(ew.uow(), person("tester"), tmp_path / name)


def rows_by_key(figures):
    return {(r.destination, r.category, r.year): r for r in figures.rows}


def test_completed_quarters():
    assert completed_through(date(2021, 2, 10)) == date(2020, 12, 31)
    assert completed_through(date(2020, 4, 1)) == date(2020, 3, 31)
    assert completed_through(date(2020, 12, 31)) == date(2020, 9, 30)


def test_small_cells_are_suppressed_with_the_reason(ew, tmp_path):
    load(ew, tmp_path)
    figures = transparency(ew.reader(), TODAY)
    assert figures.published_through == date(2020, 12, 31)
    rows = rows_by_key(figures)
    tr = rows[("TR", "2-15", 2020)]  # four permits of three exporters: published
    assert (tr.permits, tr.permitted_quantity, tr.permits_suppressed) == (4, 22, None)
    assert (tr.delivered_items, tr.delivered_suppressed) == (4, None)  # S-6 is in the current quarter
    az = rows[("AZ", "2-15", 2020)]  # one permit
    assert az.permits is None and az.permitted_quantity is None and az.delivered_items is None
    assert az.permits_suppressed == "suppressed: fewer than 3 permits"
    am = rows[("AM", "2-15", 2020)]  # three permits, one exporter
    assert am.permits is None and am.permits_suppressed == "suppressed: fewer than 3 exporters"
    assert am.delivered_items == 0 and am.delivered_suppressed is None  # nothing delivered: nothing to hide
    ml15 = rows[("TR", "ML15", 2020)]  # the software permit alone
    assert ml15.permits is None and ml15.permits_suppressed
    assert not [k for k in rows if k[2] == 2021]  # the current quarter is not published
    assert not [r for r in figures.rows if r.permits == 1 or r.delivered_items == 1]
    # Totals count only the permits and items of published cells, each once.
    assert figures.permits_by_year == {2020: 4} and figures.permits_by_destination == {"TR": 4}
    assert figures.delivered_by_year == {2020: 4} and figures.delivered_by_destination == {"TR": 4}
    assert figures.suppressed_cells == 4  # AZ permits and deliveries, AM permits, ML15 permits


def test_no_suppressed_value_can_be_worked_out_from_what_is_published(ew, tmp_path):
    """Two registries that differ only inside suppressed cells publish exactly the same figures."""
    load(ew, tmp_path, "one")
    one = transparency(ew.reader(), TODAY)
    from tests.factories import empty_database

    empty_database(ew)
    load(ew, tmp_path, "two", extra_az=1)  # AZ now has two permits and more quantity: still suppressed
    two = transparency(ew.reader(), TODAY)
    assert one == two


def test_the_authority_sets_the_thresholds(ew, tmp_path):
    load(ew, tmp_path)
    everything = transparency(ew.reader(), TODAY, SmallCells(min_permits=1, min_exporters=1))
    assert everything.suppressed_cells == 0
    assert rows_by_key(everything)[("AZ", "2-15", 2020)].permits == 1
    assert everything.permits_by_year == {2020: 8}
    stricter = transparency(ew.reader(), TODAY, replace(SmallCells(), min_permits=5))
    assert rows_by_key(stricter)[("TR", "2-15", 2020)].permits_suppressed == "suppressed: fewer than 5 permits"
    assert stricter.permits_by_year == {}
