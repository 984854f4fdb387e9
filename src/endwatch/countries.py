"""ISO 3166-1 countries, through pycountry (used by every layer above the domain)."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=512)
def is_country(code: str | None) -> bool:
    """True for an ISO 3166-1 alpha-2 code written in upper case, such as "TR"."""
    return bool(code) and len(code or "") == 2 and bool(code and code.isupper()) and (
        pycountry.countries.get(alpha_2=code) is not None
    )


def country_name(code: str) -> str:
    """The English short name of an alpha-2 code, or the code itself when unknown."""
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found else code


@lru_cache(maxsize=1)
def country_choices() -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2 code, English name), sorted by name, for pickers."""
    return tuple(sorted(((str(c.alpha_2), str(c.name)) for c in pycountry.countries), key=lambda c: c[1]))
