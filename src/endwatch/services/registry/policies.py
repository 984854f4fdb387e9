"""Registry writes on destination policies: create or update one (permits already issued never change)."""

from __future__ import annotations

from endwatch.domain.policy import Policy
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.text_rules import checked
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def save_policy(uow: UnitOfWork, principal: Principal, policy: Policy, reason: str = "") -> Policy:
    """Create or update a destination policy. It never changes permits already issued. Its fields meet the
    field rules."""
    policy = checked(policy, SPECS["policies.csv"])
    with write(uow, principal, Action.POLICIES_WRITE) as w:
        before = uow.policies.get(policy.id)
        if before == policy:
            return policy
        c = Checker()
        c.require("id", policy.id)
        c.country("country", policy.country)
        if policy.effective_to and policy.effective_to < policy.effective_from:
            c.fail("effective_to", "effective_to is before effective_from")
        if not policy.categories:
            c.fail("categories", "categories is required (* for all)")
        c.raise_if_any()
        uow.policies.save(policy)
        w.record(action="policy.save", entity="policy", key=policy.id, before=before, after=policy, reason=reason)
    return policy
