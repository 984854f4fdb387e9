"""Every enforcement decision on the command line takes two people (SQLite and PostgreSQL): `--apply` and
`endwatch permit status` propose, `endwatch confirm` under a second person's token applies. The proposer
cannot confirm, an administrator acting --on-behalf-of signs nothing, a service account signs nothing, and
every refusal writes nothing."""

from __future__ import annotations

import json

import pytest
from tests.conftest import tokens_for
from tests.integration.enforcement_world import before_suspension
from tests.principals import ADMIN

from endwatch.cli import app
from endwatch.services.accounts import users
from endwatch.services.authz import Role

SCOPE = ["--consignee", "baykar", "--on", "2020-10-05"]


@pytest.fixture
def world(ew, tmp_path):
    before_suspension(ew, tmp_path)
    tokens = tokens_for(ew, officer=Role.LICENSING_OFFICER, approver=Role.APPROVER, approver_b=Role.APPROVER)
    users.add_user(ew.uow(), ADMIN, "robot", None, Role.SERVICE.value, jobs=["notify.send"])
    tokens["robot"] = users.issue_token(ew.uow(), ADMIN, "robot", "tests").secret
    return ew, {name: {"ENDWATCH_TOKEN": t} for name, t in tokens.items()}


def _written(ew):
    with ew.reader() as uow:
        return ({p.number: p.history for p in uow.permits.list()}, uow.enforcement.actions(),
                [(p.id, p.status) for p in uow.proposals.list()], sum(1 for _ in uow.audit.entries()))


def _propose(cli, env, *args):
    r = cli.invoke(app, [*args, "--format", "json"] if args[0] != "permit" else list(args), env=env)
    assert r.exit_code == 0, r.output
    return r


