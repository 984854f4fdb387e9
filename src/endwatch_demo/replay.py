"""Replaying the bundled reference case date by date, through the whole chain: the policy in force, the
permits on the route, continuous re-assessment, the later applications assessed, the nameplate photo traced
and decided, the case with its recommended actions, and, with the full record, a delivery refused under the
suspended permit. What happens goes to a view as it happens (`endwatch demo` prints it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from endwatch.domain.audit import ChainReport
from endwatch.domain.permits import Application
from endwatch.domain.policy import Policy, policies_in_force
from endwatch.errors import RuleViolation
from endwatch.services.assessment.assess import AssessmentResult, assess
from endwatch.services.assessment.reassessment import reassess_all
from endwatch.services.assessment.store import WatchEntry
from endwatch.services.audit.verify import verify
from endwatch.services.authz import Principal, Role
from endwatch.services.detection.run import DetectionResult, case_actions, detect, findings
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.queries import PermitView, list_applications, list_policies, permits_as_of
from endwatch.services.registry.trace import TraceResult, trace_serial
from endwatch.services.system.demo import claim_for_demo, set_today
from endwatch.services.uow import UnitOfWork
from endwatch_demo import reference_case

# Who replays the public record: the demonstration's own administrator, an account-less principal that
# acts only on a demonstration database (replay() makes sure of it first).
REPLAYER = Principal("endwatch-demo", Role.ADMINISTRATOR)
COUNTRY, ENTRY = "TR", "2-15"  # the destination and control-list entry whose policy each day shows
REFUSED_PERMIT, REFUSED_ON = "PERMIT-REDACTED-1", date(2020, 10, 20)


class ReplayView(Protocol):
    """Where the replay shows what happens, in the order it happens."""

    def loaded(self, folder: Path, changes: int, until: date | None) -> None: ...
    def day(self, on: date, what: str) -> None: ...
    def policy(self, country: str, entry: str, governing: Policy | None) -> None: ...
    def route_permits(self, views: list[PermitView]) -> None: ...
    def watched(self, entry: WatchEntry) -> None: ...
    def assessed(self, application: Application, result: AssessmentResult) -> None: ...
    def traced(self, plate: dict[str, str], result: TraceResult) -> None: ...
    def detected(self, results: list[DetectionResult]) -> None: ...
    def recommended(self, case_id: str, kind: str, target: str) -> None: ...
    def watch_added(self, line: str) -> None: ...
    def next_step(self, case_id: str) -> None: ...
    def refused(self, permit: str, on: date, violation: RuleViolation) -> None: ...
    def verified(self, chain: ChainReport) -> None: ...


class ReplayClock:
    """A clock the replay moves from key date to key date, so what it records (a case opened, an assessment
    made) is dated the day it happened in the record, not the day the demo ran. Time of day is the machine's."""

    def __init__(self, day: date | None = None) -> None:
        self.day = day

    def set(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        now = datetime.now(UTC)
        return datetime.combine(self.day, now.timetz()) if self.day else now


@dataclass(frozen=True)
class _Database:
    """The replay's unit-of-work factories as the Database long jobs plan on (services.uow.Database)."""

    writer: Callable[[], UnitOfWork]
    snapshot: Callable[[], UnitOfWork]

    def uow(self) -> UnitOfWork:
        return self.writer()

    def reader(self) -> UnitOfWork:
        return self.snapshot()


def today_after(until: date | None) -> date:
    """The demonstration's own today after a replay up to `until`: the next day (make run replays to 4 October
    2020, so the suspension of 5 October is applied "today"); after the whole record, the day after its end."""
    return (until or reference_case.KEY_DATES[-1][0]) + timedelta(days=1)


def replay(uow: Callable[[], UnitOfWork], reader: Callable[[], UnitOfWork], until: date | None,
           view: ReplayView, set_day: Callable[[date], None] = lambda _day: None) -> None:
    """Load the bundled case (as it stood on `until`, or whole) on a migrated database and replay it: each key
    date up to `until`, detection on the day of the photo, then the delivery the suspension refuses (or, before
    the suspension, the next step), and the audit trail verified.

    Only on a demonstration database: an empty one is marked so first; one that holds other records is
    refused (RuleViolation `demo-database`), nothing written. `set_day` is told each day the replay lives in
    (a ReplayClock's `set`); at the end the database records its own today (`today_after(until)`)."""
    # The record is loaded as it stood on its last day replayed (nothing in it may lie in the future), then
    # each key date is replayed as of its own day.
    set_day(today_after(until) - timedelta(days=1))
    claim_for_demo(uow(), REPLAYER)
    report = reference_case.load(uow(), REPLAYER, until=until)
    view.loaded(reference_case.folder(), report.changes, until)
    for day, what in reference_case.KEY_DATES:
        if until and day > until:
            break
        view.day(day, what)
        set_day(day)
        _replay_day(uow, reader, day, view)
        if day == reference_case.PHOTO_DAY:
            _detect(uow, reader, view)
    today = today_after(until)
    set_day(today)
    set_today(uow(), REPLAYER, today)
    if until is None or until >= reference_case.SUSPENSION_DAY:
        _refused_delivery(uow, view)
    else:
        cases = sorted({r.case_id for r in findings(reader()) if r.case_id})
        view.next_step(cases[0] if cases else "CASE-0001")
    view.verified(verify(reader))


def _replay_day(uow: Callable[[], UnitOfWork], reader: Callable[[], UnitOfWork], day: date,
                view: ReplayView) -> None:
    plate = reference_case.NAMEPLATE
    governing = policies_in_force(list_policies(reader(), COUNTRY), COUNTRY, [ENTRY], day)
    view.policy(COUNTRY, ENTRY, governing[0] if governing else None)
    views = [v for v in permits_as_of(reader(), day) if v.permit.consignee_id == reference_case.ROUTE["consignee_id"]]
    if views:
        view.route_permits(views)
    # Continuous re-assessment, as it would have run that day: worsening recommendations go on the watch list.
    for entry in reassess_all(_Database(uow, reader), REPLAYER, day, f"demo replay: {day.isoformat()}"):
        view.watched(entry)
    arrived = [a for a in list_applications(reader()) if a.received_on == day and a.end_user_id == "az-air-force"]
    for a in arrived:
        view.assessed(a, assess(uow(), REPLAYER, a.number, day, trigger="demo replay"))
    view.traced(plate, trace_serial(reader(), plate["serial"], manufacturer=plate["manufacturer"],
                                    model=plate["model"], as_of=day))


def _detect(uow: Callable[[], UnitOfWork], reader: Callable[[], UnitOfWork], view: ReplayView) -> None:
    """Decide the bundled sightings: the nameplate photo comes out a diversion and opens a case."""
    run = detect(_Database(uow, reader), REPLAYER, reassess=True)
    view.detected(run.results)
    for case_id in sorted({r.case_id for r in run.results if r.case_id}):
        for kind, target in case_actions(reader(), case_id):
            view.recommended(case_id, kind, target)
    for line in run.watch_added:
        view.watch_added(line)


def _refused_delivery(uow: Callable[[], UnitOfWork], view: ReplayView) -> None:
    """The registry refuses a delivery under the suspended permit, writing nothing."""
    try:
        record_delivery(uow(), REPLAYER, REFUSED_PERMIT, REFUSED_ON, ["DEMO-SN-REFUSED"])
    except RuleViolation as exc:
        view.refused(REFUSED_PERMIT, REFUSED_ON, exc)
