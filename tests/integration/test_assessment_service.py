"""Assessing applications through the service and the CLI, stored with inputs and reproducible,
and decisions with four eyes. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import tokens_for
from tests.principals import person

from endwatch.cli import app
from endwatch.errors import InvalidInput, NotFound, RuleViolation
from endwatch.services.assessment.assess import assess, reproduce, stored_assessment
from endwatch.services.assessment.decisions import check_may_issue, countersign, decide, list_decisions
from endwatch.services.audit.verify import verify
from endwatch.services.authz import Role
from endwatch.services.registry.imports import import_folder

WORLD = {
    "parties": """id,name,kind,country,parent_id,aliases,former_names
maker,Maker Optics,company,CA,,,
tr-state,Turkey,state,TR,,,
tr-navy,Turkish Naval Forces,armed_force,TR,tr-state,,
ca-state,Canada,state,CA,,,
ca-navy,Canadian Navy,armed_force,CA,ca-state,,
""",
    "products": """id,manufacturer_id,model,aliases,category,description,family
turret,maker,T-1,,2-15,a turret,
""",
    "policies": """id,country,measure,categories,effective_from,effective_to,exceptions,reference
tr-pod,TR,presumption_of_denial,2-*,2020-04-16,,NATO co-operation programs,presumption
""",
    "applications": "number,exporter_id,consignee_id,end_user_id,destination,product_id,quantity,value,currency,"
    """received_on,end_use,no_reexport,signatory,signed_on,status
