"""The API's and the forms' field types, built from the one set of field constraints (domain/text.py).

A JSON body, a form and an exchange-format file are held to the same rules, so the web refuses what an
import refuses, on SQLite as on PostgreSQL. Each type also states its length in the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated

from fastapi import Request
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from endwatch.domain import text as rules
from endwatch.domain.text import INT32_MAX, TextRefused, TextRule, parse_iso_date, parse_whole_number
from endwatch.errors import InvalidInput, Problem


def _checker(rule: TextRule) -> AfterValidator:
    """A pydantic validator holding a value to `rule` (trimmed, NFC, refused with the rule's message)."""

    def check(value: str) -> str:
        try:
            return rule.clean(value)
        except TextRefused as exc:
            raise ValueError(str(exc)) from None

    return AfterValidator(check)


_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"

# A record's id or number (party ids, product ids, permit and application numbers): letters, digits, . _ - :
Identifier = Annotated[str, Field(min_length=1, max_length=100, pattern=_ID_PATTERN),
                       _checker(rules.identifier(100))]
# A name (of a party, a model, a place or a group as reported): no control characters, no bidi overrides.
Name = Annotated[str, Field(max_length=300), _checker(rules.name(300))]
# A serial number as read: a name holding at least one letter or digit.
SerialText = Annotated[str, Field(min_length=1, max_length=200), _checker(rules.serial(200))]
# Free text: tab and line breaks allowed, no other control character.
ShortText = Annotated[str, Field(max_length=500), _checker(rules.text(500))]
Text = Annotated[str, Field(max_length=2000), _checker(rules.text(2000))]
LongText = Annotated[str, Field(max_length=10_000), _checker(rules.text(10_000))]
Justification = Annotated[str, Field(max_length=4000), _checker(rules.text(4000))]
AnswerText = Annotated[str, Field(min_length=1, max_length=10_000), _checker(rules.text(10_000))]
Reason = Annotated[str, Field(min_length=1, max_length=2000), _checker(rules.text(2000))]
Reference = Annotated[str, Field(min_length=1, max_length=500), _checker(rules.text(500))]


def _iso_date(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("a date is written as text, YYYY-MM-DD")
    try:
        return parse_iso_date(value)
    except TextRefused as exc:
        raise ValueError(str(exc)) from None


# A calendar date as YYYY-MM-DD exactly (not `20200101`, not `2030-W01-1`).
IsoDate = Annotated[date, BeforeValidator(_iso_date),
                    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})]

# A positive count stored in a 32-bit column: a JSON number, never `true`, `"10"` or `"１０"`.
Quantity = Annotated[int, Field(strict=True, ge=1, le=INT32_MAX)]


def form_text(value: str, rule: TextRule, column: str) -> str:
    """A form field's value under `rule`, or InvalidInput naming the field (for forms read by hand)."""
    try:
        return rule.clean(value)
    except TextRefused as exc:
        raise InvalidInput([Problem(str(exc), column=column)]) from None


def form_whole_number(value: str, column: str, high: int = INT32_MAX) -> int:
    """A form field's whole number (plain digits, within a 32-bit column), or InvalidInput naming the field."""
    try:
        return parse_whole_number(value, low=-high - 1, high=high)
    except TextRefused as exc:
        raise InvalidInput([Problem(str(exc), column=column)]) from None


def form_date(value: str, column: str) -> date:
    """A form field's date (YYYY-MM-DD exactly), or InvalidInput naming the field."""
    try:
        return parse_iso_date(value)
    except TextRefused as exc:
        raise InvalidInput([Problem(str(exc), column=column)]) from None


def refuse_nul(items: Iterable[tuple[str, object]], where: str) -> None:
    """InvalidInput naming every parameter holding a NUL (U+0000), which no database column can store."""
    bad = [name for name, value in items if "\x00" in name or (isinstance(value, str) and "\x00" in value)]
    if bad:
        raise InvalidInput([Problem(f"the {where} parameter holds a NUL character (U+0000), which is never"
                                    " valid", column=ascii(name[:100])[1:-1]) for name in bad])


async def address_without_nul(request: Request) -> None:
    """Every route's first dependency: a NUL in the path or the query string is refused (422) before any
    lookup, so that SQLite and PostgreSQL give the same answer (PostgreSQL cannot even compare one)."""
    refuse_nul(request.path_params.items(), "path")
    refuse_nul(request.query_params.multi_items(), "query")


async def form_without_nul(request: Request) -> None:
    """A form's fields hold no NUL: checked once the caller is known (the form is parsed by then)."""
    if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        refuse_nul(form.multi_items(), "form")
