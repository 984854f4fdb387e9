"""Products: a manufacturer's model, its aliases, its control-list entries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from endwatch.domain.names import normalise_name


@dataclass(frozen=True)
class Product:
    """A model made by a manufacturer (a party).

    `categories` are control-list entries (Canada's "2-15", Wassenaar "ML15"). `family` groups models
    whose serial numbers share one sequence; serial numbers are unique within (manufacturer, family).
    It defaults to the product's own id. `designated` marks a product designated for end-use monitoring
    (the check programme may select it for inventories by serial).
    """

    id: str
    manufacturer_id: str
    model: str
    aliases: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    description: str = ""
    family: str = ""
    designated: bool = False

    @property
    def serial_family(self) -> str:
        """The family serial numbers are unique within."""
        return self.family or self.id

    def name_keys(self) -> frozenset[str]:
        """Normalised model name and aliases."""
        return frozenset(k for k in (normalise_name(n) for n in (self.model, *self.aliases)) if k)


def match_by_model(text: str, products: Iterable[Product]) -> list[Product]:
    """Products whose model or alias equals `text` once normalised."""
    key = normalise_name(text)
    if not key:
        return []
    return [p for p in products if key in p.name_keys()]
