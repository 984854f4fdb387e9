"""Small hand-made worlds for the indicator tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import Application, EndUseUndertaking, Permit
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product
from endwatch.domain.risk.model import Subject, World

D = date
FULL = EndUseUndertaking("border surveillance", True, "Chief of procurement", D(2020, 1, 5))

PARTIES = {
    p.id: p
    for p in (
        Party("maker", "Maker Optics", PartyKind.COMPANY, "CA"),
        Party("integrator", "Integrator Works", PartyKind.COMPANY, "TR"),
        Party("tr", "Turkey", PartyKind.STATE, "TR"),
        Party("tr-navy", "Turkish Naval Forces", PartyKind.ARMED_FORCE, None, "tr"),
        Party("az", "Azerbaijan", PartyKind.STATE, "AZ"),
        Party("az-af", "Azerbaijani Air Force", PartyKind.ARMED_FORCE, "AZ", "az"),
        Party("am", "Armenia", PartyKind.STATE, "AM"),
    )
}
PRODUCTS = {
    "turret": Product("turret", "maker", "T-1", categories=("2-15",), family="t"),
    "turret-b": Product("turret-b", "maker", "T-1B", categories=("2-15",), family="t"),
    "radio": Product("radio", "maker", "R-9", categories=("2-11",)),
}


def application(number: str = "A-1", *, end_user: str = "tr-navy", consignee: str = "tr-navy",
                product: str = "turret", received: date = D(2020, 1, 10), exporter: str = "maker",
                undertaking: EndUseUndertaking = FULL, destination: str = "TR") -> Application:
    return Application(number, exporter, consignee, end_user, destination, product, 2, received, undertaking)


def permit(number: str = "P-1", *, app: Application | None = None, issued: date = D(2020, 2, 1),
           exception: str | None = None) -> Permit:
    a = app or application("A-0", consignee="integrator")
    return Permit(number, a.exporter_id, a.consignee_id, a.end_user_id, a.destination, a.product_id, a.quantity,
                  issued, D(2022, 1, 1), a.undertaking, application_number=a.number, exception=exception,
                  justification="because" if exception else None)


def world(**kw: object) -> World:
    return replace(World(PARTIES, PRODUCTS), **kw)  # type: ignore[arg-type]


def subject(app: Application | None = None, exception: str | None = None) -> Subject:
    return Subject.of_application(app or application(), exception, "written justification" if exception else None)


PRESUMPTION = Policy("tr-pod", "TR", Measure.PRESUMPTION_OF_DENIAL, ("2-*",), D(2020, 4, 16), D(2023, 12, 31),
                     ("NATO co-operation programs",), "presumption of denial")
EMBARGO = Policy("tr-emb", "TR", Measure.EMBARGO, ("*",), D(2019, 10, 11), D(2020, 4, 15), (), "embargo")
