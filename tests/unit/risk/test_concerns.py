"""Which subjects new evidence concerns (targeted re-assessment), on small hand-made worlds."""

from __future__ import annotations

from tests.unit.risk.worlds import D, application, permit, subject, world

from endwatch.domain.risk.model import Conflict, ConflictRole, Role, TransferReport
from endwatch.services.assessment.reassessment import Concerns, concerned

AS_OF = D(2020, 10, 15)


def test_a_conflict_concerns_the_destination_and_the_end_users_state_only():
    s = subject()  # destination TR, end user the Turkish navy
    w = world()
    nk = Conflict("nk", "war", ("AZ", "AM"), D(2020, 9, 27), None, (), "t", 2,
                  (ConflictRole(Role.PRIMARY, "AZ", "A"), ConflictRole(Role.SECONDARY, "AM", "B")))
    assert not concerned(s, w, Concerns.of_conflicts([nk]), AS_OF)
    with_tr = Conflict("x", "war", ("TR",), D(2020, 9, 27), None, (), "t", 2, (ConflictRole(Role.SECONDARY, "TR"),))
    assert concerned(s, w, Concerns.of_conflicts([with_tr]), AS_OF)


def test_a_transfer_by_the_end_users_state_or_the_consignee_concerns_the_subject():
    s = subject()
    w = world()
    by_state = TransferReport(None, "AZ", "drones", D(2020, 6, 1), "register", supplier_country="TR",
                              reference="sipri:1", order_year=2020)
    by_other = TransferReport(None, "AZ", "drones", D(2020, 6, 1), "register", supplier_country="FR",
                              reference="sipri:2", order_year=2020)
    by_consignee = TransferReport("tr-navy", "QA", "turrets", D(2020, 6, 1), "press")
    assert concerned(s, w, Concerns.of_transfers([by_state]), AS_OF)
    assert not concerned(s, w, Concerns.of_transfers([by_other]), AS_OF)
    assert concerned(s, w, Concerns.of_transfers([by_consignee]), AS_OF)


def test_a_state_declared_on_the_route_concerns_the_subject():
    # Another permit of the same exporter and product family declares an end user in Azerbaijan.
    other = permit("P-AZ", app=application("A-9", end_user="az-af", consignee="az-af", destination="AZ"))
    w = world(permits=(other,))
    nk = Conflict("nk", "war", ("AZ",), D(2020, 9, 27), None, (), "t", 2, (ConflictRole(Role.PRIMARY, "AZ", "A"),))
    assert concerned(subject(), w, Concerns.of_conflicts([nk]), AS_OF)
    assert not concerned(subject(), world(), Concerns.of_conflicts([nk]), AS_OF)
