"""The bundled reference case (the 2020 Wescam sensors on Turkish drones) and its key dates."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path

from endwatch.services.imports import ImportReport, import_folder
from endwatch.services.uow import UnitOfWork

# Where the case's facts changed, with what happened that day (see data/reference_case/README.md).
KEY_DATES: tuple[tuple[date, str], ...] = (
    (date(2019, 10, 15), "Canada halts approval of new export permits for military goods to Turkey"),
    (date(2020, 5, 8), "permits issued for MX-15D sensors to Baykar under the presumption of denial, NATO exception"),
    (date(2020, 9, 15), "a sensor is delivered under the May 2020 permit for the Turkish Naval Forces"),
    (date(2020, 10, 1), "war over Nagorno-Karabakh; the nameplate 'L3 Wescam' 'CMX-15D' is photographed"),
    (date(2020, 10, 5), "the Minister suspends the relevant export permits to Turkey"),
    (date(2021, 4, 12), "the suspended permits are cancelled after review"),
)

NAMEPLATE = {"serial": "REDACTED-SN-1", "manufacturer": "L3 Wescam", "model": "CMX-15D"}
ROUTE = {"exporter_id": "wescam", "consignee_id": "baykar", "destination": "TR"}


def folder() -> Path:
    """The folder holding the bundled case in the exchange format."""
    return Path(str(files("endwatch.data") / "reference_case"))


def load(uow: UnitOfWork, actor: str) -> ImportReport:
    """Import the bundled case (a second load changes nothing)."""
    return import_folder(uow, actor, folder(), reason="bundled reference case")
