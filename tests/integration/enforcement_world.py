"""A small world for enforcement tests: the reference case before the October 2020 suspension
(its recorded status changes left out), plus permits elsewhere that no Baykar-route scope may touch."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from tests.conftest import REFERENCE_CASE
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.domain.permits import EndUseUndertaking, Permit
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.permits import issue_permit

BAYKAR_ROUTE = {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
SUSPENDED_ON = date(2020, 10, 5)


def before_suspension(ew: Endwatch, tmp_path: Path) -> Endwatch:
    """Import the bundled case without its status changes, and issue two permits off the route."""
    folder = tmp_path / "case-before-suspension"
    shutil.copytree(REFERENCE_CASE, folder)
    (folder / "status_changes.csv").unlink()
    import_folder(ew.uow(), person("fixture"), folder)
    for number, consignee, destination in (("PERMIT-AM-1", "am-forces", "AM"), ("PERMIT-CA-1", "gac-teib", "CA")):
        issue_permit(ew.uow(), person("fixture"), Permit(
            number=number, exporter_id="wescam", consignee_id=consignee, end_user_id=consignee,
            destination=destination, product_id="mx-15d", quantity=3, issued_on=date(2020, 6, 1),
            expires_on=date(2022, 6, 1), undertaking=EndUseUndertaking("surveillance")))
    return ew


NAMEPLATE_SEEN_ON = date(2020, 10, 1)
DETECTED_AT = datetime(2020, 10, 25, 9, 0, tzinfo=UTC)


def diverted(ew: Endwatch, tmp_path: Path) -> str:
    """The world before the suspension, plus the nameplate sighting with Azerbaijani forces, decided by
    detection on 25 October 2020 (which opens a case with recommended actions). Returns the case id."""
    from endwatch.domain.sightings import Sighting
    from endwatch.services.detection import run as detection
    from endwatch.services.detection import sightings

    before_suspension(ew, tmp_path)
    ew.clock = lambda: DETECTED_AT
    sightings.add_sighting(ew.uow(), person("analyst-one"), Sighting(
        id="S-20201001-1", observed_on=NAMEPLATE_SEEN_ON, serial="REDACTED-SN-1", reliability="B", credibility="2",
        place="Nagorno-Karabakh conflict zone", country="AZ", observed_user="Azerbaijani Armed Forces",
        manufacturer="L3 Wescam", model="CMX-15D", platform="Bayraktar TB2", source="photo of a downed drone"))
    run = detection.detect(ew, person("analyst-one"))
    assert run.cases_opened, run
    return run.cases_opened[0]
