"""`endwatch suspend|reinstate|revoke` from the command line (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from tests.integration.enforcement_world import before_suspension

from endwatch.cli import app


@pytest.fixture
def world(ew, tmp_path):
    return before_suspension(ew, tmp_path)


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


def test_apply_then_reinstate_and_revoke(world, cli):
    result = cli.invoke(app, ["suspend", *SCOPE, "--hold-applications", "--apply", "--reason", "allegations",
                              "--reference", "Minister 2020-10-05", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["applied"] is True and len(data["messages"]) == 1
    nothing = cli.invoke(app, ["suspend", *SCOPE, "--format", "json"])
    assert json.loads(nothing.output)["permits"] == []
    back = cli.invoke(app, ["reinstate", "--product", "mx-15d-software", "--on", "2020-11-01", "--apply",
                            "--reason", "cleared", "--reference", "R-2"])
    assert back.exit_code == 0, back.output
    assert "applied" in back.output
    gone = cli.invoke(app, ["revoke", "--exporter", "wescam", "--destination", "TR", "--on", "2021-04-12",
                            "--apply", "--reason", "review", "--reference", "R-3", "--format", "json"])
    assert gone.exit_code == 0, gone.output
    assert len(json.loads(gone.output)["permits"]) == 2


def test_refusal_names_the_rule_and_writes_nothing(world, cli):
    cli.invoke(app, ["suspend", *SCOPE, "--apply", "--reason", "r", "--reference", "ref"])
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
