"""`endwatch suspend|reinstate|revoke` from the command line (SQLite and PostgreSQL): --apply proposes,
`endwatch confirm` under a second person's token applies."""

from __future__ import annotations

import json

import pytest
from tests.conftest import tokens_for
from tests.integration.enforcement_world import before_suspension

from endwatch.cli import app
from endwatch.services.authz import Role


@pytest.fixture
def world(ew, tmp_path):
    return before_suspension(ew, tmp_path)


@pytest.fixture
def approver(ew):
    """The environment of a second person, an approver, for the second signature."""
    return {"ENDWATCH_TOKEN": tokens_for(ew, second_approver=Role.APPROVER)["second-approver"]}


def _proposed(result):
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["applied"] is False and data["proposed_by"] == "test-officer"
    return data["proposal"]


def _confirmed(cli, env, proposal):
    result = cli.invoke(app, ["confirm", str(proposal), "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


SCOPE = ["--consignee", "baykar", "--destination", "tr", "--on", "2020-10-05"]


def test_preview_only_without_apply(world, cli):
    result = cli.invoke(app, ["suspend", *SCOPE, "--hold-applications", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["applied"] is False
    assert {p["permit"] for p in data["permits"]} == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    assert {a["application"] for a in data["applications_on_hold"]} == {"APP-REDACTED-3", "APP-REDACTED-4"}
    table = cli.invoke(app, ["suspend", *SCOPE])
    assert table.exit_code == 0 and "preview only" in table.output and "PERMIT-" in table.output
    again = cli.invoke(app, ["suspend", *SCOPE, "--format", "json"])
    assert json.loads(again.output)["permits"], "the preview must not have written anything"


def test_apply_needs_reason_and_reference(world, cli):
    result = cli.invoke(app, ["suspend", *SCOPE, "--apply"])
    assert result.exit_code == 1
    assert "reason" in result.output and "reference" in result.output


def test_apply_proposes_and_a_second_person_confirms(world, cli, approver):
    proposal = _proposed(cli.invoke(app, ["suspend", *SCOPE, "--hold-applications", "--apply", "--reason",
                                          "allegations", "--reference", "Minister 2020-10-05", "--format", "json"]))
    still = cli.invoke(app, ["suspend", *SCOPE, "--format", "json"])
    assert len(json.loads(still.output)["permits"]) == 2, "a proposal applies nothing"
    listed = cli.invoke(app, ["proposals", "--format", "json"])
    assert [p["proposal"] for p in json.loads(listed.output)] == [proposal]
    done = _confirmed(cli, approver, proposal)
    assert done["status"] == "confirmed" and done["decided_by"] == "second-approver" and len(done["messages"]) == 1
    nothing = cli.invoke(app, ["suspend", *SCOPE, "--format", "json"])
    assert json.loads(nothing.output)["permits"] == []
    assert json.loads(cli.invoke(app, ["proposals", "--format", "json"]).output) == []
    back = cli.invoke(app, ["reinstate", "--product", "mx-15d-software", "--on", "2020-11-01", "--apply",
                            "--reason", "cleared", "--reference", "R-2"])
    assert back.exit_code == 0, back.output
    assert "proposed as proposal" in back.output and "endwatch confirm" in back.output
    table = cli.invoke(app, ["confirm", str(proposal + 1)], env=approver)
    assert table.exit_code == 0 and "applied" in table.output, table.output
    gone = _proposed(cli.invoke(app, ["revoke", "--exporter", "wescam", "--destination", "TR", "--on", "2021-04-12",
                                      "--apply", "--reason", "review", "--reference", "R-3", "--format", "json"]))
    assert len(_confirmed(cli, approver, gone)["permits"]) == 2


def test_refusal_names_the_rule_and_writes_nothing(world, cli, approver):
    _confirmed(cli, approver, _proposed(cli.invoke(app, ["suspend", *SCOPE, "--apply", "--reason", "r",
                                                         "--reference", "ref", "--format", "json"])))
    # revoking effective before the suspension would rewrite history
    result = cli.invoke(app, ["revoke", *SCOPE[:4], "--on", "2020-10-01", "--apply", "--reason", "r",
                              "--reference", "ref"])
    assert result.exit_code == 1
    assert "status-transition" in result.output and "nothing was written" in result.output


def test_empty_scope_and_bad_date_are_named(world, cli):
    result = cli.invoke(app, ["suspend"])
    assert result.exit_code == 1 and "--exporter" in result.output
    bad = cli.invoke(app, ["suspend", "--exporter", "wescam", "--on", "5/10/2020"])
    assert bad.exit_code != 0 and "--on" in bad.output


def test_reinstate_refuses_hold_applications(world, cli):
    result = cli.invoke(app, ["reinstate", *SCOPE, "--hold-applications"])
    assert result.exit_code != 0 and "--hold-applications" in result.output
