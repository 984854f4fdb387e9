"""Reading and writing single cells of the exchange format.

Every CSV endwatch writes goes through `format_cell`, and every CSV it reads through `parse_cell`, so the
formula-safe convention lives here alone (docs/exchange-format.md, "Formulas"): a text cell that a
spreadsheet would evaluate (it starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed, or
their full-width forms) is written with a single quote `'` in front, and so is a text cell that itself starts
with `'`, so that the quote is never ambiguous. Reading removes one leading quote from a text cell only where
the writer would have put it (before a formula character or another quote), so a cell `'` or `'t Hooft`
reads back as written and `restore(neutralise(text)) == text` for every text.
Numbers, dates and yes/no cells are written as they are (a quantity `-5` stays a number).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from endwatch.countries import is_country
from endwatch.domain.text import TextRefused, parse_iso_date, parse_whole_number
from endwatch.exchange.schema import Column

TRUE = ("yes", "true", "1", "y")
FALSE = ("no", "false", "0", "n", "")


QUOTE = "'"
# What makes a spreadsheet evaluate a cell (OWASP "CSV injection"), with the full-width forms some accept.
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralise(text: str) -> str:
    """Text safe to open in a spreadsheet: a leading formula character or quote gets a `'` in front."""
    if text and (text[0] in FORMULA_START or text[0] == QUOTE):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given: the exact inverse for every string.

    One leading `'` is removed only when it escapes something (a formula character or a quote follows), as
    `neutralise` writes it; any other leading quote is the text's own (a lone `'` stays `'`, never blank).
    """
    if len(text) > 1 and text[0] == QUOTE and (text[1] in FORMULA_START or text[1] == QUOTE):
        return text[1:]
    return text


class CellError(ValueError):
    """A cell's text is not a valid value for its column."""


# Numeric(18, 2): at most 16 digits before the point and 2 after, on both databases.
_DECIMAL_LIMIT = Decimal(10) ** 16


def parse_cell(column: Column, text: str) -> Any:
    """The typed value of a cell (None when blank). Raises CellError with a message for people.

    A text or list cell has its formula-safe quote removed (`restore`) after the spaces around it. Text is
    held to the column's rule (domain/text.py) here, so a dry run refuses what the database would.
    """
    try:
        return _parse(column, text)
    except TextRefused as exc:
        raise CellError(str(exc)) from None


def _parse(column: Column, text: str) -> Any:
    text = text.strip()
    if column.kind in ("text", "list"):
        text = restore(text)
    if not text:
        if column.kind == "list":
            return ()
        if column.kind == "bool":
            return False
        return None
    kind = column.kind
    if kind == "date":
        return parse_iso_date(text)
    if kind == "int":
        return parse_whole_number(text, low=-column.high - 1, high=column.high)
    if kind == "decimal":
        if not text.isascii():
            raise CellError(f"{text[:40]!a} is not a number (plain digits 0-9 and a point)")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise CellError(f"{text[:40]!r} is not a number") from None
        if not value.is_finite() or "_" in text:
            raise CellError(f"{text[:40]!r} is not a finite number")
        if abs(value) >= _DECIMAL_LIMIT or value != value.quantize(Decimal("0.01")):
            raise CellError(f"{text[:40]!r} is out of range (at most 16 digits before the point and 2 after)")
        return value
    if kind == "bool":
        low = text.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise CellError(f"{text!r} is not yes or no")
    if kind == "country":
        if not is_country(text):
            raise CellError(f"{text[:40]!a} is not an ISO 3166-1 alpha-2 code (nor in docs/country-codes.md)")
        return text
    if kind == "list":
        parts = tuple(part.strip() for part in text.split("|") if part.strip())
        return tuple(column.rule.clean(p) for p in parts) if column.rule else parts
    if kind == "choice":
        if text not in column.choices:
            raise CellError(f"{text[:40]!a} is not one of {', '.join(column.choices)}")
        return text
    return column.rule.clean(text) if column.rule else text


def format_cell(value: Any) -> str:
    """The text of a value in a cell; text (and a list, as one cell) neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)  # numbers stay numbers: a spreadsheet may evaluate them, they are what they say
    if isinstance(value, list | tuple):
        return neutralise("|".join(str(v) for v in value))
    return neutralise(str(value))
