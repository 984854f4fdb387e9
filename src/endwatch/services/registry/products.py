"""Registry writes on products: create or update one, made by a known party."""

from __future__ import annotations

from endwatch.domain.products import Product
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.text_rules import checked
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def save_product(uow: UnitOfWork, principal: Principal, product: Product, reason: str = "") -> Product:
    """Create or update a product. Its manufacturer must be a known party; its fields meet the field rules."""
    product = checked(product, SPECS["products.csv"])
    with write(uow, principal, Action.PRODUCTS_WRITE) as w:
        before = uow.products.get(product.id)
        if before == product:
            return product
        c = Checker()
        c.require("id", product.id)
        c.require("model", product.model)
        if uow.parties.get(product.manufacturer_id) is None:
            c.fail("manufacturer_id", f"unknown manufacturer {product.manufacturer_id!r}")
        c.raise_if_any()
        uow.products.save(product)
        w.record(action="product.save", entity="product", key=product.id, before=before, after=product,
                 reason=reason)
    return product
