"""Imports obey the rules single writes obey: approving and denying only through decisions (decisions.csv, by
known users, four eyes), and records that predate endwatch only as historical records, which never change
a record endwatch holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import REFERENCE_CASE, tokens_for
from tests.principals import person

from endwatch.errors import InvalidInput
from endwatch.services.assessment.decisions import list_decisions
from endwatch.services.authz import Role
from endwatch.services.registry.exports import export_folder
from endwatch.services.registry.imports import import_folder

APP_HEADER = ("number,exporter_id,consignee_id,end_user_id,destination,product_id,quantity,value,currency,received_on,"
              "end_use,no_reexport,signatory,signed_on,status,historical_source\n")
DECISIONS_HEADER = "application_number,decision,decided_by,decided_on,reason,countersigned_by,justification\n"


def application(number: str, status: str, historical: str = "", received: str = "2020-09-14") -> str:
    return f"{number},wescam,baykar,az-air-force,TR,mx-15d,2,,,{received},,yes,,,{status},{historical}\n"


def folder_with(tmp_path: Path, name: str, **files: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / f"{file}.csv").write_text(text, encoding="utf-8")
    return folder


def counts(ew) -> dict[str, int]:
    with ew.engine.connect() as conn:
        return {t: conn.scalar(sa.text(f"select count(*) from {t}"))
                for t in ("applications", "application_status_changes", "decisions", "audit_log")}


def refused(ew, folder: Path, **kwargs) -> list[str]:
    before = counts(ew)
    with pytest.raises(InvalidInput) as exc:
        import_folder(ew.uow(), person("importer"), folder, **kwargs)
    assert counts(ew) == before, "a refused import writes nothing"
    return [str(p) for p in exc.value.problems]


def test_an_import_cannot_approve_a_received_application(case, tmp_path):
    # The attack of issue 11: a received application turned approved by a CSV file.
    folder = folder_with(tmp_path, "attack", applications=APP_HEADER + application("APP-REDACTED-3", "approved"))
    messages = refused(case, folder)
    assert messages == [
        "applications.csv:2 [status]: rule decision-required: application APP-REDACTED-3 can be approved only by a"
        " decision: add it to decisions.csv (with a second approver for an approval), or, for a record that predates"
        " endwatch, name its historical_source"]
    # Marking the row historical does not help: a historical record never changes one endwatch holds.
    folder = folder_with(tmp_path, "hist", applications=APP_HEADER + application("APP-REDACTED-3", "approved",
                                                                                 "an older registry"))
    messages = refused(case, folder)
    assert len(messages) == 1 and "rule historical-record: application APP-REDACTED-3 is already held" in messages[0]
    assert refused(case, folder, dry_run=True) == messages, "the dry run finds what the real run finds"


def test_a_new_application_approved_or_denied_needs_a_decision(ew, tmp_path):
    import_folder(ew.uow(), person("importer"), REFERENCE_CASE)
    folder = folder_with(tmp_path, "new", applications=APP_HEADER + application("A-1", "approved")
                         + application("A-2", "denied") + application("A-3", "withdrawn"))
    messages = refused(ew, folder)
    assert [m.split(":")[0:2] for m in messages] == [["applications.csv", "2 [status]"],
                                                     ["applications.csv", "3 [status]"]]


def test_historical_records_are_accepted_marked_and_never_counted_as_decisions(ew, tmp_path):
    folder = folder_with(tmp_path, "old", applications=APP_HEADER + application("OLD-1", "approved",
                                                                               received="2019-01-10"))
    (folder / "parties.csv").write_text((REFERENCE_CASE / "parties.csv").read_text())
    (folder / "products.csv").write_text((REFERENCE_CASE / "products.csv").read_text())
    import_folder(ew.uow(), person("importer"), folder, historical="registry of 2019")
    with ew.reader() as uow:
        app = uow.applications.get("OLD-1")
    assert app.status.value == "approved" and app.historical_source == "registry of 2019"
    assert list_decisions(ew.uow()) == [], "a historical approval is no decision taken in endwatch"
    export_folder(ew.reader(), tmp_path / "out")
    assert "registry of 2019" in (tmp_path / "out" / "applications.csv").read_text(), "exports mark it"
    assert import_folder(ew.uow(), person("importer"), tmp_path / "out").changes == 0


def test_the_reference_case_comes_in_as_historical_records(case):
    with case.reader() as uow:
        assert uow.applications.get("APP-REDACTED-1").historical_source
        assert not uow.applications.get("APP-REDACTED-3").historical_source  # undecided: decided in endwatch
        permit = uow.permits.get("PERMIT-REDACTED-1")
    assert permit.historical_source and all(c.historical_source for c in permit.history)


def test_a_historical_status_change_never_touches_a_permit_endwatch_issued(case, tmp_path):
    folder = folder_with(tmp_path, "p", permits=(REFERENCE_CASE / "permits.csv").read_text().splitlines()[0] + "\n"
                         + "P-NEW,,wescam,baykar,tr-navy,TR,mx-15d,1,,,2024-02-01,2024-12-31,issued,,yes,,,,,\n")
    import_folder(case.uow(), person("importer"), folder)
    changes = folder_with(tmp_path, "c", status_changes="permit_number,status,effective_on,reason,reference,"
                          "historical_source\nP-NEW,suspended,2024-03-01,old news,x,an older registry\n")
    messages = refused(case, changes)
    assert len(messages) == 1 and "rule historical-record: permit P-NEW" in messages[0]


def test_decisions_file_approves_with_two_different_known_signatures(case, tmp_path):
    tokens_for(case, ana=Role.APPROVER, bea=Role.APPROVER, otto=Role.LICENSING_OFFICER)
    apps = APP_HEADER + application("APP-REDACTED-3", "approved")
    bad = folder_with(tmp_path, "bad", applications=apps, decisions=DECISIONS_HEADER
                      + "APP-REDACTED-3,approve,ana,2020-09-20,fits,ana,\n")
    # The refused decision leaves the approval without one: both are named.
    assert refused(case, bad)[-1] == ("decisions.csv:2 [countersigned_by]: rule four-eyes: the second signature must"
                                      " be someone other than ana, who decided")
    for second, column in (("", "countersigned_by"), ("otto", "countersigned_by"), ("nobody", "countersigned_by")):
        folder = folder_with(tmp_path, f"bad-{second}", applications=apps, decisions=DECISIONS_HEADER
                             + f"APP-REDACTED-3,approve,ana,2020-09-20,fits,{second},\n")
        messages = [m for m in refused(case, folder) if m.startswith("decisions.csv")]
        assert messages and all(m.startswith(f"decisions.csv:2 [{column}]") for m in messages), messages
    good = folder_with(tmp_path, "good", applications=apps, decisions=DECISIONS_HEADER
                       + "APP-REDACTED-3,approve,ana,2020-09-20,fits,bea,\n")
    assert import_folder(case.uow(), person("importer"), good, dry_run=True).changes == 2
    import_folder(case.uow(), person("importer"), good)
    [decision] = list_decisions(case.uow(), "APP-REDACTED-3")
    assert (decision.decided_by, decision.second_by, decision.state) == ("ana", "bea", "countersigned")
    with case.reader() as uow:
        assert uow.applications.get("APP-REDACTED-3").status.value == "approved"
    assert import_folder(case.uow(), person("importer"), good).changes == 0, "re-import changes nothing"


def test_the_command_line_marks_historical_records(case, cli):
    from endwatch.cli import app

    shown = cli.invoke(app, ["permit", "show", "PERMIT-REDACTED-1", "--as-of", "2021-05-01"])
    assert shown.exit_code == 0 and "(historical: public record" in shown.output, shown.output
    listed = cli.invoke(app, ["application", "list", "--format", "json"])
    marks = {a["number"]: a["historical"] for a in json.loads(listed.output)}
    assert marks["APP-REDACTED-1"].startswith("public record") and marks["APP-REDACTED-3"] == ""


def test_import_historical_option_on_the_command_line(ew, cli, tmp_path):
    from endwatch.cli import app

    folder = folder_with(tmp_path, "old", applications=APP_HEADER + application("OLD-1", "approved",
                                                                               received="2019-01-10"))
    for name in ("parties.csv", "products.csv"):
        (folder / name).write_text((REFERENCE_CASE / name).read_text())
    refused_run = cli.invoke(app, ["import", str(folder)])
    assert refused_run.exit_code == 1 and "decision-required" in refused_run.output
    dry = cli.invoke(app, ["import", str(folder), "--dry-run", "--historical", "registry of 2019"])
    assert dry.exit_code == 0, dry.output
    assert cli.invoke(app, ["import", str(folder), "--historical", "registry of 2019"]).exit_code == 0
    with ew.reader() as uow:
        assert uow.applications.get("OLD-1").historical_source == "registry of 2019"
