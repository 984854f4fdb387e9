"""The field rules (domain/text.py) applied by the services themselves, so that a write from the command line
or any other caller is held to what the exchange format, the API and the forms accept: no NUL or other
control character, no bidirectional override or isolate in identifiers and names, the database columns'
lengths, the identifier alphabet, serials with a letter or digit; text trimmed and in NFC.

A record's fields take the rule of the exchange-format column of the same name (`held_to`), so one table of
rules (exchange/schema.py) serves every path. A broken rule is a Problem naming the field, collected in the
caller's Checker: nothing is written.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from endwatch.domain.text import TextRefused, TextRule
from endwatch.exchange.schema import FileSpec
from endwatch.services.validation import Checker

T = TypeVar("T")


def clean(check: Checker, column: str, rule: TextRule | None, value: str) -> str:
    """`value` under `rule` (trimmed, NFC), or `value` itself with the broken rule noted in `check`."""
    if rule is None:
        return value
    try:
        return rule.clean(value)
    except TextRefused as exc:
        check.fail(column, f"{column} {exc}")
        return value


def held_to(record: T, spec: FileSpec, check: Checker, *, nested: tuple[str, ...] = ()) -> T:
    """`record` (a dataclass) with each text field, and each text item of a tuple field, that `spec` has a
    column of the same name for cleaned by that column's rule; every refusal noted in `check`. Fields named
    in `nested` are dataclasses whose own fields are held to the same columns (an application's undertaking)."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if f.name in nested and dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner = held_to(value, spec, check)
            if inner is not value:
                changes[f.name] = inner
            continue
        if f.name not in spec.column_names:
            continue
        column = spec.column(f.name)
        if column.kind not in ("text", "list") or column.rule is None:
            continue
        if isinstance(value, str):
            cleaned: Any = clean(check, f.name, column.rule, value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            cleaned = tuple(clean(check, f.name, column.rule, v) for v in value)
        else:
            continue
        if cleaned != value:
            changes[f.name] = cleaned
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[type-var]


def checked(record: T, spec: FileSpec, *, nested: tuple[str, ...] = ()) -> T:
    """`held_to` for a write of one record: raises InvalidInput naming every broken field (nothing written)."""
    check = Checker()
    record = held_to(record, spec, check, nested=nested)
    check.raise_if_any()
    return record
