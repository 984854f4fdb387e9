"""Registry writes on parties: create or update one, its parent known and the hierarchy without cycles.

One transaction each: validated, written and audited, or refused with nothing written.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from endwatch.domain.parties import Party, would_cycle
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal, company_scope
from endwatch.services.gate import Write, plan_then_write
from endwatch.services.text_rules import checked
from endwatch.services.uow import Database, UnitOfWork
from endwatch.services.validation import Checker


class PartySaved(Protocol):
    """What a later area does when a party is saved, in the same write (screening: the party screened against
    the stored lists). Chosen in bootstrap (Endwatch.party_saved); the registry's use cases may not import
    those areas. `prepare` does the long part on a read snapshot, before the write takes the lock; `apply`
    writes its result inside the write, after the party is written."""

    @property
    def reads(self) -> Collection[str]:
        """Tables whose rows `prepare` reads: a write to any of them meanwhile makes it prepare again."""

    def prepare(self, uow: UnitOfWork, party: Party) -> Any:
        """What `apply` needs, computed from what `uow` reads (only reads) with `party` as it is being saved."""

    def apply(self, w: Write, party: Party, prepared: Any) -> None:
        """Write what `prepare` computed, in the party's write."""


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


def save_party(target: UnitOfWork | Database, principal: Principal, party: Party, reason: str = "", *,
               then: PartySaved | None = None) -> Party:
    """Create or update a party, then do what `then` does on a save (bootstrap's choice: screening), all in one
    write. Unchanged parties are left alone (no audit entry). Its fields are held to the exchange format's
    rules first (services/text_rules.py): a refused one is named and nothing is read or written.

    Given a Database, `then` prepares on a read snapshot before the write (screening folds every stored
    entity's names there), and the write holds the lock only to write, unless a write meanwhile touched what
    it read (then it prepares again). Given a unit of work, everything happens in its one write."""
    party = checked(party, SPECS["parties.csv"])

    def plan(uow: UnitOfWork) -> tuple[bool, Any]:
        if then is None or uow.parties.get(party.id) == party:
            return False, None
        return True, then.prepare(uow, party)

    def apply(w: Write, planned: tuple[bool, Any]) -> Party:
        uow = w.uow
        before = uow.parties.get(party.id)
        if before == party:
            return party
        _check_party(uow, party)
        uow.parties.save(party)
        w.record(action="party.save", entity="party", key=party.id, before=before, after=party, reason=reason)
        if then is not None:
            prepared, result = planned
            then.apply(w, party, result if prepared else then.prepare(uow, party))
        return party

    def unaffected(_planned: tuple[bool, Any], _uow: UnitOfWork, _version: int, tables: set[str]) -> bool:
        return then is None or not (tables & set(then.reads))

    return plan_then_write(target, principal, Action.PARTIES_WRITE, plan, apply, unaffected=unaffected)


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