A-TR,maker,tr-navy,tr-navy,TR,turret,2,,,2020-05-01,patrol,yes,Officer,2020-04-20,received
A-CA,maker,ca-navy,ca-navy,CA,turret,2,,,2020-05-01,patrol,yes,Officer,2020-04-20,received
""",
}
ON = date(2020, 6, 1)


@pytest.fixture
def small(ew, tmp_path: Path):
    folder = tmp_path / "world"
    folder.mkdir()
    for name, text in WORLD.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    return ew


def test_assessment_is_stored_with_inputs_and_reproduces(case):
    result = assess(case.uow(), person("officer"), "APP-REDACTED-1", date(2020, 5, 8))
    assert result.id is not None
    stored = stored_assessment(case.reader(), result.id)
    assert stored.recommendation == "refer" and stored.as_of == date(2020, 5, 8)
    assert stored.inputs["subject"]["key"] == "APP-REDACTED-1"
    again = reproduce(stored)
    assert again.recommendation == result.assessment.recommendation
    assert again.indicators == result.assessment.indicators
    assert verify(case.reader).ok


def test_cli_reproduce_after_the_registry_changed(case, cli, tmp_path):
    result = assess(case.uow(), person("system"), "APP-REDACTED-3", date(2020, 9, 14))
    news = tmp_path / "news"
    news.mkdir()
    (news / "transfers.csv").write_text("supplier_id,recipient_id,recipient_country,item,reported_on,source\n"
                                        "baykar,,QA,drones,2020-01-01,later report of an earlier sale\n",
                                        encoding="utf-8")
    import_folder(case.uow(), person("tester"), news)
    out = cli.invoke(app, ["reproduce", str(result.id), "--format", "json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)[0]
    assert row["same"] is True and row["reproduced_recommendation"] == "deny"
    assert cli.invoke(app, ["reproduce", "999999"]).exit_code == 1


def test_as_of_excludes_evidence_dated_later(case):
    for day in (date(2020, 5, 8), date(2020, 9, 14), date(2020, 10, 1)):
        data = assess(case.uow(), person("system"), "APP-REDACTED-1", day).to_dict()
        for ind in data["indicators"]:
            for ev in ind["evidence"]:
                assert ev["date"] is None or ev["date"] <= day.isoformat(), (day, ev)
    may = assess(case.uow(), person("system"), "APP-REDACTED-1", date(2020, 5, 8)).assessment
    october = assess(case.uow(), person("system"), "APP-REDACTED-1", date(2020, 10, 1)).assessment
    assert may.indicator("armed-conflict").severity.value == "none"
    assert october.indicator("armed-conflict").severity.value in ("high", "critical")


def test_unknown_application_is_not_found(case):
    with pytest.raises(NotFound):
        assess(case.uow(), person("system"), "APP-NOPE", date(2020, 5, 8))


def test_cli_assess_json_markdown_and_errors(case, cli):
    result = cli.invoke(app, ["assess", "APP-REDACTED-3", "--as-of", "2020-09-14", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["recommendation"] == "deny"
    assert len(data["indicators"]) == 7
    assert all({"code", "severity", "evidence", "date", "criteria", "summary"} <= set(i) for i in data["indicators"])
    assert all(c["indicators"] for c in data["conclusions"])
    md = cli.invoke(app, ["assess", "APP-REDACTED-1", "--as-of", "2020-05-08", "--format", "markdown"])
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# Assessment of application APP-REDACTED-1 as of 2020-05-08")
    assert "Exception relied on: NATO co-operation programs." in md.output
    table = cli.invoke(app, ["assess", "APP-REDACTED-1", "--as-of", "2020-05-08"])
    assert table.exit_code == 0 and "refer" in table.output
    missing = cli.invoke(app, ["assess", "APP-NOPE", "--as-of", "2020-05-08"])
    assert missing.exit_code == 1 and "APP-NOPE" in missing.output
    bad = cli.invoke(app, ["assess", "APP-REDACTED-1", "--as-of", "May 2020"])
    assert bad.exit_code != 0 and "--as-of" in bad.output


# --- decisions ---


def _status(ew, number: str) -> str:
    with ew.reader() as uow:
        return uow.applications.get(number).status.value


def test_plain_approval_needs_one_signature(small):
    d = decide(small.uow(), person("officer-a"), "A-CA", "approve", reason="no risk found", on=ON)
    # A-TR, same exporter and family, declares an end user in another state: conditions, not four eyes.
    assert (d.state, d.recommendation, d.needs_second) == ("final", "approve_with_conditions", False)
    assert _status(small, "A-CA") == "approved"
    check_may_issue(small.uow(), "A-CA")


def test_approval_under_exception_needs_justification_and_a_different_second_approver(small):
    with pytest.raises(InvalidInput) as exc:
        decide(small.uow(), person("officer-a"), "A-TR", "approve", reason="NATO programme", on=ON,
               exception="NATO co-operation programs")
    assert exc.value.problems[0].column == "justification"
    d = decide(small.uow(), person("officer-a"), "A-TR", "approve", reason="NATO programme", on=ON,
               exception="NATO co-operation programs", justification="goods for a NATO co-operation programme")
    assert (d.state, d.recommendation, d.needs_second) == ("awaiting_second", "refer", True)
    assert _status(small, "A-TR") == "on_hold"
    with pytest.raises(RuleViolation) as rv:
        check_may_issue(small.uow(), "A-TR")
    assert rv.value.rule == "four-eyes"
    with pytest.raises(RuleViolation):
        countersign(small.uow(), person("officer-a"), "A-TR", reason="me again", on=ON)
    signed = countersign(small.uow(), person("officer-b"), "A-TR", reason="agree", on=ON)
    assert (signed.state, signed.second_by) == ("countersigned", "officer-b")
    assert _status(small, "A-TR") == "approved"
    check_may_issue(small.uow(), "A-TR")
    with small.reader() as uow:
        actions = [e.action for e in uow.audit.for_entity("application", "A-TR")]
    assert "decision.approve" in actions and "decision.countersign" in actions
    assert verify(small.reader).ok


def test_deny_and_hold_and_final_applications(small):
    decide(small.uow(), person("officer-a"), "A-TR", "hold", reason="waiting for information", on=ON)
    assert _status(small, "A-TR") == "on_hold"
    decide(small.uow(), person("officer-a"), "A-TR", "deny", reason="presumption of denial", on=ON)
    assert _status(small, "A-TR") == "denied"
    with pytest.raises(RuleViolation):
        decide(small.uow(), person("officer-a"), "A-TR", "approve", reason="changed my mind", on=ON, justification="x")
    assert [d.decision for d in list_decisions(small.reader(), "A-TR")] == ["hold", "deny"]


def test_cli_decide_second_and_countersign(small, cli):
    tokens = tokens_for(small, officer_a=Role.APPROVER, officer_b=Role.APPROVER)
    as_a, as_b = {"ENDWATCH_TOKEN": tokens["officer-a"]}, {"ENDWATCH_TOKEN": tokens["officer-b"]}
    args = ["decide", "A-TR", "approve", "--reason", "NATO programme", "--exception",
            "NATO co-operation programs", "--on", "2020-06-01", "--format", "json"]
    missing = cli.invoke(app, args, env=as_a)
    assert missing.exit_code == 1 and "justification" in missing.output
    ok = cli.invoke(app, [*args, "--justification", "NATO co-operation programme"], env=as_a)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)[0]["state"] == "awaiting_second"
    same = cli.invoke(app, ["decide", "A-TR", "approve", "--second", "--reason", "ok", "--on", "2020-06-01"],
                      env=as_a)
    assert same.exit_code == 1 and "four-eyes" in same.output
    second = cli.invoke(app, ["decide", "A-TR", "approve", "--second", "--reason", "agree",
                              "--on", "2020-06-02", "--format", "json"], env=as_b)
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)[0]["second_by"] == "officer-b"
    listed = cli.invoke(app, ["decisions", "A-TR", "--format", "json"])
    assert json.loads(listed.output)[0]["state"] == "countersigned"
    hold = cli.invoke(app, ["decide", "A-CA", "hold", "--reason", "more documents"], env=as_a)
    assert hold.exit_code == 0, hold.output
    countersign_none = cli.invoke(app, ["countersign", "A-CA", "--reason", "x"], env=as_b)
    assert countersign_none.exit_code == 1 and "four-eyes" in countersign_none.output
