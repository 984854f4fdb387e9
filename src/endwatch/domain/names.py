"""Name normalisation shared by parties and products: how a typed name is compared with a stored one."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Fold a name for comparison: accents, case, spaces and punctuation do not matter.

    "L-3 WESCAM", "l3 wescam" and "L3 Wescam" all give "l3wescam".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", stripped.casefold())


def split_multi(cell: str | None) -> tuple[str, ...]:
    """Split a cell holding several values separated by `|`, dropping blanks and surrounding spaces."""
    if not cell:
        return ()
    return tuple(part.strip() for part in cell.split("|") if part.strip())
