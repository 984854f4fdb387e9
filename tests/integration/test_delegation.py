"""`endwatch --on-behalf-of USER --reason TEXT ...` on both databases: only an administrator, in person;
USER's role and company apply; the audit trail names both; never a signature of a four-eyes decision."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from tests.conftest import tokens_for
from tests.integration.enforcement_world import SUSPENDED_ON, diverted
from tests.integration.test_assessment_service import small  # noqa: F401  (the fixture)
from tests.principals import ADMIN, person

from endwatch.cli import app
from endwatch.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from endwatch.services.accounts import users
from endwatch.services.accounts.delegation import act_on_behalf
from endwatch.services.audit.verify import verify
from endwatch.services.authz import Role
from endwatch.services.enforcement import proposals

PARTY = ["party", "add", "acme", "--name", "Acme", "--kind", "company", "--country", "CA"]


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _entries(ew, entity: str) -> list[tuple[str, str | None, str]]:
    with ew.engine.connect() as conn:
        rows = conn.execute(sa.text("select actor, delegate, reason from audit_log where entity = :e order by seq"),
                            {"e": entity})
        return [(r.actor, r.delegate, r.reason) for r in rows]


def test_an_administrator_acts_on_behalf_and_the_trail_names_both(ew, cli):
    tokens_for(ew, officer=Role.LICENSING_OFFICER)
    r = cli.invoke(app, ["--on-behalf-of", "officer", "--reason", "asked by telephone, ticket 42", *PARTY])
    assert r.exit_code == 0, r.output
    [(actor, delegate, reason)] = _entries(ew, "party")
    assert (actor, delegate) == ("officer", "test-officer")
    assert "on behalf of officer by test-officer: asked by telephone, ticket 42" in reason
    assert verify(ew.reader).ok  # the delegate is covered by the entry's hash
    me = json.loads(cli.invoke(app, ["--on-behalf-of", "officer", "--reason", "checking", "whoami",
                                     "--format", "json"]).stdout)[0]
    assert (me["username"], me["role"], me["delegate"], me["delegate_reason"]) == (
        "officer", "licensing_officer", "test-officer", "checking")


def test_the_persons_role_applies_not_the_administrators(ew, cli):
    tokens_for(ew, aud=Role.AUDITOR)
    r = cli.invoke(app, ["--on-behalf-of", "aud", "--reason", "x", *PARTY])
    assert r.exit_code == 1
    assert "aud (auditor), on whose behalf test-officer acts, may not parties.write" in r.output
    assert _entries(ew, "party") == []


def test_only_an_administrator_may_act_on_behalf(ew, cli):
    tokens = tokens_for(ew, officer=Role.LICENSING_OFFICER, approver=Role.APPROVER)
    r = cli.invoke(app, ["--on-behalf-of", "approver", "--reason", "x", *PARTY],
                   env={"ENDWATCH_TOKEN": tokens["officer"]})
    assert r.exit_code == 1 and "only an administrator may act on behalf of another user" in r.output
    assert r.output.count("\n") == 1
    assert _entries(ew, "party") == []
    # An administrator acting for someone cannot pass the delegation on.
    delegated = act_on_behalf(ew.reader(), person("test-officer"), "officer", "x")
    with pytest.raises(Forbidden):
        act_on_behalf(ew.reader(), delegated, "approver", "y")


def test_who_may_be_acted_for_and_the_reason_is_required(ew, cli):
    tokens_for(ew, gone=Role.AUDITOR)
    users.set_active(ew.uow(), ADMIN, "gone", False)
    users.add_user(ew.uow(), ADMIN, "robot", None, Role.SERVICE.value, jobs=["notify.send"])
    for user, message in (("nobody", "user 'nobody' not found"), ("gone", "refused by rule user-active"),
                          ("robot", "robot is a service account"),
                          ("test-officer", "you act in your own name")):
        r = cli.invoke(app, ["--on-behalf-of", user, "--reason", "x", *PARTY])
        assert r.exit_code == 1 and message in r.output, (user, r.output)
    missing = cli.invoke(app, ["--on-behalf-of", "gone", *PARTY])  # the command's own --reason is not it
    assert missing.exit_code == 2 and "say why you act on their behalf" in missing.output
    tokens_for(ew, here=Role.AUDITOR)
    with pytest.raises(InvalidInput):
        act_on_behalf(ew.reader(), person("test-officer"), "here", "  ")
    with pytest.raises(NotFound):
        act_on_behalf(ew.reader(), person("test-officer"), "nobody", "x")
    assert _entries(ew, "party") == []


def test_no_signature_of_a_licensing_decision_on_someones_behalf(small, cli):  # noqa: F811
    tokens_for(small, approver_a=Role.APPROVER, approver_b=Role.APPROVER)
    for_a = ["--on-behalf-of", "approver-a", "--reason", "away"]
    decide = ["decide", "A-TR", "approve", "--reason", "NATO", "--exception", "NATO co-operation programs",
              "--justification", "NATO programme", "--on", "2020-06-01"]
    refused = cli.invoke(app, [*for_a, *decide])
    assert refused.exit_code == 1 and "refused by rule four-eyes" in refused.output
    assert "test-officer cannot sign" in refused.output and "in person" in refused.output
    signed = cli.invoke(app, decide, env={"ENDWATCH_TOKEN": tokens_for(small, approver_c=Role.APPROVER)["approver-c"]})
    assert signed.exit_code == 0, signed.output  # awaiting its second signature
    for args in (["countersign", "A-TR", "--reason", "agree", "--on", "2020-06-02"],
                 ["decide", "A-TR", "approve", "--second", "--reason", "agree", "--on", "2020-06-02"]):
        r = cli.invoke(app, [*for_a, *args])
        assert r.exit_code == 1 and "refused by rule four-eyes" in r.output, r.output
    listed = json.loads(cli.invoke(app, ["decisions", "A-TR", "--format", "json"]).output)
    assert [(d["decided_by"], d["state"], d["second_by"]) for d in listed] == [("approver-c", "awaiting_second", None)]


def test_no_signature_of_an_enforcement_decision_on_someones_behalf(ew, cli, tmp_path):
    case_id = diverted(ew, tmp_path)
    tokens_for(ew, officer=Role.LICENSING_OFFICER, approver=Role.APPROVER)
    suspend = ["suspend", "--case", case_id, "--on", SUSPENDED_ON.isoformat(), "--reason", "r",
               "--reference", "M-1", "--apply"]
    r = cli.invoke(app, ["--on-behalf-of", "approver", "--reason", "away", *suspend])
    assert r.exit_code == 1 and "refused by rule four-eyes" in r.output, r.output
    admin = person("test-officer")
    for_officer = act_on_behalf(ew.reader(), admin, "officer", "away")
    for_approver = act_on_behalf(ew.reader(), admin, "approver", "away")
    with pytest.raises(RuleViolation) as propose:
        proposals.propose(ew.uow(), for_officer, case_id, "suspend", SUSPENDED_ON, "r", "M-1")
    assert propose.value.rule == "four-eyes"
    proposed = proposals.propose(ew.uow(), person("officer", Role.LICENSING_OFFICER), case_id, "suspend",
                                 SUSPENDED_ON, "r", "M-1")
    for sign in (lambda: proposals.confirm(ew.uow(), for_approver, case_id, proposed.id),
                 lambda: proposals.reject(ew.uow(), for_approver, case_id, proposed.id, "no")):
        with pytest.raises(RuleViolation) as exc:
            sign()
        assert exc.value.rule == "four-eyes"
    assert proposals.get_proposal(ew.reader(), case_id, proposed.id).status.value == "proposed"
