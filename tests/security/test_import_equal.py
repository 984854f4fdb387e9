"""Hostile cells in the exchange format: the dry run finds every problem the real import meets, and SQLite
and PostgreSQL accept exactly the same files (issue 12, items 2, 3 and 14)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REFERENCE_CASE
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.errors import InvalidInput
from endwatch.services.registry.imports import import_folder

HOSTILE = ["A\x00B", "99999999999999999999999", "3000000000", "-1", "１０", "1_0", "true", "20200101",
           "2030-W01-1", "../../etc", "<x>", "!!!", "X" * 101, "S" * 1000, "Baykar\u202eDefence", "a\u2066b",
           "\x85", "=1+1", " wescam ", "Cafe\u0301", "", "?", "a\tb", "a\nb", "2020-09-16", "7", "REDACTED-SN-2"]
cells = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12),
                  st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Nd", "Lu")),
                          max_size=6))


def outcome(ew: Endwatch, folder: Path, *, dry_run: bool) -> tuple[str, ...]:
    """What an import says: its problems, or what it would change (the same shape either way)."""
    try:
        report = import_folder(ew.uow(), person("tester"), folder, dry_run=dry_run)
    except InvalidInput as exc:
        return ("refused", *(str(p) for p in exc.problems))
    return ("accepted", *(f"{f.file}: {f.new} new, {f.changed} changed" for f in report.files))


def audit_rows(ew: Endwatch) -> int:
    with ew.engine.connect() as conn:
        return int(conn.scalar(sa.text("select count(*) from audit_log")) or 0)


def folder_with(tmp: Path, party: list[str], application: list[str], delivery: list[str]) -> Path:
    folder = tmp / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(REFERENCE_CASE, folder)
    for name, row in (("parties.csv", party), ("applications.csv", application), ("deliveries.csv", delivery)):
        header = (folder / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        with (folder / name).open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(row + [""] * (len(header) - len(row)))  # later columns left blank
    return folder


def check_equal(both, folder: Path) -> tuple[str, ...]:
    """dry run ≡ real run on each database, and SQLite ≡ PostgreSQL."""
    answers = []
    for ew in both.each():
        before = audit_rows(ew)
        dry = outcome(ew, folder, dry_run=True)
        assert audit_rows(ew) == before, "a dry run writes nothing"
        real = outcome(ew, folder, dry_run=False)
        assert dry[0] == real[0] and dry[1:] == real[1:], (dry, real)
        if real[0] == "refused":
            assert audit_rows(ew) == before, "a refused import writes nothing"
        answers.append(real)
    assert answers[0] == answers[1], f"SQLite and PostgreSQL disagree: {answers}"
    return answers[0]


@pytest.mark.postgres
@pytest.mark.parametrize("party_id,name,quantity,received_on,serial", [
    ("evil", "Evil\x00 Corp", "1", "2020-04-20", "SN-NUL-1"),
    ("evil", "Evil Corp", "99999999999999999999999", "2020-04-20", "SN-BIG-1"),
    ("evil", "Evil Corp", "3000000000", "2020-04-20", "SN-3G-1"),
    ("evil", "Evil Corp", "1", "2020-04-20", "S" * 1000),
    ("evil", "Evil Corp", "１０", "20200101", "!!!"),
    ("../../etc", "Baykar\u202eDefence", "1_0", "2030-W01-1", "A\x00B"),
    ("<x>", "Evil Corp", "true", "2020-04-20", "X" * 101),
])
def test_issue_examples_are_refused_alike_by_dry_run_real_run_and_both_databases(
        both, tmp_path, party_id, name, quantity, received_on, serial) -> None:
    folder = folder_with(tmp_path, [party_id, name, "company", "TR", "", "", ""],
                         ["APP-HOSTILE-1", "wescam", "baykar", "tr-navy", "TR", "mx-15d", quantity, "", "",
                          received_on, "", "no", "", "", "received"],
                         ["PERMIT-REDACTED-1", "2020-09-16", serial, "baykar"])
    said = check_equal(both, folder)
    assert said[0] == "refused"


@pytest.mark.postgres
def test_a_clean_folder_is_accepted_alike(both, tmp_path) -> None:
    folder = folder_with(tmp_path, ["evil", "Evil Corp", "company", "TR", "", "", ""],
                         ["APP-HOSTILE-1", "wescam", "baykar", "tr-navy", "TR", "mx-15d", "10", "", "",
                          "2020-04-20", "", "no", "", "", "received"],
                         ["PERMIT-REDACTED-1", "2020-09-16", "REDACTED-SN-2", "baykar"])
    said = check_equal(both, folder)
    assert said[0] == "accepted", said


@pytest.mark.postgres
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(party_id=cells, name=cells, quantity=cells, received_on=cells, serial=cells, alias=cells)
def test_hostile_cells_dry_run_equals_real_run_equals_the_other_database(
        both, tmp_path, party_id, name, quantity, received_on, serial, alias) -> None:
    # Both databases see the same sequence of imports, so they hold the same records at every example.
    folder = folder_with(tmp_path, [party_id, name, "company", "TR", "", alias, ""],
                         [f"APP-{party_id}", "wescam", "baykar", "tr-navy", "TR", "mx-15d", quantity, "", "",
                          received_on, "", "no", "", "", "received"],
                         ["PERMIT-REDACTED-1", received_on, serial, "baykar"])
    check_equal(both, folder)
