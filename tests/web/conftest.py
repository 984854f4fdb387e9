"""Web fixtures: the application over the reference case, one account and API token per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.services.accounts import users
from endwatch.services.authz import Role
from endwatch.web.app import create_app

PASSWORD = "test-password-1"
# username -> (role, company for exporters). `rival` is an exporter of another company.
ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMINISTRATOR, None),
    "officer": (Role.LICENSING_OFFICER, None),
    "approver": (Role.APPROVER, None),
    "investigator": (Role.INVESTIGATOR, None),
    "exporter": (Role.EXPORTER, "wescam"),
    "rival": (Role.EXPORTER, "baykar"),
    "auditor": (Role.AUDITOR, None),
}


@dataclass
class Web:
    ew: Endwatch
    client: TestClient
    tokens: dict[str, str]

    def as_(self, username: str | None) -> dict[str, str]:
        """Headers acting as a user (None: the public)."""
        return {} if username is None else {"Authorization": f"Bearer {self.tokens[username]}"}

    def sign_in(self, username: str, password: str = PASSWORD) -> TestClient:
        """Sign this client in through the form, as a browser would."""
        c = self.client
        c.cookies.clear()
        page = c.get("/signin")
        token = re.search(r'name="signin_token" value="([^"]+)"', page.text)
        assert token, page.text
        r = c.post("/signin", data={"username": username, "password": password, "signin_token": token.group(1),
                                    "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for tests (the hash format and checks are the same)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@contextmanager
def web_over(ew: Endwatch) -> Iterator[Web]:
    """The application over `ew`, with one account and API token per role."""
    tokens: dict[str, str] = {}
    for name, (role, party) in ACCOUNTS.items():
        users.add_user(ew.uow(), person("fixture"), name, PASSWORD, role.value, party)
        tokens[name] = users.issue_token(ew.uow(), person("fixture"), name, "tests").secret
    app = create_app(ew.settings, endwatch=ew)
    # https: the session cookie is Secure, so a client on plain http would never send it back.
    with TestClient(app, base_url="https://testserver") as client:
        yield Web(ew, client, tokens)


@pytest.fixture
def web(case: Endwatch) -> Iterator[Web]:
    with web_over(case) as w:
        yield w