def test_the_proposer_delegates_and_services_cannot_confirm(world, cli):
    ew, env = world
    r = _propose(cli, env["officer"], "suspend", *SCOPE, "--apply", "--reason", "allegations", "--reference", "M-1")
    proposal = str(json.loads(r.output)["proposal"])
    before = _written(ew)
    same = cli.invoke(app, ["confirm", proposal], env=env["officer"])
    assert same.exit_code == 1 and "may not enforcement.decide" in same.output, same.output
    mine = cli.invoke(app, ["suspend", *SCOPE, "--apply", "--reason", "r", "--reference", "M-2"], env=env["approver"])
    assert mine.exit_code == 0  # a second, separate proposal by the approver (not on a case)
    second = str(int(proposal) + 1)
    twice = cli.invoke(app, ["confirm", second], env=env["approver"])
    assert twice.exit_code == 1 and "refused by rule four-eyes" in twice.output, twice.output
    assert "proposed this decision" in twice.output
    # The administrator of the `cli` fixture acting on behalf of an approver supplies no signature.
    for args in (["confirm", proposal], ["reject", proposal, "--reason", "no"]):
        r = cli.invoke(app, ["--on-behalf-of", "approver-b", "--reason", "away", *args])
        assert r.exit_code == 1 and "refused by rule four-eyes" in r.output and "in person" in r.output, r.output
        robot = cli.invoke(app, args, env=env["robot"])
        assert robot.exit_code == 1 and "refused by rule four-eyes" in robot.output, robot.output
        assert "service account robot cannot sign" in robot.output
    proposed_for = cli.invoke(app, ["--on-behalf-of", "officer", "--reason", "away", "suspend", *SCOPE, "--apply",
                                    "--reason", "r", "--reference", "M-3"])
    assert proposed_for.exit_code == 1 and "refused by rule four-eyes" in proposed_for.output
    assert _written(ew)[:2] == before[:2]  # nothing applied by any of these
    done = cli.invoke(app, ["confirm", proposal, "--format", "json"], env=env["approver-b"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["decided_by"] == "approver-b"
    again = cli.invoke(app, ["confirm", proposal], env=env["approver"])
    assert again.exit_code == 1 and "refused by rule proposal-decided" in again.output
    # The approver's own proposal now concerns no permit (they are suspended): confirming it is refused.
    late = cli.invoke(app, ["confirm", second], env=env["approver-b"])
    assert late.exit_code == 1 and "no permit in scope" in late.output, late.output


def test_a_single_permit_status_is_proposed_then_confirmed_or_rejected(world, cli):
    ew, env = world
    r = _propose(cli, env["officer"], "permit", "status", "PERMIT-REDACTED-1", "--status", "suspended", "--on",
                 "2020-10-05", "--reason", "allegations", "--reference", "M-1")
    assert "proposed as proposal 1" in r.output
    shown = json.loads(cli.invoke(app, ["permit", "show", "PERMIT-REDACTED-1", "--as-of", "2020-10-06",
                                        "--format", "json"]).output)
    assert shown["state"] == "in_force"
    listed = json.loads(cli.invoke(app, ["proposals", "--format", "json"]).output)
    assert [(p["proposal"], p["permits"], p["scope"]) for p in listed] == [(1, ["PERMIT-REDACTED-1"],
                                                                           "permits: PERMIT-REDACTED-1")]
    rejected = cli.invoke(app, ["reject", "1", "--reason", "not yet"], env=env["approver"])
    assert rejected.exit_code == 0 and "rejected" in rejected.output
    _propose(cli, env["officer"], "permit", "status", "PERMIT-REDACTED-1", "--status", "suspended", "--on",
             "2020-10-05", "--reason", "allegations", "--reference", "M-1")
    foreign = cli.invoke(app, ["withdraw", "2"], env=env["approver"])
    assert foreign.exit_code == 1 and "may withdraw" in foreign.output
    done = cli.invoke(app, ["confirm", "2"], env=env["approver"])
    assert done.exit_code == 0, done.output
    shown = json.loads(cli.invoke(app, ["permit", "show", "PERMIT-REDACTED-1", "--as-of", "2020-10-06",
                                        "--format", "json"]).output)
    assert shown["state"] == "suspended"
    every = json.loads(cli.invoke(app, ["proposals", "--all", "--format", "json"]).output)
    assert [(p["proposal"], p["status"]) for p in every] == [(1, "rejected"), (2, "confirmed")]
    with ew.reader() as uow:
        audited = [(e.action, e.entity, e.entity_key, e.actor) for e in uow.audit.entries()
                   if e.action.startswith("enforcement.") and e.action != "enforcement.suspend"]
    assert audited == [("enforcement.propose", "proposal", "1", "officer"),
                       ("enforcement.reject", "proposal", "1", "approver"),
                       ("enforcement.propose", "proposal", "2", "officer"),
                       ("enforcement.confirm", "proposal", "2", "approver")]


def test_unknown_proposal_and_missing_reference(world, cli):
    _, env = world
    r = cli.invoke(app, ["confirm", "99"], env=env["approver"])
    assert r.exit_code == 1 and "not found" in r.output
    r = cli.invoke(app, ["permit", "status", "PERMIT-REDACTED-1", "--status", "suspended", "--on", "2020-10-05",
                         "--reason", "r"], env=env["officer"])
    assert r.exit_code == 1 and "reference" in r.output and "nothing was written" in r.output
    r = cli.invoke(app, ["permit", "status", "NOPE", "--status", "suspended", "--on", "2020-10-05",
                         "--reason", "r", "--reference", "x"], env=env["officer"])
    assert r.exit_code == 1 and "not found" in r.output


def test_one_open_approval_per_application(world, cli):
    ew, env = world
    tokens = tokens_for(ew, approver_c=Role.APPROVER)
    decide = ["decide", "APP-REDACTED-3", "approve", "--reason", "r", "--justification", "stated", "--on",
              "2020-10-02"]
    first = cli.invoke(app, decide, env=env["approver"])
    assert first.exit_code == 0 and "second" in first.output, first.output
    for who in ({"ENDWATCH_TOKEN": tokens["approver-c"]}, env["approver-b"]):
        again = cli.invoke(app, decide, env=who)
        assert again.exit_code == 1 and "refused by rule decision-pending" in again.output, again.output
        assert "awaits a second approver" in again.output and "nothing was written" in again.output
    listed = json.loads(cli.invoke(app, ["decisions", "APP-REDACTED-3", "--format", "json"]).output)
    assert [(d["decided_by"], d["state"]) for d in listed] == [("approver", "awaiting_second")]
    signed = cli.invoke(app, ["countersign", "APP-REDACTED-3", "--reason", "agree", "--on", "2020-10-02"],
                        env=env["approver-b"])
    assert signed.exit_code == 0, signed.output
