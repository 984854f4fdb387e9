"""Plain words for people: codes shown as words, and records named by name with a link to them.

Ids stay where machines and experts need them: in the link and its tooltip, never as the text people read.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from markupsafe import Markup

# Codes whose plain reading is not just the code with spaces.
_SPECIAL = {
    "in_force": "in force",
    "not_yet_issued": "not yet issued",
    "one_edit": "one character different",
    "approve_with_conditions": "approve with conditions",
    "awaiting_second": "awaiting a second signature",
}


def plain(value: Any) -> str:
    """A status, tier, verdict or other code in words: `on_hold` -> "on hold" (enums by their value)."""
    if value is None:
        return ""
    text = str(value.value if isinstance(value, Enum) else value)
    return _SPECIAL.get(text, text.replace("_", " "))


class Names:
    """Party names by id, loaded once per page on first use (`load` returns every id -> name)."""

    def __init__(self, load: Callable[[], dict[str, str]]) -> None:
        self._load = load
        self._names: dict[str, str] | None = None

    def __call__(self, party_id: str | None) -> str:
        """The party's name, or the id itself when the party is not in the registry."""
        if not party_id:
            return ""
        if self._names is None:
            self._names = self._load()
        return self._names.get(party_id, party_id)


def record_link(href: str | None, text: str, key: str) -> Markup:
    """`text` linking to `href` (plain text when `href` is None), with the record's id as its tooltip."""
    if href is None:
        return Markup('<span title="{}">{}</span>').format(key, text)
    return Markup('<a href="{}" title="{}">{}</a>').format(href, key, text)

