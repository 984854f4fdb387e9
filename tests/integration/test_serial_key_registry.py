"""The one serial key in the registry, on SQLite and PostgreSQL: look-alikes are one item for deliveries,
imports and trace."""

from datetime import date
from pathlib import Path

import pytest
from tests.factories import ACTOR, permit, small_world
from tests.integration.test_import import append, copy_case, problems_of
from tests.unit.test_serial_key import LOOK_ALIKES

from endwatch.errors import InvalidInput, RuleViolation
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.trace import trace_serial

DAY = date(2020, 9, 15)


def test_the_five_look_alikes_are_one_item(ew):
    small_world(ew)
    issue_permit(ew.uow(), ACTOR, permit(quantity=10))
    record_delivery(ew.uow(), ACTOR, "P-1", DAY, [LOOK_ALIKES[0]])
    for other in LOOK_ALIKES[1:]:
        with pytest.raises(RuleViolation) as exc:
            record_delivery(ew.uow(), ACTOR, "P-1", DAY, [other])
        assert exc.value.rule == "serial-unique" and "already delivered under permit P-1" in exc.value.detail
    with pytest.raises(InvalidInput, match="is the same as"):
        record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["XYZ-1", "\u0425\u0423Z\u200b-1"])
    for typed in LOOK_ALIKES:
        assert [h.serial for h in trace_serial(ew.reader(), typed, as_of=DAY).hits] == ["ABC-123"]


def test_separators_do_not_make_a_second_item_and_trace_ignores_them(ew):
    small_world(ew)
    issue_permit(ew.uow(), ACTOR, permit(quantity=10))
    record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["AB123"])
    with pytest.raises(RuleViolation) as exc:
        record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["AB.123"])
    assert exc.value.rule == "serial-unique"
    for typed in ("AB/123", "ab.123", "S/N: AB 123", "\u0410\u0412_123"):
        result = trace_serial(ew.reader(), typed, as_of=DAY)
        assert [h.serial for h in result.hits] == ["AB123"], typed
        assert result.serial_norm == "AB123"


def test_an_import_refuses_look_alikes_of_a_serial(ew, tmp_path: Path):
    folder = copy_case(tmp_path)
    (folder / "deliveries.csv").write_text("permit_number,delivered_on,serial,recipient_id\n")
    append(folder, "deliveries.csv", *(f"PERMIT-REDACTED-1,2020-09-16,{s},baykar" for s in LOOK_ALIKES))
    problems = problems_of(ew, folder)
    repeats = [p for p in problems if "serial-unique" in str(p) and "repeats line 2" in str(p)]
    assert sorted(p.line for p in repeats) == [3, 4, 5, 6]
