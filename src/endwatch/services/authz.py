"""The single authorisation policy: which role may do which action, and which records it may see.

Every entry point (API and pages) asks this module and nothing else. Two questions:
- `permits(role, action)`: may this role perform this kind of action at all?
- record level: an exporter sees only records whose exporter is its own company (`may_see_exporter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from endwatch.errors import Forbidden, NotFound


class Role(StrEnum):
    """Who a user is to endwatch. `public` is anyone without an account."""

    ADMINISTRATOR = "administrator"
    LICENSING_OFFICER = "licensing_officer"
    APPROVER = "approver"
    INVESTIGATOR = "investigator"
    EXPORTER = "exporter"
    AUDITOR = "auditor"
    PUBLIC = "public"


class Action(StrEnum):
    """A kind of thing a user can ask for. Reads are separate from writes so auditors can read everything."""

    TRANSPARENCY_READ = "transparency.read"
    DASHBOARD_READ = "dashboard.read"
    PARTIES_READ = "parties.read"
    PRODUCTS_READ = "products.read"
    POLICIES_READ = "policies.read"
    APPLICATIONS_READ = "applications.read"
    PERMITS_READ = "permits.read"
    DELIVERIES_READ = "deliveries.read"
    TRACE = "trace"
    AUDIT_READ = "audit.read"
    SIGHTINGS_READ = "sightings.read"
    SIGHTINGS_WRITE = "sightings.write"
    CASES_READ = "cases.read"
    CASES_WRITE = "cases.write"
    ASSESSMENTS_READ = "assessments.read"
    INQUIRIES_READ = "inquiries.read"
    INQUIRIES_ANSWER = "inquiries.answer"
    APPLICATIONS_SUBMIT = "applications.submit"
    APPLICATIONS_DECIDE = "applications.decide"
    PERMITS_WRITE = "permits.write"
    # A case's enforcement decision takes two people: one proposes it, a different one confirms (or rejects) it.
    ENFORCEMENT_PROPOSE = "enforcement.propose"
    ENFORCEMENT_DECIDE = "enforcement.decide"
    USERS_MANAGE = "users.manage"


_A = Action
_EVERY_READ = frozenset(a for a in Action if a.value.endswith(".read") or a is Action.TRACE)
_REGISTRY_READ = frozenset({
    _A.TRANSPARENCY_READ, _A.DASHBOARD_READ, _A.PARTIES_READ, _A.PRODUCTS_READ, _A.POLICIES_READ,
    _A.PERMITS_READ, _A.DELIVERIES_READ, _A.TRACE,
})

# The whole policy in one table. Anything not listed is refused.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PUBLIC: frozenset({_A.TRANSPARENCY_READ}),
    Role.EXPORTER: frozenset({
        _A.TRANSPARENCY_READ, _A.DASHBOARD_READ, _A.PRODUCTS_READ, _A.POLICIES_READ,
        _A.APPLICATIONS_READ, _A.PERMITS_READ, _A.DELIVERIES_READ, _A.APPLICATIONS_SUBMIT,
        _A.INQUIRIES_READ, _A.INQUIRIES_ANSWER,
    }),
    Role.INVESTIGATOR: _REGISTRY_READ | {
        _A.SIGHTINGS_READ, _A.SIGHTINGS_WRITE, _A.CASES_READ, _A.CASES_WRITE, _A.INQUIRIES_READ,
    },
    # An officer prepares decisions but takes none alone: a permit's status (suspend, reinstate, revoke,
    # cancel) is changed by an approver, and a case's decision by an approver confirming what another
    # person proposed (the four-eyes rule of services/enforcement/proposals.py).
    Role.LICENSING_OFFICER: _REGISTRY_READ | {
        _A.APPLICATIONS_READ, _A.ASSESSMENTS_READ, _A.SIGHTINGS_READ, _A.CASES_READ,
        _A.APPLICATIONS_SUBMIT, _A.INQUIRIES_READ, _A.ENFORCEMENT_PROPOSE,
    },
    Role.APPROVER: _REGISTRY_READ | {
        _A.APPLICATIONS_READ, _A.ASSESSMENTS_READ, _A.SIGHTINGS_READ, _A.CASES_READ, _A.PERMITS_WRITE,
        _A.APPLICATIONS_DECIDE, _A.INQUIRIES_READ, _A.ENFORCEMENT_PROPOSE, _A.ENFORCEMENT_DECIDE,
    },
    Role.AUDITOR: _EVERY_READ,
    Role.ADMINISTRATOR: frozenset(Action),
}

# Roles an account can have (public is the absence of an account).
ACCOUNT_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user, or the public."""

    username: str
    role: Role
    party_id: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC


PUBLIC = Principal("", Role.PUBLIC)


def permits(role: Role, action: Action) -> bool:
    """True when the role may perform the action at all (record-level limits still apply)."""
    return action in PERMISSIONS.get(role, frozenset())


def require(principal: Principal, action: Action) -> None:
    """Raise Forbidden unless the principal's role may perform the action."""
    if not permits(principal.role, action):
        who = "the public" if principal.is_public else f"role {principal.role.value}"
        raise Forbidden(f"{who} may not {action.value}")


def may_see_exporter(principal: Principal, exporter_id: str) -> bool:
    """Record-level rule: exporters see only their own company's applications, permits and deliveries."""
    if principal.role is Role.EXPORTER:
        return principal.party_id is not None and exporter_id == principal.party_id
    return True


T = TypeVar("T")


def visible(principal: Principal, records: Iterable[T], exporter_of: Callable[[T], str]) -> list[T]:
    """The records the principal may see, in their order."""
    return [r for r in records if may_see_exporter(principal, exporter_of(r))]


def company_scope(principal: Principal) -> str | None:
    """The company an exporter's view is limited to; None for roles that see every company's records."""
    return principal.party_id if principal.role is Role.EXPORTER else None


def check_may_act_for(principal: Principal, exporter_id: str) -> None:
    """Raise Forbidden when an exporter acts (e.g. submits an application) for another company."""
    if not may_see_exporter(principal, exporter_id):
        raise Forbidden(f"an exporter account may act only for its own company ({principal.party_id})")


def check_visible(principal: Principal, kind: str, key: str, exporter_id: str) -> None:
    """Raise NotFound (not Forbidden, so existence is not disclosed) when the record is not the principal's."""
    if not may_see_exporter(principal, exporter_id):
        raise NotFound(kind, key)
