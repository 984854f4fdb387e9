"""What endwatch accepts as a stored value: the one set of field constraints every entry point applies.

The exchange format's reader, the API's schemas and the web's forms check values with these rules, so a
value is accepted or refused alike on every path, by `--dry-run` as by the real import, and on SQLite as
on PostgreSQL: the lengths are the database columns' lengths, the integer ranges the columns' ranges.

- No NUL and no other C0/C1 control character (free text may hold tab and line breaks).
- No bidirectional overrides or isolates (U+202A-202E, U+2066-2069) in identifiers and names; names may
  keep the marks their script needs (LRM U+200E, RLM U+200F, ALM U+061C).
- Text is stored in Unicode NFC; a value that is not NFC is normalised, never refused.
- Identifiers (party ids, product ids, permit and application numbers ...) use a safe alphabet:
  ASCII letters and digits, then also `.`, `_`, `-` and `:`, never `..`.
- Serial numbers hold at least one letter or digit.
- Whole numbers are plain ASCII digits (an optional leading `-`), within the column's range.
- Dates are ISO calendar dates, `YYYY-MM-DD`, nothing else.

Loaders of published datasets (UCDP, SIPRI, screening lists) parse their sources their own way and convert
to these forms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# The ranges of the database's integer columns (sa.Integer is 32-bit on PostgreSQL, sa.BigInteger 64-bit).
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_CONTROLS = frozenset("\t\n\r")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*\Z")
_DIGITS = re.compile(r"-?[0-9]+\Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

IDENTIFIER, NAME, SERIAL, TEXT = "identifier", "name", "serial", "text"


class TextRefused(ValueError):
    """A value breaks a field constraint; the message says which, for people (without the value itself)."""


@dataclass(frozen=True)
class TextRule:
    """The constraint of one kind of field: identifier, name, serial or free text, and its longest length."""

    kind: str
    max_length: int

    def clean(self, value: str) -> str:
        """The value as stored (trimmed, NFC); raises TextRefused naming the broken constraint."""
        text = unicodedata.normalize("NFC", value.strip())
        if len(text) > self.max_length:
            raise TextRefused(f"is {len(text)} characters long; at most {self.max_length} are allowed")
        allowed = LINE_CONTROLS if self.kind == TEXT else frozenset()
        for ch in text:
            if ch == "\x00":
                raise TextRefused("contains a NUL character (U+0000), which cannot be stored")
            if unicodedata.category(ch) == "Cc" and ch not in allowed:
                raise TextRefused(f"contains the control character U+{ord(ch):04X}")
            if ch in BIDI_CONTROLS and self.kind != TEXT:
                raise TextRefused(f"contains the bidirectional override or isolate U+{ord(ch):04X}")
        if text and self.kind == IDENTIFIER and (not _IDENTIFIER.match(text) or ".." in text):
            raise TextRefused("is not an identifier: use letters A-Z, digits and . _ - : (not starting with"
                              " a punctuation mark, no '..')")
        if text and self.kind == SERIAL and not any(ch.isalnum() for ch in text):
            raise TextRefused("is not a serial number: it must contain a letter or a digit")
        return text

    def problem(self, value: str) -> str | None:
        """What is wrong with `value`, or None when it is acceptable."""
        try:
            self.clean(value)
        except TextRefused as exc:
            return str(exc)
        return None


def identifier(max_length: int = 100) -> TextRule:
    return TextRule(IDENTIFIER, max_length)


def name(max_length: int = 300) -> TextRule:
    return TextRule(NAME, max_length)


def serial(max_length: int = 100) -> TextRule:
    return TextRule(SERIAL, max_length)


def text(max_length: int = 10_000) -> TextRule:
    return TextRule(TEXT, max_length)


def parse_whole_number(text_value: str, *, low: int = -INT64_MAX, high: int = INT64_MAX) -> int:
    """A whole number written as plain ASCII digits, within [low, high]; raises TextRefused otherwise.

    Refuses what Python's int() would take but a person did not mean: `１０`, `1_0`, `+5`, ` 5 ` inside.
    """
    stripped = text_value.strip()
    if not _DIGITS.match(stripped):
        raise TextRefused(f"{_shown(stripped)} is not a whole number (plain digits 0-9)")
    value = int(stripped)
    if not low <= value <= high:
        raise TextRefused(f"{_shown(stripped)} is out of range ({low} to {high})")
    return value


def check_whole_number(value: int, *, low: int = -INT64_MAX, high: int = INT64_MAX) -> int:
    """An int already typed (a JSON number, say): the same range check as parse_whole_number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TextRefused("is not a whole number")
    if not low <= value <= high:
        raise TextRefused(f"{value} is out of range ({low} to {high})")
    return value


def parse_iso_date(text_value: str) -> date:
    """A calendar date written YYYY-MM-DD exactly; raises TextRefused for anything else (`20200101`,
    `2030-W01-1`, `2020-1-1`, an impossible day)."""
    stripped = text_value.strip()
    if _ISO_DATE.match(stripped):
        try:
            return date.fromisoformat(stripped)
        except ValueError:
            pass
    raise TextRefused(f"{_shown(stripped)} is not a date in ISO form (YYYY-MM-DD)")


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted for an error message: short, and with its control characters escaped."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return ascii(cut) if any(unicodedata.category(c) in ("Cc", "Cf") for c in cut) else repr(cut)
