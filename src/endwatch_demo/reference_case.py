"""The bundled reference case (the 2020 Wescam sensors on Turkish drones) and its key dates."""

from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import date
from importlib.resources import files
from pathlib import Path

from endwatch.services.authz import Principal
from endwatch.services.registry.imports import ImportReport, import_folder
from endwatch.services.uow import UnitOfWork

# Where the case's facts changed, with what happened that day (see data/reference_case/README.md).
KEY_DATES: tuple[tuple[date, str], ...] = (
    (date(2019, 10, 15), "Canada halts approval of new export permits for military goods to Turkey"),
    (date(2020, 5, 8), "permits issued for MX-15D sensors to Baykar under the presumption of denial, NATO exception"),
    (date(2020, 9, 14), "new applications name the Azerbaijani Air Force as end user, through Baykar"),
    (date(2020, 9, 15), "a sensor is delivered under the May 2020 permit for the Turkish Naval Forces"),
    (date(2020, 10, 1), "war over Nagorno-Karabakh; the nameplate 'L3 Wescam' 'CMX-15D' is photographed"),
    (date(2020, 10, 5), "the Minister suspends the relevant export permits to Turkey"),
    (date(2021, 4, 12), "the suspended permits are cancelled after review"),
)

NAMEPLATE = {"serial": "REDACTED-SN-1", "manufacturer": "L3 Wescam", "model": "CMX-15D"}
ROUTE = {"exporter_id": "wescam", "consignee_id": "baykar", "destination": "TR"}


def folder() -> Path:
    """The folder holding the bundled case in the exchange format."""
    return Path(str(files("endwatch_demo.data") / "reference_case"))


# The decisions the record shows were taken after the photo: left out when loading `until` a date before
# them, so that they can be taken again in endwatch (from the case, in the browser or the command line).
SUSPENSION_DAY = date(2020, 10, 5)
# The day the nameplate photo was taken (the bundled sighting's observation date).
PHOTO_DAY = date(2020, 10, 1)


def load(uow: UnitOfWork, principal: Principal, *, until: date | None = None) -> ImportReport:
    """Import the bundled case (a second load changes nothing).

    With `until`, permit status changes effective after that day are left out: the registry then stands
    as it did before the suspension of 5 October 2020, ready for the suspension to be applied again.
    """
    if until is None:
        return import_folder(uow, principal, folder(), reason="bundled reference case")
    with tempfile.TemporaryDirectory(prefix="endwatch-case-") as tmp:
        staged = Path(tmp)
        for path in folder().glob("*.csv"):
            shutil.copy(path, staged / path.name)
        _drop_later_status_changes(staged / "status_changes.csv", until)
        return import_folder(uow, principal, staged,
                             reason=f"bundled reference case, as it stood on {until.isoformat()}")


def _drop_later_status_changes(path: Path, until: date) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0].keys()) if rows else ["permit_number", "status", "effective_on", "reason", "reference"]
    kept = [r for r in rows if date.fromisoformat(r["effective_on"]) <= until]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
