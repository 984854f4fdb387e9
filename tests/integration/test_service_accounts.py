"""Service accounts on both databases: created with their jobs (authz.JOBS only), no password, shown in
`user list`; a scheduled job runs under such an account's token and can do that job and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from tests.principals import ADMIN

from endwatch.cli import app
from endwatch.errors import InvalidInput
from endwatch.services.accounts import users
from endwatch.services.authz import Action, Role

SCREENING_LIST = Path(__file__).resolve().parents[2] / "src/endwatch_demo/data/screening/sample-list.jsonl"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _service_token(cli, name: str, *jobs: str) -> str:  # type: ignore[no-untyped-def]
    """Create a service account through the CLI (as the administrator) and issue its token."""
    args = ["user", "add", name, "--role", "service"] + [a for j in jobs for a in ("--job", j)]
    added = cli.invoke(app, args)
    assert added.exit_code == 0, added.output
    issued = cli.invoke(app, ["user", "token", name, "--label", "scheduler", "--format", "json"])
    assert issued.exit_code == 0, issued.output
    token: str = json.loads(issued.output)[0]["token"]
    return token


def test_service_accounts_have_jobs_and_no_password(ew, cli):
    _service_token(cli, "jobs", "notify.send", "detection.run")
    listed = json.loads(cli.invoke(app, ["user", "list", "--format", "json"]).output)
    assert {u["username"]: (u["role"], u["jobs"]) for u in listed}["jobs"] == ("service",
                                                                              ["detection.run", "notify.send"])
    table = cli.invoke(app, ["user", "list"]).output
    assert "detection.run" in table and "notify.send" in table
    p = users.principal_of(next(u for u in users.list_users(ew.reader()) if u.username == "jobs"))
    assert p.role is Role.SERVICE and p.jobs == frozenset({Action.NOTIFY_SEND, Action.DETECTION_RUN})
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(ew.reader(), "jobs", "")


def test_service_account_jobs_are_checked(ew, cli):
    for args, problem in (
        (["user", "add", "s1", "--role", "service"], "at least one job"),
        (["user", "add", "s2", "--role", "service", "--job", "applications.decide"], "not a job"),
        (["user", "add", "s3", "--role", "auditor", "--job", "notify.send", "--password-stdin"], "only service"),
    ):
        r = cli.invoke(app, args, input="long enough\n")
        assert r.exit_code == 1 and problem in r.output, (args, r.output)
    with pytest.raises(InvalidInput) as exc:
        users.add_user(ew.uow(), ADMIN, "s4", "a password too", Role.SERVICE.value, jobs=["notify.send"])
    assert [p.column for p in exc.value.problems] == ["password"]
    assert [u.username for u in users.list_users(ew.reader())] == ["test-officer"]


def test_each_scheduled_job_runs_under_its_service_token_and_nothing_else(case, cli, tmp_path):
    tokens = {job: _service_token(cli, name, job) for name, job in (
        ("detector", "detection.run"), ("reassessor", "assessments.run"), ("screener", "evidence.load"),
        ("notifier", "notify.send"))}
    jobs = {
        "detection.run": ["detect", "--format", "json"],
        "assessments.run": ["reassess", "--as-of", "2020-10-10", "--format", "json"],
        "evidence.load": ["screening", "load", str(SCREENING_LIST), "--listed-on", "2020-10-10"],
        "notify.send": ["notify", "send", "--once"],
    }
    for job, args in jobs.items():
        ran = cli.invoke(app, args, env={"ENDWATCH_TOKEN": tokens[job]})
        assert ran.exit_code == 0, (job, ran.output)
        for other, other_args in jobs.items():
            if other != job:
                refused = cli.invoke(app, other_args, env={"ENDWATCH_TOKEN": tokens[job]})
                assert refused.exit_code == 1 and f"(service) may not {other}" in refused.output, (job, other)
    # Nothing beyond the jobs: no registry write, no decision, no token for anyone (not even itself).
    as_detector = {"ENDWATCH_TOKEN": tokens["detection.run"]}
    for args, why in ((["party", "add", "x", "--name", "X", "--kind", "company"], "may not parties.write"),
                      (["decide", "APP-REDACTED-3", "deny", "--reason", "r"], "service account detector cannot sign"),
                      (["user", "token", "detector"], "may not tokens.own")):
        refused = cli.invoke(app, args, env=as_detector)
        assert refused.exit_code == 1 and why in refused.output, refused.output
    with case.engine.connect() as conn:
        actors = set(conn.execute(sa.text("select actor from audit_log where action = 'detect.run'")).scalars())
    assert actors == {"detector"}
