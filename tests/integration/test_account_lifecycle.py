"""Accounts from the first to the last, on both databases: the first administrator made without a principal
(only while there is no account), disabling that revokes tokens and sessions for good, expiring tokens on
the API too, and the demonstration database that alone takes the demo."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from tests.conftest import FIXED_NOW, tokens_for
from tests.principals import ADMIN

from endwatch.cli import app
from endwatch.errors import RuleViolation
from endwatch.services.accounts import users
from endwatch.services.accounts.first_administrator import add_first_administrator
from endwatch.services.authz import Role
from endwatch.services.system.demo import claim_for_demo, is_demo
from endwatch.web.app import create_app
from endwatch_demo.replay import REPLAYER


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _audit(ew) -> list[tuple[str, str, str, str]]:
    with ew.engine.connect() as conn:
        rows = conn.execute(sa.text("select actor, action, entity, entity_key from audit_log order by seq"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_the_first_administrator_needs_no_principal_only_on_an_empty_account_table(ew, anonymous_cli):
    init = anonymous_cli.invoke(app, ["init"])
    assert "create the first administrator with `endwatch user add NAME --role administrator`" in init.output
    person = anonymous_cli.invoke(app, ["user", "add", "olga", "--role", "auditor", "--password-stdin"],
                                  input="long enough\n")
    assert person.exit_code == 1 and "endwatch login" in person.output  # only an administrator comes first
    first = anonymous_cli.invoke(app, ["user", "add", "root", "--role", "administrator", "--password-stdin"],
                                 input="root's password\n")
    assert first.exit_code == 0, first.output
    assert "first administrator added" in first.output and "endwatch login root" in first.output
    assert _audit(ew) == [("root", "user.add", "user", "root")]  # the new administrator creating itself
    second = anonymous_cli.invoke(app, ["user", "add", "eve", "--role", "administrator", "--password-stdin"],
                                  input="eve's password\n")
    assert second.exit_code == 1 and second.output.count("\n") == 1
    assert "sign in with `endwatch login`" in second.output
    with pytest.raises(RuleViolation) as exc:
        add_first_administrator(ew.uow(), "eve", "eve's password")
    assert exc.value.rule == "first-administrator"
    assert [u.username for u in users.list_users(ew.reader())] == ["root"]
    assert "create the first administrator" not in anonymous_cli.invoke(app, ["init"]).output
    # Signed in, the administrator adds the others.
    assert anonymous_cli.invoke(app, ["login", "root", "--password-stdin"], input="root's password\n").exit_code == 0
    added = anonymous_cli.invoke(app, ["user", "add", "eve", "--role", "administrator", "--password-stdin"],
                                 input="eve's password\n")
    assert added.exit_code == 0 and "user added" in added.output


def test_two_first_administrators_at_once_make_one(ew):
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def create(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = add_first_administrator(ew.uow(), f"root{i}", "a long password")
        except Exception as exc:  # collected and asserted on below
            outcomes[i] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 1 and refused[0].rule == "first-administrator", outcomes
    assert len(users.list_users(ew.reader())) == 1


def test_disabling_revokes_tokens_and_sessions_for_good(ew, anonymous_cli):
    users.add_user(ew.uow(), ADMIN, "inv", "long enough", Role.INVESTIGATOR.value)
    api_token = users.issue_token(ew.uow(), ADMIN, "inv", "ci")
    web = users.start_session(ew.uow(), users.authenticate(ew.reader(), "inv", "long enough"))
    assert anonymous_cli.invoke(app, ["login", "inv", "--password-stdin"], input="long enough\n").exit_code == 0
    users.set_active(ew.uow(), ADMIN, "inv", True)  # enabling an account that is enabled revokes nothing
    assert users.principal_for_token(ew.reader(), api_token.secret).username == "inv"
    users.set_active(ew.uow(), ADMIN, "inv", False)
    ended = anonymous_cli.invoke(app, ["whoami"])
    assert ended.exit_code == 1 and "session" in ended.output and "has ended" in ended.output
    users.set_active(ew.uow(), ADMIN, "inv", True)  # enabling again revives none of them
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(ew.reader(), api_token.secret)
    with pytest.raises(users.AuthenticationFailed):
        users.session_for(ew.reader(), web.cookie)
    assert anonymous_cli.invoke(app, ["whoami"]).exit_code == 1
    tokens = users.tokens_of(ew.reader(), "inv")
    assert len(tokens) == 2 and all(t.revoked_at is not None for t in tokens)
    disabled = [e for e in _audit(ew) if e[1] == "user.disable"]  # (the enables revoked nothing)
    assert disabled == [("test-admin", "user.disable", "user", "inv")]
    with ew.engine.connect() as conn:
        query = sa.text('select "after" from audit_log where action = :a')
        after = conn.execute(query, {"a": "user.disable"}).scalar_one()
    assert sorted(json.loads(after)["tokens_revoked"]) == sorted(t.id for t in tokens)
    # The account itself works again: its holder signs in anew.
    assert anonymous_cli.invoke(app, ["login", "inv", "--password-stdin"], input="long enough\n").exit_code == 0
    assert anonymous_cli.invoke(app, ["whoami"]).exit_code == 0


def test_an_expiring_token_stops_working_on_the_api_even_when_cached(ew):
    users.add_user(ew.uow(), ADMIN, "aud", "long enough", Role.AUDITOR.value)
    issued = users.issue_token(ew.uow(), ADMIN, "aud", "a session", timedelta(hours=1))
    headers = {"Authorization": f"Bearer {issued.secret}"}
    with TestClient(create_app(ew.settings, endwatch=ew), base_url="https://testserver") as client:
        assert client.get("/api/v1/permits", headers=headers).status_code == 200
        assert client.get("/api/v1/permits", headers=headers).status_code == 200  # now from the cache
        ew.clock = lambda: FIXED_NOW + timedelta(hours=1)
        expired = client.get("/api/v1/permits", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_the_demo_takes_only_an_empty_or_demonstration_database(ew, cli):
    # `cli` made an account (test-officer): this database holds records, so the demo refuses it.
    with ew.engine.connect() as conn:
        before = conn.execute(sa.text("select count(*) from audit_log")).scalar_one()
    refused = cli.invoke(app, ["demo"])
    assert refused.exit_code == 1 and "refused by rule demo-database" in refused.output
    assert "load the demo into a new database" in refused.output
    with ew.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from audit_log")).scalar_one() == before
        assert conn.execute(sa.text("select count(*) from parties")).scalar_one() == 0
    assert not is_demo(ew.reader())


def test_an_empty_database_is_claimed_once(ew):
    assert not is_demo(ew.reader())
    assert claim_for_demo(ew.uow(), REPLAYER) is True
    assert claim_for_demo(ew.uow(), REPLAYER) is False  # already a demonstration: accepted as it is
    assert is_demo(ew.reader())
    assert _audit(ew) == [("endwatch-demo", "system.demo", "system", "demonstration")]


def test_user_token_is_ones_own_or_an_administrators_for_another(ew, cli):
    as_officer = {"ENDWATCH_TOKEN": tokens_for(ew, officer=Role.LICENSING_OFFICER, approver=Role.APPROVER)["officer"]}
    own = cli.invoke(app, ["user", "token", "officer", "--format", "json"], env=as_officer)
    assert own.exit_code == 0, own.output
    another = cli.invoke(app, ["user", "token", "approver"], env=as_officer)
    assert another.exit_code == 1 and "officer (licensing_officer) may not users.manage" in another.output
    by_admin = cli.invoke(app, ["user", "token", "approver", "--format", "json"])  # the administrator's
    assert by_admin.exit_code == 0, by_admin.output
    assert "your own, or, as an administrator, another user's" in cli.invoke(app, ["user", "token", "--help"]).output
    mine = json.loads(own.output)[0]["id"]
    theirs = json.loads(by_admin.output)[0]["id"]
    assert cli.invoke(app, ["user", "revoke", theirs], env=as_officer).exit_code == 1  # not found, to the officer
    assert cli.invoke(app, ["user", "revoke", mine], env=as_officer).exit_code == 0
