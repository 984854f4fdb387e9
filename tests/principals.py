"""Who tests act as: principals of the one authorisation policy (services/authz), made without accounts.

Services check what a principal may do, not whether its account exists (entry points resolve accounts
to principals), so a test names the person and role it needs.
"""

from __future__ import annotations

from endwatch.services.authz import Action, Principal, Role


def person(username: str, role: Role = Role.ADMINISTRATOR, party_id: str | None = None) -> Principal:
    """A person with a role (an administrator unless said otherwise)."""
    return Principal(username, role, party_id)


def service(username: str, *jobs: Action) -> Principal:
    """A service account that may run only the given jobs."""
    return Principal(username, Role.SERVICE, jobs=frozenset(jobs))


ADMIN = person("test-admin")
NOTIFIER = service("endwatch-notify", Action.NOTIFY_SEND)
