"""Registry writes on parties: create or update one, its parent known and the hierarchy without cycles.

One transaction each: validated, written and audited, or refused with nothing written.
"""

from __future__ import annotations

from collections.abc import Callable

from endwatch.domain.parties import Party, would_cycle
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal, company_scope
from endwatch.services.gate import Write, write
from endwatch.services.text_rules import checked
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker

# What later areas do, in the same write, when a party is saved: screening screens it against the stored lists
# (the registry's use cases may not import those areas; bootstrap registers them with `on_party_saved`).
_SAVED: list[Callable[[Write, Party], None]] = []


def on_party_saved(hook: Callable[[Write, Party], None]) -> None:
    """Run `hook(write, party)` inside every party save, after the party is written (once per hook)."""
    if hook not in _SAVED:
        _SAVED.append(hook)


def _check_party(uow: UnitOfWork, party: Party) -> None:
    c = Checker()
    c.require("id", party.id)
    c.require("name", party.name)
    c.country("country", party.country, required=False)
    if party.parent_id:
        if uow.parties.get(party.parent_id) is None:
            c.fail("parent_id", f"unknown parent party {party.parent_id!r}")
        elif would_cycle(party.id, party.parent_id, uow.parties.parent_map()):
            c.fail("parent_id", f"making {party.parent_id!r} the parent of {party.id!r} would form a cycle")
    c.raise_if_any()


def save_party(uow: UnitOfWork, principal: Principal, party: Party, reason: str = "") -> Party:
    """Create or update a party, then run the hooks other areas registered (`on_party_saved`: screening),
    all in one write. Unchanged parties are left alone (no audit entry). Its fields are held to the
    exchange format's rules first (services/text_rules.py): a refused one is named and nothing is read or written."""
    party = checked(party, SPECS["parties.csv"])
    with write(uow, principal, Action.PARTIES_WRITE) as w:
        before = uow.parties.get(party.id)
        if before == party:
            return party
        _check_party(uow, party)
        uow.parties.save(party)
        w.record(action="party.save", entity="party", key=party.id, before=before, after=party, reason=reason)
        for hook in _SAVED:
            hook(w, party)
    return party


def parties_for(uow: UnitOfWork, principal: Principal) -> list[Party]:
    """The parties the principal may be shown (inside an open unit of work), in the register's order.

    Every party for roles that read the register; for an exporter only its own company and the parties
    named on its own applications and permits (exporter, consignee, end user), never another company's
    consignees and end users. (Exporters register no parties: they may not write the register.)
    """
    company = company_scope(principal)
    parties = uow.parties.list()
    if company is None:
        return parties
    own = {company}
    named = [(a.exporter_id, a.consignee_id, a.end_user_id) for a in uow.applications.list()]
    named += [(p.exporter_id, p.consignee_id, p.end_user_id) for p in uow.permits.list()]
    for exporter, consignee, end_user in named:
        if exporter == company:
            own.update((consignee, end_user))
    return [p for p in parties if p.id in own]
