"""Reading SIPRI's arms-transfers trade register as published (ISO-8859-1, a preamble before the header,
`?` for uncertain values, delivery years as lists, comments) into transfer reports.

Each deal gets its own reference, `sipri:` and the first 16 hex digits of the SHA-256 of its row's values
(with `#2`, `#3`... for identical rows, which are distinct deals in the register), so two deals never collide
and loading the same register again finds the same references. Supplier and recipient names become codes
through data/sipri_names.csv and pycountry (docs/country-codes.md): `**` marks an international
organisation, `*` a non-state armed group (coded by the country in brackets, "NTC (Libya)*" -> LY).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import pycountry

from endwatch.countries import other_codes
from endwatch.domain.risk.model import TransferReport
from endwatch.errors import InvalidInput, Problem

SOURCE = "SIPRI Arms Transfers Database (c) SIPRI"
# Header names as SIPRI writes them, and our names for them. A blank-named column after a value is its `?`.
COLUMNS = {"Recipient": "recipient", "Supplier": "supplier", "Year of order": "order_year",
           "Number ordered": "ordered", "Weapon designation": "designation", "Weapon description": "description",
           "Number delivered": "delivered", "Year(s) of delivery": "delivery_years", "status": "status",
           "Comments": "comments"}
REQUIRED = ("recipient", "supplier", "order_year", "ordered", "designation", "description", "delivered",
            "delivery_years", "status", "comments")
_LICENCE = re.compile(r"licen[cs]e", re.IGNORECASE)
_SECOND_HAND = re.compile(r"(possibly |probably )?second[- ]hand", re.IGNORECASE)


@dataclass(frozen=True)
class Named:
    """A supplier or recipient as coded: its code, its kind, the name the register gives."""

    code: str
    kind: str
    name: str


@cache
def _names() -> dict[str, tuple[str, str]]:
    text = resources.files("endwatch").joinpath("data/sipri_names.csv").read_text(encoding="utf-8")
    return {r["name"]: (r["code"], r["kind"]) for r in csv.DictReader(text.splitlines())}


@cache
def code_for(name: str) -> Named | None:
    """The code of a name as SIPRI writes it, or None when neither the table nor ISO 3166 knows it."""
    if name in _names():
        code, kind = _names()[name]
        return Named(code, kind, name)
    bare = name.rstrip("*").strip()
    if name.endswith("**"):
        return None  # an organisation must be in the table
    if name.endswith("*"):
        inside = re.search(r"\(([^)]+)\)\s*$", bare)
        state = code_for(inside.group(1).strip()) if inside else None
        return Named(state.code, "non-state armed group", name) if state else None
    try:
        found = pycountry.countries.lookup(bare)
    except LookupError:
        return None
    code = str(found.alpha_2)
    kind = other_codes()[code].kind if code in other_codes() else "state"
    return Named(code, kind, name)


def _int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _header_line(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if line.startswith("Recipient,Supplier"):
            return i
    return None


def read_sipri(path: Path, known_on: date) -> list[TransferReport]:
    """Every deal of the register as a transfer known from `known_on`. Raises InvalidInput naming every
    problem (file, line, column) and returns nothing when there is one."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput([Problem(f"cannot read: {exc.strerror}", name)]) from None
    # SIPRI publishes ISO-8859-1; a re-save in UTF-8 is read as such.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    lines = text.splitlines()
    head = _header_line(lines)
    if head is None:
        raise InvalidInput([Problem("not SIPRI's trade register: no header line starting 'Recipient,Supplier'",
                                    name)])
    reader = csv.reader(lines[head:])
    header = next(reader)
    where: dict[str, int] = {}
    for i, col in enumerate(header):
        label = col.strip()
        if label in COLUMNS:
            where[COLUMNS[label]] = i
        elif not label and i > 0 and header[i - 1].strip() in COLUMNS:
            where[COLUMNS[header[i - 1].strip()] + "?"] = i
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise InvalidInput([Problem(f"not SIPRI's trade register: missing column(s) {', '.join(missing)}", name,
                                    head + 1)])
    label_of = {v: k for k, v in COLUMNS.items()}
    problems: list[Problem] = []
    transfers: list[TransferReport] = []
    seen: dict[str, int] = {}
    for offset, cells in enumerate(reader, start=1):
        line = head + 1 + offset
        if not any(c.strip() for c in cells):
            continue
        row_problems: list[Problem] = []

        def cell(key: str, cells: list[str] = cells) -> str:
            i = where.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        def fail(key: str, message: str, line: int = line, row_problems: list[Problem] = row_problems) -> None:
            row_problems.append(Problem(message, name, line, label_of.get(key.rstrip("?"), key)))

        parties: dict[str, Named] = {}
        for key in ("supplier", "recipient"):
            value = cell(key)
            named = code_for(value) if value else None
            if named is None:
                fail(key, f"no code for {value!r} (data/sipri_names.csv, docs/country-codes.md)" if value
                     else f"the {key} is missing")
            else:
                parties[key] = named
        numbers: dict[str, int | None] = {}
        for key in ("order_year", "ordered", "delivered"):
            value = cell(key)
            try:
                numbers[key] = _int(value) if value else None
            except ValueError:
                fail(key, f"{value!r} is not a whole number")
        years: list[int] = []
        for part in cell("delivery_years").split(";"):
            if part.strip():
                try:
                    years.append(_int(part.strip()))
                except ValueError:
                    fail("delivery_years", f"{part.strip()!r} is not a year (delivery years are separated by ';')")
        uncertain = [key for key in ("order_year", "ordered", "delivered") if cell(key + "?") == "?"]
        for key in ("order_year", "ordered", "delivered"):
            flag = cell(key + "?")
            if flag not in ("", "?"):
                fail(key + "?", f"{flag!r} is not '?' or blank")
        designation, description = cell("designation"), cell("description")
        if not designation and not description:
            fail("designation", "the weapon designation and description are both missing")
        if row_problems:
            problems += row_problems
            continue
        status, comments = cell("status"), cell("comments")
        second = _SECOND_HAND.search(comments)
        second_hand = status.lower().startswith("second hand") or bool(second)
        if second and second.group(1) and not status.lower().startswith("second hand"):
            uncertain.append("second_hand")
        digest = hashlib.sha256("\x1f".join(c.strip() for c in cells).encode("utf-8")).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        reference = f"sipri:{digest}" + (f"#{seen[digest]}" if seen[digest] > 1 else "")
        supplier, recipient = parties["supplier"], parties["recipient"]
        item = designation + (f" ({description})" if description and description != designation else "")
        transfers.append(TransferReport(
            None, recipient.code, item, known_on, f"{SOURCE}, trade register ({name}:{line})", None, reference,
            supplier.code, recipient.name, recipient.kind, designation, description, "", numbers["ordered"],
            numbers["delivered"], numbers["order_year"], tuple(years), tuple(uncertain), second_hand,
            bool(_LICENCE.search(comments)), comments))
    if problems:
        raise InvalidInput(problems)
    if not transfers:
        raise InvalidInput([Problem("no deal in the register", name)])
    return transfers
