"""Exchange-format import: every problem reported at once, nothing written on error, idempotent, dry run."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import REFERENCE_CASE
from tests.principals import person

from endwatch.errors import Forbidden, InvalidInput
from endwatch.services.authz import PUBLIC, Role
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.queries import permit_as_of
from endwatch_demo.synth import synthesize


def copy_case(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(REFERENCE_CASE, folder)
    return folder


def append(folder: Path, name: str, *lines: str) -> None:
    with (folder / name).open("a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")


def rows(ew) -> dict[str, int]:
    with ew.engine.connect() as conn:
        return {t: conn.scalar(sa.text(f"select count(*) from {t}"))
                for t in ("parties", "products", "policies", "applications", "permits", "deliveries", "audit_log")}


def problems_of(ew, folder: Path) -> list:
    before = rows(ew)
    with pytest.raises(InvalidInput) as exc:
        import_folder(ew.uow(), person("tester"), folder)
    assert rows(ew) == before, "a failed import must write nothing"
    return exc.value.problems


def test_reimport_changes_nothing_and_dry_run_writes_nothing(ew):
    dry = import_folder(ew.uow(), person("tester"), REFERENCE_CASE, dry_run=True)
    assert dry.changes > 0 and rows(ew)["parties"] == 0
    first = import_folder(ew.uow(), person("tester"), REFERENCE_CASE)
    assert first.changes == dry.changes
    after_first = rows(ew)
    again = import_folder(ew.uow(), person("tester"), REFERENCE_CASE)
    assert again.changes == 0
    assert rows(ew) == after_first


def test_every_problem_is_reported_with_file_line_and_column(ew, tmp_path):
    folder = copy_case(tmp_path)
    append(folder, "parties.csv", "x1,Somebody,company,ZZ,,,", "x2,,alien,TR,nobody,,")
    append(folder, "permits.csv",
           "P-BAD,,wescam,baykar,tr-navy,TR,mx-15d,7,,,2020-13-01,2021-06-30,issued,,yes,,,,,")
    append(folder, "deliveries.csv", "NO-SUCH-PERMIT,2020-09-15,SN-X,", "PERMIT-REDACTED-1,15/09/2020,SN-Y,")
    found = {(p.file, p.line, p.column) for p in problems_of(ew, folder)}
    assert ("parties.csv", 15, "country") in found
    assert ("parties.csv", 16, "name") in found
    assert ("parties.csv", 16, "kind") in found
    assert ("permits.csv", 4, "issued_on") in found
    assert ("deliveries.csv", 3, "permit_number") in found
    assert ("deliveries.csv", 4, "delivered_on") in found


def test_unknown_references_are_named(ew, tmp_path):
    folder = copy_case(tmp_path)
    append(folder, "parties.csv", "child,Child,other,TR,ghost-parent,,")
    append(folder, "products.csv", "gadget,ghost-maker,G1,,2-15,,")
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("unknown party 'ghost-parent'" in m for m in messages)
    assert any("unknown party 'ghost-maker'" in m for m in messages)


def test_malformed_csv_and_missing_columns(ew, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "parties.csv").write_text('id,name,kind\n"unterminated,x,company\n', encoding="utf-8")
    (folder / "products.csv").write_text("id,model\np1,M\n", encoding="utf-8")
    (folder / "policies.csv").write_text("country,measure,categories,effective_from\nTR,none\n", encoding="utf-8")
    problems = problems_of(ew, folder)
    text = "\n".join(map(str, problems))
    assert "malformed CSV" in text or "expected 3 cells" in text
    assert "required column 'manufacturer_id' is missing" in text
    assert "policies.csv:2" in text and "expected 4 cells" in text


def test_duplicate_serials_in_file_and_against_stored(ew, tmp_path):
    import_folder(ew.uow(), person("tester"), REFERENCE_CASE)
    folder = copy_case(tmp_path)
    (folder / "deliveries.csv").write_text("permit_number,delivered_on,serial,recipient_id\n")
    append(folder, "deliveries.csv", "PERMIT-REDACTED-1,2020-09-16,redacted sn 1,baykar",
           "PERMIT-REDACTED-1,2020-09-16,NEW-1,baykar", "PERMIT-REDACTED-1,2020-09-16,new 1,baykar")
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("serial-unique" in m and "already delivered under permit PERMIT-REDACTED-1" in m for m in messages)
    assert any("serial-unique" in m and "repeats line 3" in m for m in messages)


def test_delivery_on_suspended_permit_and_over_quantity(ew, tmp_path):
    folder = copy_case(tmp_path)
    append(folder, "deliveries.csv", "PERMIT-REDACTED-1,2020-10-06,LATE-1,baykar",
           *(f"PERMIT-REDACTED-2,2020-09-20,SW-{i},baykar" for i in range(2)))
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("permit-in-force" in m and "suspended on 2020-10-06" in m for m in messages)
    assert any("permit-quantity" in m and "PERMIT-REDACTED-2 allows 1" in m for m in messages)


def test_policy_rule_applies_on_import(ew, tmp_path):
    folder = copy_case(tmp_path)
    append(folder, "permits.csv",
           "P-NEW,,wescam,baykar,tr-navy,TR,mx-15d,1,,,2020-01-10,2020-12-31,issued,,yes,,,,,")
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("suspension of new permits" in m for m in messages)


def test_status_column_must_agree_with_status_changes(ew, tmp_path):
    folder = copy_case(tmp_path)
    (folder / "status_changes.csv").write_text("permit_number,status,effective_on,reason,reference\n")
    text = (folder / "permits.csv").read_text().replace(",issued,", ",suspended,", 1)
    (folder / "permits.csv").write_text(text)
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("latest recorded status is 'issued'" in m for m in messages)


def test_new_status_changes_are_appended_on_reimport(ew, tmp_path):
    folder = copy_case(tmp_path)
    (folder / "status_changes.csv").write_text("permit_number,status,effective_on,reason,reference\n")
    import_folder(ew.uow(), person("tester"), folder)
    assert permit_as_of(ew.reader(), "PERMIT-REDACTED-1", date(2020, 10, 6)).state.value == "in_force"
    report = import_folder(ew.uow(), person("tester"), REFERENCE_CASE)
    assert {f.file: f.new for f in report.files}["status_changes.csv"] == 4
    assert permit_as_of(ew.reader(), "PERMIT-REDACTED-1", date(2020, 10, 6)).state.value == "suspended"


def test_not_a_folder_or_empty_folder(ew, tmp_path):
    with pytest.raises(InvalidInput, match="is not a folder"):
        import_folder(ew.uow(), person("tester"), tmp_path / "missing")
    with pytest.raises(InvalidInput, match="none of the exchange-format files"):
        import_folder(ew.uow(), person("tester"), tmp_path)


def test_a_dry_run_asks_the_callers_permission_like_the_real_run(ew):
    with pytest.raises(Forbidden):
        import_folder(ew.reader(), person("officer", Role.LICENSING_OFFICER), REFERENCE_CASE, dry_run=True)
    with pytest.raises(Forbidden):
        import_folder(ew.reader(), PUBLIC, REFERENCE_CASE, dry_run=True)
    assert import_folder(ew.reader(), person("tester"), REFERENCE_CASE, dry_run=True).changes > 0


def test_aliases_are_a_set_reordering_or_repeating_them_changes_nothing(ew, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    header = "id,name,kind,country,parent_id,aliases,former_names\n"
    (folder / "parties.csv").write_text(header + "acme,Acme,company,CA,,Zeta Co|Acme|Beta Co,Old Acme|Beta Co\n")
    assert import_folder(ew.uow(), person("tester"), folder).changes == 1
    entries = rows(ew)["audit_log"]
    (folder / "parties.csv").write_text(header + "acme,Acme,company,CA,,Beta Co|Zeta Co|Zeta Co,Old Acme\n")
    again = import_folder(ew.uow(), person("tester"), folder)
    assert again.changes == 0 and {f.file: f.unchanged for f in again.files} == {"parties.csv": 1}
    assert rows(ew)["audit_log"] == entries, "an unchanged folder writes no audit entry"
    (folder / "parties.csv").write_text(header + "acme,Acme,company,CA,,Beta Co,Old Acme\n")
    assert import_folder(ew.uow(), person("tester"), folder).changes == 1  # an alias dropped is a change


def test_reimporting_a_synthetic_world_changes_nothing(ew, tmp_path):
    synthesize(tmp_path / "w", items=300, sightings=20, seed=3)
    import_folder(ew.uow(), person("tester"), tmp_path / "w")
    entries = rows(ew)["audit_log"]
    again = import_folder(ew.uow(), person("tester"), tmp_path / "w")
    assert again.changes == 0, [vars(f) for f in again.files]
    assert rows(ew)["audit_log"] == entries


def test_status_changes_on_import_follow_the_permit_status_machine(ew, tmp_path):
    folder = copy_case(tmp_path)
    append(folder, "status_changes.csv", "PERMIT-REDACTED-1,reinstated,2022-01-01,after cancellation,x,")
    messages = [str(p) for p in problems_of(ew, folder)]
    assert any("status-transition" in m and "cannot go from cancelled to reinstated" in m for m in messages)
    import_folder(ew.uow(), person("tester"), REFERENCE_CASE)
    late = copy_case(tmp_path / "late")
    (late / "status_changes.csv").write_text("permit_number,status,effective_on,reason,reference\n"
                                             "PERMIT-REDACTED-1,suspended,2020-06-01,earlier,x\n")
    messages = [str(p) for p in problems_of(ew, late)]
    assert any("status-transition" in m and "predates the latest recorded event" in m for m in messages)
