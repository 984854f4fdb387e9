"""Read-only questions about the registry, answered as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, Permit, PermitState, StatusChange
from endwatch.domain.policy import Policy
from endwatch.errors import NotFound
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class PermitView:
    """A permit as it stood on `as_of`: its state, the history known by then, the items delivered by then."""

    permit: Permit
    as_of: date
    state: PermitState
    history: tuple[StatusChange, ...]
    delivered: int


def view_of(permit: Permit, as_of: date, delivered: int) -> PermitView:
    """The permit as it stood on `as_of`, with `delivered` items delivered by then."""
    return PermitView(
        permit=permit,
        as_of=as_of,
        state=permit.state_on(as_of),
        history=tuple(h for h in permit.history if h.effective_on <= as_of),
        delivered=delivered,
    )


def permit_as_of(uow: UnitOfWork, number: str, as_of: date) -> PermitView:
    """One permit as of a date. Raises NotFound for an unknown number."""
    with uow:
        permit = uow.permits.get(number)
        if permit is None:
            raise NotFound("permit", number)
        delivered = uow.deliveries.count_for_permits([number], as_of).get(number, 0)
        return view_of(permit, as_of, delivered)


def permits_as_of(uow: UnitOfWork, as_of: date, *, include_future: bool = False) -> list[PermitView]:
    """Every permit as of a date; permits issued after it are left out unless asked for."""
    with uow:
        permits = [p for p in uow.permits.list() if include_future or p.issued_on <= as_of]
        counts = uow.deliveries.count_for_permits([p.number for p in permits], as_of)
        return [view_of(p, as_of, counts[p.number]) for p in permits]


def list_applications(uow: UnitOfWork) -> list[Application]:
    """Every application, by received date."""
    with uow:
        return uow.applications.list()


def list_parties(uow: UnitOfWork) -> list[Party]:
    """Every party, by id."""
    with uow:
        return uow.parties.list()


def list_policies(uow: UnitOfWork, country: str | None = None) -> list[Policy]:
    """Destination policies, optionally for one country."""
    with uow:
        return uow.policies.list(country)
