"""A check's result and its reconciliation per permit, with every outcome (verified, a misread serial verified
at its tier, found with another user, found at another place, missing, unexpected of another permit,
unexpected and unknown); the findings and cases detection makes of them; found items typed, from CSV and XLSX
files and from sightings; photos; who sees what; bad input refused whole, nothing written."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from tests.factories import ACTOR, permit, small_world
from tests.principals import person

from endwatch.cli import app
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.products import Product
from endwatch.domain.sightings import Sighting
from endwatch.errors import Forbidden, InvalidInput, NotFound
from endwatch.services.audit.verify import verify, verify_rows
from endwatch.services.authz import Role
from endwatch.services.detection.sightings import add_sighting
from endwatch.services.monitoring import checks, found, reconcile
from endwatch.services.monitoring.store import Check, FoundItem
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.products import save_product

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _world(ew) -> None:
    small_world(ew)
    save_party(ew.uow(), ACTOR, Party("u", "Land Forces", PartyKind.ARMED_FORCE, "UA"))
    save_party(ew.uow(), ACTOR, Party("x", "Other Exporter", PartyKind.COMPANY, "CA"))
    save_product(ew.uow(), ACTOR, Product("d", "m", "D-1", categories=("ML1",), designated=True))
    issue_permit(ew.uow(), ACTOR, permit("P-INV", 10, product_id="d", issued_on=date(2024, 1, 10),
                                         expires_on=date(2027, 12, 31), exception=None, justification=None))
    issue_permit(ew.uow(), ACTOR, permit("P-OTHER", 5, issued_on=date(2024, 1, 10), expires_on=date(2027, 12, 31)))
    record_delivery(ew.uow(), ACTOR, "P-INV", date(2024, 3, 1), ["D1", "D2", "D3", "D4", "D5"])
    record_delivery(ew.uow(), ACTOR, "P-INV", date(2024, 11, 1), ["D9"])  # after the check: not expected
    record_delivery(ew.uow(), ACTOR, "P-OTHER", date(2024, 2, 1), ["S1"])


def _check(ew, **changes) -> Check:
    base = dict(id=None, kind="inventory", subjects=(("permit", "P-INV"),), planned_on=date(2024, 10, 15),
                inspector="inspector one", place="Base A")
    base.update(changes)
    return checks.open_check(ew.uow(), ACTOR, Check(**base))  # type: ignore[arg-type]


FOUND = [
    FoundItem("DI", user_id="n"),  # D1 read with I for 1: detection's equivalent tier
    FoundItem("D2", place="base a"),  # the check's place, written otherwise
    FoundItem("D3", user_id="u", place="Base A"),
    FoundItem("D4", user_id="n", place="Depot B"),
    FoundItem("S1", user_name="Navy"),
    FoundItem("ZZ999"),
]


def test_reconciliation_with_every_outcome_and_the_findings_it_files(ew):
    _world(ew)
    check = _check(ew)
    assert check.id is not None and (check.reliability, check.credibility) == ("A", "1")
    checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "unfavourable", "two items not with the"
                         " declared end user", FOUND)
    rec = reconcile.reconcile(ew.reader(), ACTOR, check.id)
    got = {(line.status, line.serial, line.tier) for line in rec.lines}
    assert got == {("verified", "D1", "equivalent"), ("verified", "D2", "exact"), ("other-user", "D3", "exact"),
                   ("other-place", "D4", "exact"), ("missing", "D5", None), ("unexpected", "S1", "exact"),
                   ("unexpected", "ZZ999", None)}
    assert rec.counts() == {"verified": 2, "other-user": 1, "other-place": 1, "missing": 1, "unexpected": 2}
    s1 = next(line for line in rec.lines if line.serial == "S1")
    assert s1.permit_number == "P-OTHER" and "permit P-OTHER" in s1.note

    filed = reconcile.file_findings(ew.uow(), ACTOR, check.id)
    assert filed.sightings == [f"CHECK-{check.id}-{n}" for n in range(1, 6)]
    assert filed.run is not None
    verdicts = {r.finding.serial or r.finding.sighting_id: (r.finding.verdict, r.finding.confidence)
                for r in filed.run.results if r.finding.sighting_id in filed.sightings}
    assert verdicts["D3"] == ("diversion", "confirmed")  # with the Land Forces, graded A1: confirmed
    assert verdicts["D4"][0] == "consistent"  # with the declared end user, elsewhere
    # Not presented by the declared end user: a diversion, but the inspector saw only its absence, so probable.
    assert verdicts["D5"] == ("diversion", "probable")
    assert verdicts["S1"][0] == "consistent"  # the Navy is S1's declared end user too
    assert verdicts[f"CHECK-{check.id}-5"][0] == "unmatched"
    assert filed.run.cases_opened, "a confirmed diversion opens a case through detection's rules"
    # Filing again records nothing twice.
    again = reconcile.file_findings(ew.uow(), ACTOR, check.id)
    assert again.sightings == [] and again.run is None
    # Every row written (checks, what they cover and found, sightings, findings, cases) is vouched for by the trail.
    assert verify(ew.reader).ok and verify_rows(ew.reader).ok


def test_a_serial_one_character_off_is_not_the_expected_item(ew):
    # An inspector reads the plate itself: KT-48218 for KT-48213 may be another item as well as a misreading,
    # so the delivered item stays missing and the serial found is unexpected, naming the item it is near.
    _world(ew)
    record_delivery(ew.uow(), ACTOR, "P-INV", date(2024, 3, 2), ["KT-48213"])
    check = _check(ew)
    assert check.id is not None
    checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "favourable", "",
                         [FoundItem("KT-48218"), FoundItem("D2")])
    rec = reconcile.reconcile(ew.reader(), ACTOR, check.id)
    by_serial = {line.serial: line for line in rec.lines}
    assert by_serial["KT-48213"].status == "missing"
    near = by_serial["KT-48218"]
    assert (near.status, near.tier) == ("unexpected", "one_edit")
    assert "near item KT-48213 of permit P-INV" in near.note
    assert by_serial["D2"].status == "verified"


def test_a_result_and_its_photos_are_stored_together_or_not_at_all(ew, tmp_path):
    _world(ew)
    check = _check(ew)
    assert check.id is not None
    good = tmp_path / "site.png"
    good.write_bytes(PNG)
    gone = tmp_path / "gone.png"  # vanishes before it is stored: the write fails after the result and one photo
    with pytest.raises(FileNotFoundError):
        checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "favourable", "", [FoundItem("D2")],
                             photos=[good, gone], store=tmp_path / "evidence")
    with ew.reader() as uow:
        assert uow.checks.get_check(check.id).done_on is None  # type: ignore[union-attr]
        assert uow.checks.photos(check.id) == [] and uow.checks.found_items(check.id) == []
    checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "favourable", "", [FoundItem("D2")],
                         photos=[good], store=tmp_path / "evidence")
    with ew.reader() as uow:
        assert uow.checks.get_check(check.id).done_on == date(2024, 10, 20)  # type: ignore[union-attr]
        assert [name for _, name in uow.checks.photos(check.id)] == ["site.png"]
    assert verify_rows(ew.reader).ok


def test_found_items_from_csv_xlsx_and_sightings(ew, tmp_path):
    _world(ew)
    (tmp_path / "found.csv").write_text("serial,user_id,place,condition\nD1,n,Base A,serviceable\nD2,,,damaged\n")
    assert [(i.serial, i.user_id, i.condition, i.source) for i in found.from_file(tmp_path / "found.csv")] == [
        ("D1", "n", "serviceable", "file"), ("D2", None, "damaged", "file")]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["serial", "model", "user"])
    sheet.append(["D3", "D-1", "Navy"])
    sheet.append([12345, None, None])  # a serial typed as a number
    book.save(tmp_path / "found.xlsx")
    assert [(i.serial, i.model, i.user_name) for i in found.from_file(tmp_path / "found.xlsx")] == [
        ("D3", "D-1", "Navy"), ("12345", "", "")]
    (tmp_path / "bad.csv").write_text("serial,user_id\n,n\nD1,not an id!\n")
    with pytest.raises(InvalidInput) as bad:
        found.from_file(tmp_path / "bad.csv", "bad.csv")
    assert {(p.file, p.line, p.column) for p in bad.value.problems} == {("bad.csv", 2, "serial"),
                                                                        ("bad.csv", 3, "user_id")}
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(InvalidInput, match="not a readable XLSX workbook"):
        found.from_file(tmp_path / "broken.xlsx")
    add_sighting(ew.uow(), ACTOR, Sighting("S-SEEN", date(2024, 10, 1), "D4", "B", "2", place="Base A",
                                           observed_user="Navy"))
    assert [(i.serial, i.source, i.sighting_number) for i in found.from_sightings(ew.reader(), ["S-SEEN"])] == [
        ("D4", "sighting", "S-SEEN")]
    with pytest.raises(InvalidInput, match="unknown sighting 'S-NONE'"):
        found.from_sightings(ew.reader(), ["S-NONE"])


def test_bad_input_is_refused_whole_and_writes_nothing(ew):
    _world(ew)

    def audit_entries() -> int:
        with ew.engine.connect() as conn:
            return int(conn.execute(sa.text("select count(*) from audit_log")).scalar_one())

    before = audit_entries()
    with pytest.raises(InvalidInput) as bad:
        _check(ew, kind="audit", inspector=" ", reliability="Z", subjects=(("permit", "P-NONE"),))
    assert {p.column for p in bad.value.problems} == {"kind", "inspector", "reliability", "permits"}
    with pytest.raises(InvalidInput, match="a pre-licence check is on applications"):
        _check(ew, kind="pre-licence")
    check = _check(ew)
    assert check.id is not None
    before = audit_entries()
    with pytest.raises(InvalidInput) as bad:
        checks.record_result(ew.uow(), ACTOR, check.id, date(2027, 1, 1), "unfavourable", "",
                             [FoundItem("D1", user_id="nobody"), FoundItem("D1"), FoundItem(" ")])
    assert {(p.column, p.line) for p in bad.value.problems} == {
        ("reasons", None), ("done_on", None), ("serial", 2), ("serial", 3), ("user_id", 1)}
    with pytest.raises(NotFound):
        checks.record_result(ew.uow(), ACTOR, 999, date(2024, 10, 20), "favourable", "", [])
    with pytest.raises(InvalidInput, match="has no result yet"):
        reconcile.file_findings(ew.uow(), ACTOR, check.id)
    assert audit_entries() == before


def test_who_sees_which_check(ew):
    _world(ew)
    check = _check(ew)
    assert check.id is not None
    own = person("m-user", Role.EXPORTER, "m")
    other = person("x-user", Role.EXPORTER, "x")
    assert [c.id for c in checks.list_checks(ew.reader(), own)] == [check.id]
    assert checks.list_checks(ew.reader(), other) == []
    with pytest.raises(NotFound):
        reconcile.reconcile(ew.reader(), other, check.id)
    with pytest.raises(Forbidden):
        checks.list_checks(ew.reader(), person("anyone", Role.PUBLIC))
    with pytest.raises(Forbidden):
        _check_as(ew, own)


def test_an_exporter_sees_only_its_own_permits_of_a_shared_check(ew):
    _world(ew)
    issue_permit(ew.uow(), ACTOR, permit("P-X", 2, exporter_id="x", issued_on=date(2024, 1, 10),
                                         expires_on=date(2027, 12, 31)))
    record_delivery(ew.uow(), ACTOR, "P-X", date(2024, 2, 1), ["X1"])
    check = _check(ew, subjects=(("permit", "P-INV"), ("permit", "P-X")))
    assert check.id is not None
    checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "favourable", "",
                         [FoundItem("D1"), FoundItem("X1"), FoundItem("ZZ999")])
    full = reconcile.reconcile(ew.reader(), ACTOR, check.id)
    assert set(full.permits) == {"P-INV", "P-X"} and len(full.unexpected) == 1
    for who, own, serials in (("m", "P-INV", {"D1", "D2", "D3", "D4", "D5"}), ("x", "P-X", {"X1"})):
        seen = reconcile.reconcile(ew.reader(), person(f"{who}-user", Role.EXPORTER, who), check.id)
        assert set(seen.permits) == {own} and seen.unexpected == []
        assert {line.serial for line in seen.lines} == serials
        listed = checks.list_checks(ew.reader(), person(f"{who}-user", Role.EXPORTER, who))
        assert [c.subjects for c in listed] == [(("permit", own),)]


def _check_as(ew, who):
    return checks.open_check(ew.uow(), who, Check(None, "inventory", (("permit", "P-INV"),), date(2024, 10, 15),
                                                  "me"))


def test_the_command_line_opens_records_shows_and_files(ew, cli, tmp_path):
    _world(ew)
    r = cli.invoke(app, ["checks", "open", "--kind", "inventory", "--permit", "P-INV", "--on", "2024-10-15",
                         "--inspector", "inspector one", "--place", "Base A", "--format", "json"])
    assert r.exit_code == 0, r.output
    (tmp_path / "found.csv").write_text("serial,user_id\nD2,n\nD3,u\n")
    r = cli.invoke(app, ["checks", "result", "1", "--on", "2024-10-20", "--outcome", "unfavourable", "--reasons",
                         "D3 with the Land Forces", "--serial", "D1", "--file", str(tmp_path / "found.csv")])
    assert r.exit_code == 0, r.output
    assert "verified 2, other-user 1, other-place 0, missing 2, unexpected 0" in r.output, r.output
    r = cli.invoke(app, ["checks", "show", "1", "--format", "json"])
    assert r.exit_code == 0 and '"missing": 2' in r.output, r.output
    (tmp_path / "p.png").write_bytes(PNG)
    r = cli.invoke(app, ["checks", "photo", "1", str(tmp_path / "p.png")])
    assert r.exit_code == 0 and "added to check 1" in r.output, r.output
    (tmp_path / "p.txt").write_text("not a photo")
    r = cli.invoke(app, ["checks", "photo", "1", str(tmp_path / "p.txt")])
    assert r.exit_code == 1 and "not a JPEG" in r.output, r.output
    r = cli.invoke(app, ["checks", "findings", "1"])
    assert r.exit_code == 0 and "3 sighting(s) recorded" in r.output and "diversion" in r.output, r.output
    r = cli.invoke(app, ["checks", "list"])
    assert r.exit_code == 0 and "unfavourable" in r.output, r.output
    r = cli.invoke(app, ["checks", "result", "1", "--on", "2024-10-20", "--outcome", "maybe"])
    assert r.exit_code == 1 and "nothing was written" in r.output, r.output


def test_an_unfavourable_outcome_is_evidence_for_reassessment(ew):
    _world(ew)
    check = _check(ew)
    assert check.id is not None
    checks.record_result(ew.uow(), ACTOR, check.id, date(2024, 10, 20), "unfavourable", "items shown elsewhere",
                         [FoundItem("D1")])
    with ew.reader() as uow:
        stored = uow.assessment.latest_assessment("permit", "P-INV", date(2024, 10, 20))
    assert stored is not None and stored.trigger == f"unfavourable end-use check {check.id}"
    found = next(i for i in stored.indicators if i["code"] == "end-use-checks")
    assert found["severity"] == "high"
    assert [e["ref"] for e in found["evidence"]] == [str(check.id)]
    assert "post-shipment verification" in stored.conditions
    # The same end user's other permit is assessed again too, on the same evidence.
    with ew.reader() as uow:
        other_before = uow.assessment.latest_assessment("permit", "P-OTHER", date(2024, 10, 21))
    assert other_before is not None and other_before.trigger == stored.trigger
    # A favourable check is no evidence of risk and triggers no re-assessment.
    other = _check(ew, subjects=(("permit", "P-OTHER"),))
    assert other.id is not None
    checks.record_result(ew.uow(), ACTOR, other.id, date(2024, 10, 21), "favourable", "", [FoundItem("S1")])
    with ew.reader() as uow:
        assert uow.assessment.latest_assessment("permit", "P-OTHER", date(2024, 10, 21)) == other_before
