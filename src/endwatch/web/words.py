"""Plain words for people: codes shown as words, and records named by name with a link to them.

Ids stay where machines and experts need them: in the link and its tooltip, never as the text people read.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from enum import Enum
from typing import Any

from markupsafe import Markup, escape

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
    """Party names by id for one page, reading only the parties the page names.

    With `known` (a page that read the names of the few parties it shows), those. Otherwise a name is written as a
    placeholder while the page renders, and `fill` puts in the names of every id the page asked for, read in one
    statement (`load(ids)`): a page reads as many parties as it names, whatever the registry's size.
    """

    def __init__(self, load: Callable[[tuple[str, ...]], dict[str, str]], known: dict[str, str] | None = None) -> None:
        self._load = load
        self._known = known
        # A fresh token per page, so that no text a page shows can pass for a placeholder.
        self._token = secrets.token_hex(6)
        self._pattern = re.compile(f"\x1e{self._token}:(\\d+)\x1e")
        self._asked: dict[str, int] = {}

    def __call__(self, party_id: str | None) -> str:
        """The party's name (the id itself when the party is not in the registry), or its placeholder."""
        if not party_id:
            return ""
        if self._known is not None:
            return self._known.get(party_id, party_id)
        index = self._asked.setdefault(party_id, len(self._asked))
        return f"\x1e{self._token}:{index}\x1e"

    def fill(self, html: str) -> str:
        """`html` with each placeholder replaced by its party's name, escaped (placeholders stand where escaped
        text goes: an element's text or an attribute's value)."""
        if not self._asked:
            return html
        found = self._load(tuple(self._asked))
        text = [str(escape(found.get(pid, pid))) for pid in self._asked]  # in placeholder order
        return self._pattern.sub(lambda m: text[int(m.group(1))], html)

    @property
    def pending(self) -> bool:
        """Whether a rendered page holds placeholders to fill."""
        return bool(self._asked)


def record_link(href: str | None, text: str, key: str) -> Markup:
    """`text` linking to `href` (plain text when `href` is None), with the record's id as its tooltip."""
    if href is None:
        return Markup('<span title="{}">{}</span>').format(key, text)
    return Markup('<a href="{}" title="{}">{}</a>').format(href, key, text)

