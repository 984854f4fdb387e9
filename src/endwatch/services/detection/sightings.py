"""Recording sightings: one at a time (validated, every problem named), or in bulk from sightings.csv.

A sighting is evidence: once recorded it is not edited. Importing a sightings.csv again leaves
identical sightings alone and refuses one that differs from what is stored under the same id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from endwatch.domain.serials import serial_key
from endwatch.domain.sightings import CREDIBILITY_GRADES, RELIABILITY_GRADES, Sighting
from endwatch.exchange.reader import Row, file_sha256, read_rows
from endwatch.exchange.schema import FileSpec
from endwatch.exchange.schema_detection import SIGHTINGS
from endwatch.exchange.writer import write_rows
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import Write, write
from endwatch.services.text_rules import held_to
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")


def sighting_problems(s: Sighting, today: date, check: Checker) -> None:
    """Append to `check` every problem with one sighting's fields (naming the field)."""
    if not _ID.match(s.id or ""):
        check.fail("id", f"id {s.id!r} must be 1-100 letters, digits or . _ : / - (starting with a letter or digit)")
    if s.observed_on > today:
        check.fail("observed_on", f"observed_on {s.observed_on.isoformat()} is in the future")
    if not s.serial or not s.serial.strip():
        check.fail("serial", "serial is required (as read; `?` for each unreadable character)")
    elif not serial_key(s.serial).strip("?"):
        check.fail("serial", f"serial {s.serial!r} has no readable character once labels and separators are removed")
    if s.reliability not in RELIABILITY_GRADES:
        check.fail("reliability", f"reliability {s.reliability!r} must be one of {', '.join(RELIABILITY_GRADES)}")
    if s.credibility not in CREDIBILITY_GRADES:
        check.fail("credibility", f"credibility {s.credibility!r} must be one of {', '.join(CREDIBILITY_GRADES)}")
    check.country("country", s.country, required=False)


def add_sighting(uow: UnitOfWork, principal: Principal, sighting: Sighting, *, reason: str = "",
                 numbered: bool = False) -> Sighting:
    """Record one sighting. Raises InvalidInput naming every wrong field, or when the id is taken.

    With `numbered`, the sighting's id is left to endwatch: the next free S-YYYYMMDD-N of its observation
    day, allocated inside the transaction (so that simultaneous submissions never collide).
    """
    with write(uow, principal, Action.SIGHTINGS_WRITE) as w:
        return add_in(w, sighting, reason=reason, numbered=numbered)


def add_in(w: Write, sighting: Sighting, *, reason: str = "", numbered: bool = False) -> Sighting:
    """`add_sighting` inside the caller's open write (which commits it, or rolls it back, with its other work)."""
    uow = w.uow
    # The exchange format's field rules, as an imported sightings.csv meets them; every problem is named at once.
    check = Checker()
    sighting = held_to(sighting, SIGHTINGS, check)
    if numbered:
        sighting = replace(sighting, id=next_sighting_id(uow, sighting.observed_on))
    today = uow.now().date()
    sighting_problems(sighting, today, check)
    if not check.problems and uow.detection.sighting_ids([sighting.id]):
        check.fail("id", f"sighting {sighting.id!r} is already recorded (sightings are not edited)")
    check.raise_if_any()
    uow.detection.add_sightings([sighting], uow.now().isoformat(timespec="seconds"), w.principal.username)
    w.record(action="sighting.add", entity="sighting", key=sighting.id, after=sighting, reason=reason)
    return sighting


def next_sighting_id(uow: UnitOfWork, on: date) -> str:
    """A fresh id of the form S-YYYYMMDD-N for a sighting observed on `on` (free when the caller's
    transaction reads it; only a writer's transaction keeps it free until the sighting is stored)."""
    n = 1
    while True:
        candidate = f"S-{on.strftime('%Y%m%d')}-{n}"
        if not uow.detection.sighting_ids([candidate]):
            return candidate
        n += 1


def list_sightings(uow: UnitOfWork, since: date | None = None) -> list[Sighting]:
    """Every sighting observed on or after `since` (all when None), by date then id."""
    with uow:
        return uow.detection.list_sightings(since)


def _from_row(v: dict[str, Any]) -> Sighting:
    return Sighting(
        id=v["id"], observed_on=v["observed_on"], serial=v["serial"], reliability=v["reliability"] or "",
        credibility=v["credibility"] or "", place=v.get("place") or "", country=v.get("country"),
        observed_user=v.get("observed_user") or "", manufacturer=v.get("manufacturer") or "",
        model=v.get("model") or "", platform=v.get("platform") or "", source=v.get("source") or "",
        media=tuple(v.get("media") or ()),
    )


class SightingsImport:
    """The import extension for sightings.csv (registered in services.registry.imports.extensions())."""

    specs: tuple[FileSpec, ...] = (SIGHTINGS,)

    def __init__(self) -> None:
        self.new: list[Sighting] = []

    def check(self, run: Any) -> None:
        """Validate every row; report repeats, bad fields and sightings that differ from the stored ones."""
        name = SIGHTINGS.name
        self.new = []
        if not run.present(name):
            return
        run.rows[name] = list(read_rows(run.path(name), SIGHTINGS, run.problems))
        rows: list[Row] = run.unique(name, lambda v: v["id"])
        today = run.uow.now().date()
        parsed: list[tuple[Row, Sighting]] = []
        for row in rows:
            s = _from_row(row.values)
            check = Checker(name, row.line)
            sighting_problems(s, today, check)
            run.problems.extend(check.problems)
            if not check.problems:
                parsed.append((row, s))
        stored = run.uow.detection.get_sightings([s.id for _, s in parsed])
        report = run.reports[name]
        for row, s in parsed:
            old = stored.get(s.id)
            if old is None:
                self.new.append(s)
                report.new += 1
            elif old == s:
                report.unchanged += 1
            else:
                differ = [k for k, v in asdict(s).items() if asdict(old)[k] != v]
                run.fail(row, differ[0] if differ else None,
                         f"sighting {s.id} is already recorded with other values ({', '.join(differ)});"
                         " sightings are evidence and are not edited: give the new observation its own id")

    def apply(self, run: Any, w: Write, reason: str) -> None:
        """Store the new sightings, with one audit entry naming the file's hash and every id added."""
        if not self.new:
            return
        uow = run.uow
        uow.detection.add_sightings(self.new, uow.now().isoformat(timespec="seconds"), w.principal.username)
        w.record(action="sighting.import", entity="sightings", key=SIGHTINGS.name,
                 after={"count": len(self.new), "sha256": file_sha256(run.path(SIGHTINGS.name)),
                        "ids": [s.id for s in self.new]}, reason=reason)


def export_sightings(uow: UnitOfWork, folder: Path) -> dict[str, int]:
    """Write sightings.csv (the export extension, called inside the exporter's unit of work)."""
    rows = ({**asdict(s), "media": s.media} for s in uow.detection.list_sightings())
    return {SIGHTINGS.name: write_rows(folder, SIGHTINGS, rows)}

