"""Demo accounts for the bundled case: one per role, with passwords documented in the README (a demo database only)."""

from __future__ import annotations

from collections.abc import Callable

from endwatch.services.accounts import users
from endwatch.services.authz import Principal, Role
from endwatch.services.system.demo import require_demo
from endwatch.services.uow import UnitOfWork

# (username, role, party) — the exporter belongs to the reference case's exporter.
DEMO_ACCOUNTS: tuple[tuple[str, Role, str | None], ...] = (
    ("admin", Role.ADMINISTRATOR, None),
    ("officer", Role.LICENSING_OFFICER, None),
    ("approver", Role.APPROVER, None),
    ("investigator", Role.INVESTIGATOR, None),
    ("exporter", Role.EXPORTER, "wescam"),
    ("auditor", Role.AUDITOR, None),
)


def demo_password(username: str) -> str:
    """The demo password of a demo account (public knowledge: for the demo database only)."""
    return f"{username}-demo-pass"


def ensure_demo_accounts(uow_factory: Callable[[], UnitOfWork], principal: Principal) -> list[str]:
    """Create every missing demo account (the exporter only if its company is in the registry);
    returns the names of the demo accounts that exist afterwards. Their passwords are published, so this
    works only on a demonstration database (RuleViolation `demo-database` otherwise, nothing written)."""
    require_demo(uow_factory(), "the demo accounts (published passwords) are made")
    existing = {u.username for u in users.list_users(uow_factory())}
    names: list[str] = []
    for username, role, party in DEMO_ACCOUNTS:
        if username not in existing:
            if party is not None:
                with uow_factory() as uow:
                    if uow.parties.get(party) is None:
                        continue
            users.add_user(uow_factory(), principal, username, demo_password(username), role.value, party)
        names.append(username)
    return names
