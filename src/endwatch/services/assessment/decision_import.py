"""decisions.csv: decisions on applications carried by an import, checked as `decisions.decide` and
`decisions.countersign` check them, written in the import's transaction.

An application received in endwatch is approved or denied only through a decision. An import may carry
that decision: each by a known, active user who may decide, signing in person (never a service account);
an approval always carries a second, different signature (`countersigned_by`), because an import cannot
run the assessment that would waive it. Otherwise the import is refused, naming file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from endwatch.domain.permits import ApplicationStatus
from endwatch.errors import EndwatchError
from endwatch.exchange.reader import Row, read_rows
from endwatch.exchange.schema import FileSpec
from endwatch.exchange.schema_assessment import DECISIONS
from endwatch.exchange.writer import write_rows
from endwatch.services.assessment.store import Decision
from endwatch.services.authz import Action, Principal, Role, require, require_signature
from endwatch.services.gate import Write
from endwatch.services.registry.applications import change_application_status
from endwatch.services.registry.imports import ImportRun
from endwatch.services.uow import UnitOfWork

_OUTCOME = {"approve": ApplicationStatus.APPROVED, "deny": ApplicationStatus.DENIED}
IMPORTED = "not assessed (imported)"  # a decision taken elsewhere carries no endwatch assessment


@dataclass(frozen=True)
class _Incoming:
    application_number: str
    decision: str
    decided_by: str
    decided_on: date
    reason: str
    countersigned_by: str | None
    justification: str | None


class DecisionsImport:
    """The import extension for decisions.csv."""

    specs: tuple[FileSpec, ...] = (DECISIONS,)

    def __init__(self) -> None:
        self.incoming: list[_Incoming] = []

    def check(self, run: ImportRun) -> None:
        """Every decision names a pending application, signatories who may decide, and the outcome the
        application's row states; those that pass are noted in `run.decided`."""
        if not run.present(DECISIONS.name):
            return
        run.rows[DECISIONS.name] = list(read_rows(run.path(DECISIONS.name), DECISIONS, run.problems))
        report = run.reports[DECISIONS.name]
        today = run.uow.now().date()
        for row in run.unique(DECISIONS.name, lambda v: v["application_number"]):
            v = row.values
            number = v["application_number"]
            app = run.applications.get(number)
            if app is None:
                run.fail(row, "application_number", f"unknown application {number!r}")
                continue
            stored = run.uow.applications.get(number)
            if stored is not None and stored.historical_source:
                run.fail(row, "application_number", f"application {number} is a historical record"
                         f" ({stored.historical_source}): it was decided outside endwatch")
                continue
            if stored is not None and not stored.status.pending:
                if stored.status is _OUTCOME[v["decision"]] and self._stored_same(run, row):
                    report.unchanged += 1  # this decision was imported before
                    continue
                run.fail(row, "application_number", f"rule application-final: application {number} is already"
                         f" {stored.status.value}; it can no longer be decided")
                continue
            if stored is not None and any(d.state == "awaiting_second" for d in
                                          run.uow.assessment.decisions(number)):
                run.fail(row, "application_number", f"rule decision-pending: an approval of application {number}"
                         " awaits a second approver in endwatch")
                continue
            if number in run.new_applications and app.status is not _OUTCOME[v["decision"]]:
                run.fail(row, "decision", f"application {number} is {app.status.value} in applications.csv,"
                         f" but this decision would make it {_OUTCOME[v['decision']].value}")
                continue
            ok = self._signatory(run, row, "decided_by", v["decided_by"])
            second = v.get("countersigned_by") or None
            if second is not None:
                ok = self._signatory(run, row, "countersigned_by", second) and ok
                if second == v["decided_by"]:
                    run.fail(row, "countersigned_by", f"rule four-eyes: the second signature must be someone other"
                             f" than {second}, who decided")
                    ok = False
            elif v["decision"] == "approve":
                run.fail(row, "countersigned_by", "rule four-eyes: an imported approval needs a second, different"
                         " approver (countersigned_by)")
                ok = False
            if v["decided_on"] < app.received_on or v["decided_on"] > today:
                run.fail(row, "decided_on", f"{v['decided_on'].isoformat()} is not between the day the application"
                         f" was received ({app.received_on.isoformat()}) and today")
                ok = False
            if not ok:
                continue
            report.new += 1
            run.decided.add(number)
            self.incoming.append(_Incoming(number, v["decision"], v["decided_by"], v["decided_on"],
                                           v["reason"], second, v.get("justification") or None))

    @staticmethod
    def _stored_same(run: ImportRun, row: Row) -> bool:
        v = row.values
        last = [d for d in run.uow.assessment.decisions(v["application_number"]) if d.recommendation == IMPORTED]
        return bool(last) and (last[-1].decision, last[-1].decided_by, last[-1].decided_on) == (
            v["decision"], v["decided_by"], v["decided_on"])

    @staticmethod
    def _signatory(run: ImportRun, row: Row, column: str, username: str) -> bool:
        """A known, active person who may decide applications, signing in their own name."""
        user = run.uow.accounts.get_user(username)
        if user is None or not user.active:
            run.fail(row, column, f"{username!r} is not a known, active user")
            return False
        try:
            who = Principal(user.username, Role(user.role), user.party_id)
            require(who, Action.APPLICATIONS_DECIDE)
            require_signature(who, f"a decision on application {row['application_number']}")
        except EndwatchError as exc:
            run.fail(row, column, exc.message)
            return False
        return True

    def apply(self, run: ImportRun, w: Write, reason: str) -> None:
        """Store each decision and the status change it causes (the registry saved the application as it
        stood before the decision)."""
        for d in self.incoming:
            at = w.uow.now().isoformat(timespec="microseconds")
            second = d.countersigned_by
            record = Decision(None, d.application_number, d.decision, "countersigned" if second else "final",
                              d.decided_on, d.decided_by, at, d.reason, IMPORTED, second is not None,
                              d.justification, None, None, second, at if second else None)
            record = replace(record, id=w.uow.assessment.add_decision(record))
            w.record(action=f"decision.{d.decision}.import", entity="application", key=d.application_number,
                     after=record, reason=f"{d.reason} ({reason})")
            signed = f"decided by {d.decided_by}" + (f" and countersigned by {second}" if second else "")
            change_application_status(w, d.application_number, _OUTCOME[d.decision], d.decided_on,
                                      f"{signed}: {d.reason}", f"decision {record.id}")


