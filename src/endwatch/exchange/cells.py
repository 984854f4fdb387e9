"""Reading and writing single cells of the exchange format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from endwatch.countries import is_country
from endwatch.exchange.schema import Column

TRUE = ("yes", "true", "1", "y")
FALSE = ("no", "false", "0", "n", "")


class CellError(ValueError):
    """A cell's text is not a valid value for its column."""


def parse_cell(column: Column, text: str) -> Any:
    """The typed value of a cell (None when blank). Raises CellError with a message for people."""
    text = text.strip()
    if not text:
        if column.kind == "list":
            return ()
        if column.kind == "bool":
            return False
        return None
    kind = column.kind
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CellError(f"{text!r} is not a date in ISO form (YYYY-MM-DD)") from None
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise CellError(f"{text!r} is not a whole number") from None
    if kind == "decimal":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise CellError(f"{text!r} is not a number") from None
        if not value.is_finite():
            raise CellError(f"{text!r} is not a finite number")
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
            raise CellError(f"{text!r} is not an ISO 3166-1 alpha-2 country code")
        return text
    if kind == "list":
        return tuple(part.strip() for part in text.split("|") if part.strip())
    if kind == "choice":
        if text not in column.choices:
            raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")
        return text
    return text


def format_cell(value: Any) -> str:
    """The text of a value in a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return str(value)
