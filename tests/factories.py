"""Small worlds for tests: a few parties, one product, policies and permits, built through the services."""

from __future__ import annotations

from datetime import date

from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import EndUseUndertaking, Permit
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.policies import save_policy
from endwatch.services.registry.products import save_product

ACTOR = person("test-officer")


def small_world(ew: Endwatch) -> None:
    """Maker M (CA) with product S (entry 2-15), consignee C (TR), end user N inside armed forces F;
    a presumption of denial for TR from 2020-04-16 with a NATO exception."""
    for party in (
        Party("m", "Maker Corp", PartyKind.COMPANY, "CA", former_names=("Old Maker",)),
        Party("c", "Consignee Ltd", PartyKind.COMPANY, "TR"),
        Party("f", "Armed Forces", PartyKind.ARMED_FORCE, "TR"),
        Party("n", "Navy", PartyKind.ARMED_FORCE, "TR", parent_id="f"),
    ):
        save_party(ew.uow(), ACTOR, party)
    save_product(ew.uow(), ACTOR, Product("s", "m", "S-15", ("CS-15",), ("2-15", "ML15"), "sensor"))
    save_policy(ew.uow(), ACTOR, Policy("tr-pod", "TR", Measure.PRESUMPTION_OF_DENIAL, ("2-*",),
                                        date(2020, 4, 16), None, ("NATO co-operation programs",)))


def permit(number: str = "P-1", quantity: int = 2, **changes: object) -> Permit:
    base = dict(number=number, exporter_id="m", consignee_id="c", end_user_id="n", destination="TR",
                product_id="s", quantity=quantity, issued_on=date(2020, 5, 8), expires_on=date(2021, 6, 30),
                undertaking=EndUseUndertaking("surveillance", True), exception="NATO co-operation programs",
                justification="NATO programme")
    base.update(changes)
    return Permit(**base)  # type: ignore[arg-type]


def issued_world(ew: Endwatch) -> Permit:
    """The small world with permit P-1 issued for 2 items."""
    small_world(ew)
    return issue_permit(ew.uow(), ACTOR, permit())


def empty_database(ew: Endwatch) -> None:
    """Delete every row of every table (any area's), keeping the schema."""
    import sqlalchemy as sa

    names = [n for n in sa.inspect(ew.engine).get_table_names() if n != "alembic_version"]
    with ew.engine.begin() as conn:
        if ew.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            conn.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for n in names:
                conn.execute(sa.text(f'DELETE FROM "{n}"'))
