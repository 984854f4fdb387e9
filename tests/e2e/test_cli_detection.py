"""The reference case end to end through the command line, on SQLite and PostgreSQL: the nameplate
photographed in October 2020 comes out `diversion`, traced to the September 2020 delivery, and opens
a case with the recommended actions."""

from __future__ import annotations

import json

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.services.audit.verify import verify


def run(cli, *args: str):  # type: ignore[no-untyped-def]
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_reference_case_nameplate_is_a_diversion_with_a_case(case: Endwatch, cli) -> None:  # type: ignore[no-untyped-def]
    listed = json.loads(run(cli, "sighting", "list", "--format", "json").stdout)
    assert [s["serial"] for s in listed] == ["REDACTED-SN-1"]
    out = json.loads(run(cli, "detect", "--format", "json").stdout)
    assert len(out) == 1
    f = out[0]
    assert f["sighting_id"] == "SIGHTING-2020-10-NAMEPLATE"
    assert f["verdict"] == "diversion" and f["confidence"] == "probable" and f["tier"] == "exact"
    assert f["match"] == {
        "serial": "REDACTED-SN-1", "product_id": "mx-15d", "manufacturer_id": "wescam",
        "permit_number": "PERMIT-REDACTED-1", "delivered_on": "2020-09-15", "end_user_id": "tr-navy",
        "destination": "TR",
    }
    assert f["observed_user_id"] == "az-armed-forces" and f["candidates"] == []
    assert f["case_id"] == "CASE-0001"
    assert any("L3 Wescam" in r and "wescam" in r for r in f["reasons"])
    assert any("Turkish Naval Forces" in r and "neither the declared end user" in r for r in f["reasons"])
    with case.reader() as uow:
        actions = [(a["kind"], a["target"], a["status"]) for a in uow.cases.list_case_actions("CASE-0001")]
    assert actions == [
        ("suspend_permit", "PERMIT-REDACTED-1", "recommended"), ("suspend_permit", "PERMIT-REDACTED-2", "recommended"),
        ("hold_application", "APP-REDACTED-3", "recommended"), ("hold_application", "APP-REDACTED-4", "recommended"),
        ("notify_exporter", "wescam", "recommended"),
    ]
    # Re-running changes nothing; the table output names the case; the audit chain holds.
    again = json.loads(run(cli, "detect", "--format", "json").stdout)
    assert [(x["verdict"], x["case_id"], x["decided_now"]) for x in again] == [("diversion", "CASE-0001", False)]
    table = run(cli, "detect").stdout
    assert "CASE-0001" in table and "decided 0 new" in table
    diversions = json.loads(run(cli, "findings", "--verdict", "diversion", "--format", "json").stdout)
    assert [d["sighting_id"] for d in diversions] == ["SIGHTING-2020-10-NAMEPLATE"]
    assert verify(case.reader).ok


def test_sighting_add_cli_and_errors(case: Endwatch, cli) -> None:  # type: ignore[no-untyped-def]
    added = json.loads(run(cli, "sighting", "add", "--observed-on", "2020-10-20", "--serial", "S/N: REDACTED SN 1",
                           "--manufacturer", "L-3 WESCAN", "--observed-user", "Azerbaijani Air Force",
                           "--reliability", "b", "--credibility", "2", "--country", "az", "--media", "video 1",
                           "--format", "json").stdout)
    assert added["id"] == "S-20201020-1" and added["reliability"] == "B" and added["media"] == ["video 1"]
    out = {f["sighting_id"]: f for f in json.loads(run(cli, "detect", "--since", "2020-10-15",
                                                       "--format", "json").stdout)}
    assert list(out) == ["S-20201020-1"]
    f = out["S-20201020-1"]
    assert f["verdict"] == "diversion" and f["match"]["permit_number"] == "PERMIT-REDACTED-1"
    assert f["observed_user_id"] == "az-air-force"
    assert f["case_id"] == "CASE-0001"  # the nameplate sighting (2020-10-01) is outside --since: not decided yet
    bad = cli.invoke(app, ["sighting", "add", "--observed-on", "2020-10-20", "--serial", "?", "--reliability", "G",
                           "--credibility", "7"])
    assert bad.exit_code == 1
    assert "[serial]" in bad.stderr and "[reliability]" in bad.stderr and "[credibility]" in bad.stderr
    wrong_date = cli.invoke(app, ["detect", "--since", "October"])
    assert wrong_date.exit_code != 0
