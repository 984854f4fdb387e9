"""The command line, end to end, against the real database: output, exit codes, and nothing written on error."""

import json

from tests.conftest import tokens_for

from endwatch.cli import app
from endwatch.services.authz import Role


def run(cli, *args):
    return cli.invoke(app, list(args))


def test_init_and_db_status(cli):
    result = run(cli, "init")
    assert result.exit_code == 0, result.output
    status = run(cli, "db", "status")
    assert "up to date" in status.output


def test_import_dry_run_then_import_then_nothing_to_change(cli, tmp_path):
    from tests.conftest import REFERENCE_CASE

    dry = run(cli, "import", str(REFERENCE_CASE), "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    assert {f["file"]: f["new"] for f in json.loads(dry.output)["files"]}["parties.csv"] >= 13
    assert run(cli, "import", str(REFERENCE_CASE)).exit_code == 0
    again = run(cli, "import", str(REFERENCE_CASE))
    assert "nothing to change" in again.output


def test_import_errors_exit_1_and_list_problems(cli, tmp_path):
    (tmp_path / "parties.csv").write_text("id,name,kind,country\nx,X,company,Narnia\n", encoding="utf-8")
    result = run(cli, "import", str(tmp_path))
    assert result.exit_code == 1
    assert "parties.csv:2 [country]" in result.output
    assert "nothing was written" in result.output
    assert "Narnia" in result.output


def test_registry_commands_and_rule_refusal(ew, cli):
    steps = [
        ["party", "add", "m", "--name", "Maker", "--kind", "company", "--country", "CA", "--former-name", "Old Maker"],
        ["party", "add", "c", "--name", "Consignee", "--kind", "company", "--country", "TR"],
        ["party", "add", "n", "--name", "Navy", "--kind", "armed_force", "--country", "TR"],
        ["product", "add", "s", "--manufacturer", "m", "--model", "S-15", "--alias", "CS-15", "--category", "2-15"],
        ["policy", "add", "tr-pod", "--country", "TR", "--measure", "presumption_of_denial", "--category", "2-*",
         "--from", "2020-04-16", "--exception", "NATO co-operation programs"],
    ]
    for step in steps:
        result = run(cli, *step)
        assert result.exit_code == 0, (step, result.output)
    issue = ["permit", "issue", "P-1", "--exporter", "m", "--consignee", "c", "--end-user", "n", "--destination",
             "TR", "--product", "s", "--quantity", "1", "--issued-on", "2020-05-08", "--expires-on", "2021-06-30"]
    refused = run(cli, *issue)
    assert refused.exit_code == 1
    assert "refused by rule destination-policy" in refused.output
    ok = run(cli, *issue, "--exception", "NATO co-operation programs", "--justification", "NATO programme")
    assert ok.exit_code == 0, ok.output
    assert "through exception 'NATO co-operation programs'" in ok.output
    assert run(cli, "delivery", "add", "--permit", "P-1", "--date", "2020-09-15", "--serial", "SN-1").exit_code == 0
    suspend = run(cli, "permit", "status", "P-1", "--status", "suspended", "--on", "2020-10-05",
                  "--reason", "allegations", "--reference", "M-1")
    assert suspend.exit_code == 0 and "proposed as proposal 1" in suspend.output, suspend.output
    approver = {"ENDWATCH_TOKEN": tokens_for(ew, second_approver=Role.APPROVER)["second-approver"]}
    confirmed = cli.invoke(app, ["confirm", "1"], env=approver)
    assert confirmed.exit_code == 0 and "applied" in confirmed.output, confirmed.output
    late = run(cli, "delivery", "add", "--permit", "P-1", "--date", "2020-10-06", "--serial", "SN-2")
    assert late.exit_code == 1 and "permit-in-force" in late.output
    shown = json.loads(run(cli, "permit", "show", "P-1", "--as-of", "2020-10-01", "--format", "json").output)
    assert shown["state"] == "in_force" and shown["delivered"] == 1
    traced = json.loads(run(cli, "trace", "sn1", "--manufacturer", "old maker", "--as-of", "2020-10-06",
                            "--format", "json").output)
    assert traced["items"][0]["permit"]["state"] == "suspended"
    assert traced["items"][0]["end_user"]["id"] == "n"
    listed = json.loads(run(cli, "permit", "list", "--as-of", "2020-06-01", "--format", "json").output)
    assert [p["number"] for p in listed] == ["P-1"]


def test_bad_dates_are_named(cli):
    result = run(cli, "trace", "X", "--as-of", "2020-02-30")
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_export_writes_every_file(case, cli, tmp_path):
    result = run(cli, "export", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert (tmp_path / "out" / "deliveries.csv").read_text().count("REDACTED-SN-1") == 1


def test_demo_replays_the_case(anonymous_cli):
    result = run(anonymous_cli, "demo")
    assert result.exit_code == 0, result.output
    assert "PERMIT-REDACTED-1" in result.output
    assert "watch list: permit PERMIT-REDACTED-1 refer -> deny" in result.output
    assert "assessment of APP-REDACTED-3 (end user az-air-force, mx-15d): deny" in result.output
    assert "sighting SIGHTING-2020-10-NAMEPLATE: diversion" in result.output
    assert "CASE-0001 recommends: suspend permit PERMIT-REDACTED-2" in result.output
    assert "refused by rule permit-in-force" in result.output
    assert "audit trail" in result.output and "intact" in result.output


def test_demo_until_leaves_the_suspension_to_apply(anonymous_cli):
    cli = anonymous_cli  # as after `make run`: the demo database, its accounts, nobody signed in yet
    result = run(cli, "demo", "--until", "2020-10-04")
    assert result.exit_code == 0, result.output
    assert "2020-10-05" not in result.output.split("next")[0]
    assert "the suspension of 5 October 2020 is yours to apply" in result.output
    shown = json.loads(run(cli, "permit", "show", "PERMIT-REDACTED-1", "--as-of", "2020-10-06",
                           "--format", "json").output)
    assert shown["state"] == "in_force"
    # The demonstration lives in its own time: the case opened on the day of the photo, and a new process
    # on this database reads it as of 5 October 2020, the day after the replay.
    cases = json.loads(run(cli, "case", "list", "--format", "json").output)
    assert [(c["id"], c["opened_on"]) for c in cases] == [("CASE-0001", "2020-10-01")]
    assert "the demonstration's today is now 2020-10-05" in result.output
    from endwatch.bootstrap import bootstrap
    from endwatch.settings import load_settings

    fresh = bootstrap(load_settings())
    assert fresh.clock().date().isoformat() == "2020-10-05"
    fresh.close()
    assert run(cli, "user", "demo").exit_code == 0
    signed_in = cli.invoke(app, ["login", "admin", "--password-stdin"], input="admin-demo-pass\n")
    assert signed_in.exit_code == 0, signed_in.output
    proposed = run(cli, "suspend", "--case", "CASE-0001", "--on", "2020-10-05", "--hold-applications",
                   "--reason", "allegations", "--reference", "M-2020-10-05", "--apply")
    assert proposed.exit_code == 0 and "proposed as proposal 1" in proposed.output, proposed.output
    shown = json.loads(run(cli, "permit", "show", "PERMIT-REDACTED-2", "--as-of", "2020-10-06",
                           "--format", "json").output)
    assert shown["state"] == "in_force"  # nothing applied on one signature
    mine = cli.invoke(app, ["confirm", "1"])
    assert mine.exit_code == 1 and "refused by rule four-eyes" in mine.output, mine.output
    signed_in = cli.invoke(app, ["login", "approver", "--password-stdin"], input="approver-demo-pass\n")
    assert signed_in.exit_code == 0, signed_in.output
    applied = run(cli, "confirm", "1")
    assert applied.exit_code == 0 and "applied" in applied.output, applied.output
    shown = json.loads(run(cli, "permit", "show", "PERMIT-REDACTED-2", "--as-of", "2020-10-06",
                           "--format", "json").output)
    assert shown["state"] == "suspended"


def test_trace_offers_near_candidates_when_no_serial_matches(cli):
    """`endwatch trace` gives detection's candidates with tier and reason, never one guess of its own."""
    from tests.conftest import REFERENCE_CASE

    assert run(cli, "import", str(REFERENCE_CASE)).exit_code == 0
    misread = json.loads(run(cli, "trace", "REDACTED-SN-I", "--manufacturer", "L3 Wescam", "--format", "json").output)
    assert misread["items"] == []
    near = misread["near"]
    assert near["tier"] == "equivalent" and "look alike" in near["reason"]
    assert [c["serial"] for c in near["candidates"]] == ["REDACTED-SN-1"]
    assert near["candidates"][0]["permit_number"] == "PERMIT-REDACTED-1"
    text = run(cli, "trace", "REDACTED-SN-I", "--manufacturer", "L3 Wescam")
    assert "near candidates (look-alike characters)" in text.output and "PERMIT-REDACTED-1" in text.output
    exact = json.loads(run(cli, "trace", "REDACTED-SN-1", "--format", "json").output)
    assert exact["items"] and exact["near"] is None
    nothing = json.loads(run(cli, "trace", "ZZZZZZZZZZ", "--format", "json").output)
    assert nothing["items"] == [] and nothing["near"] is None