def export_decisions(uow: UnitOfWork, folder: Path) -> dict[str, int]:
    """Write decisions.csv: for each application endwatch approved or denied (not a historical record), the
    decision that made it so, with its signatures; importing it (with applications.csv) into an empty
    registry whose accounts include the signatories reproduces the decisions (inside the caller's unit of
    work). Holds, approvals still awaiting a second signature and superseded decisions are not carried."""
    outcome = {ApplicationStatus.APPROVED: "approve", ApplicationStatus.DENIED: "deny"}
    wanted = {a.number: outcome[a.status] for a in uow.applications.list()
              if a.status in outcome and not a.historical_source}
    last: dict[str, Decision] = {}
    for d in uow.assessment.decisions(None):
        if d.application_number in wanted and d.decision == wanted[d.application_number] \
                and d.state in ("final", "countersigned"):
            last[d.application_number] = d  # oldest first: the last one standing made the status
    rows: list[dict[str, Any]] = [
        {"application_number": d.application_number, "decision": d.decision, "decided_by": d.decided_by,
         "decided_on": d.decided_on, "reason": d.reason, "countersigned_by": d.second_by or "",
         "justification": d.justification or ""}
        for _, d in sorted(last.items())]
    # No file when there is nothing to carry (a registry of historical records only, the bundled case).
    return {DECISIONS.name: write_rows(folder, DECISIONS, rows)} if rows else {}
