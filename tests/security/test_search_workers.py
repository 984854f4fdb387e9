"""The search rate limit holds across server processes: searches are counted in the store every worker
shares (the sign-in counts' store), so two servers on one database give a principal one allowance, not two;
the counting writes nothing to the audit trail (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.principals import person
from tests.security.test_signin_workers import servers
from tests.web.conftest import PASSWORD

from endwatch.bootstrap import Endwatch
from endwatch.services.accounts import users
from endwatch.web.errors import RateLimited
from endwatch.web.ratelimit import RateLimiter, search_key

LIMIT = 4


def search(port: int, token: str) -> tuple[int, dict[str, object], str | None]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/search?q=PERMIT",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return int(r.status), json.loads(r.read()), None
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read()), exc.headers.get("Retry-After")


def test_two_servers_share_one_allowance(ew: Endwatch, tmp_path: Path) -> None:
    tokens = {}
    for name in ("officer", "approver"):
        users.add_user(ew.uow(), person("fixture"), name, PASSWORD, "licensing_officer")
        tokens[name] = users.issue_token(ew.uow(), person("fixture"), name, "tests").secret
    with ew.reader() as uow:
        head = uow.audit.head()
    env = {**os.environ, "ENDWATCH_DATABASE_URL": ew.settings.effective_database_url,
           "ENDWATCH_HOME": str(ew.settings.home), "ENDWATCH_SEARCH_PER_MINUTE": str(LIMIT)}
    with servers(env, ["1", "1"]) as (a, b):
        # Alternating between the servers: neither sees more than half the searches, yet the limit holds.
        answers = [search((a, b)[i % 2], tokens["officer"])[0] for i in range(LIMIT)]
        assert answers == [200] * LIMIT
        for port in (a, b):
            status, body, retry = search(port, tokens["officer"])
            assert status == 429 and body["code"] == "rate_limited" and retry is not None and 1 <= int(retry) <= 60
        assert search(b, tokens["approver"])[0] == 200  # another principal has an allowance of its own
    with ew.reader() as uow:
        assert uow.audit.head() == head  # counted outside the audit trail
    counted = ew.signin_counts.keys()
    assert search_key("officer") in counted and "officer" not in counted  # a hash, never the name


def test_the_limiter_counts_in_the_shared_store(ew: Endwatch) -> None:
    """Two limiters (two workers) over the one store of the database see each other's searches."""
    one, two = RateLimiter(3, counts=ew.signin_counts), RateLimiter(3, counts=ew.signin_counts)
    one.check("someone")
    two.check("someone")
    one.check("someone")
    for limiter in (one, two):
        with pytest.raises(RateLimited, match="at most 3 a minute"):
            limiter.check("someone")
    two.check("someone else")
