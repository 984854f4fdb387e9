"""Country codes: ISO 3166-1 alpha-2 through pycountry, and the documented others (Kosovo, former states,
international organisations, unknown) from data/other_codes.csv; docs/country-codes.md explains them.
Used by every layer above the domain."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import pycountry


@dataclass(frozen=True)
class OtherCode:
    """A code endwatch uses for a recipient or party without an ISO 3166-1 alpha-2 code."""

    code: str
    name: str
    kind: str  # state | former state | international organisation | unknown
    note: str


@cache
def other_codes() -> dict[str, OtherCode]:
    """The documented codes that are not ISO 3166-1 alpha-2 codes of existing countries, by code."""
    text = resources.files("endwatch").joinpath("data/other_codes.csv").read_text(encoding="utf-8")
    return {r["code"]: OtherCode(r["code"], r["name"], r["kind"], r["note"]) for r in csv.DictReader(text.splitlines())}


@lru_cache(maxsize=512)
def is_iso_country(code: str | None) -> bool:
    """True for an ISO 3166-1 alpha-2 code written in upper case, such as "TR"."""
    return bool(code) and len(code or "") == 2 and bool(code and code.isupper()) and (
        pycountry.countries.get(alpha_2=code) is not None
    )


def is_country(code: str | None) -> bool:
    """True for a code a party, destination or recipient may have: ISO 3166-1 alpha-2 ("TR") or one of the
    documented others ("XK" Kosovo, "SU" Soviet Union, "XN" NATO, "XZ" unknown...)."""
    return is_iso_country(code) or (code or "") in other_codes()


def country_name(code: str) -> str:
    """The English short name of a code, or the code itself when unknown."""
    other = other_codes().get(code)
    if other is not None:
        return other.name
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found else code


@lru_cache(maxsize=1)
def country_choices() -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2 code, English name), sorted by name, for pickers."""
    return tuple(sorted(((str(c.alpha_2), str(c.name)) for c in pycountry.countries), key=lambda c: c[1]))
