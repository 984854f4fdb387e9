"""conflicts.csv and transfers.csv: validated and written inside the registry's import (the
`extensions()` hook of services/registry/imports.py), and written by the registry's export."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from endwatch.domain.risk.model import Conflict, ConflictRole, Role, TransferReport
from endwatch.exchange.reader import Row, file_sha256, read_rows
from endwatch.exchange.schema import FileSpec
from endwatch.exchange.schema_assessment import ASSESSMENT_FILES, CONFLICTS, TRANSFERS
from endwatch.exchange.writer import write_rows
from endwatch.services.gate import Write
from endwatch.services.registry.imports import ImportRun
from endwatch.services.uow import UnitOfWork


def _transfer_key(t: TransferReport) -> tuple[str | None, str, str, date, str]:
    return (t.supplier_id, t.recipient_country, t.item, t.reported_on, t.reference)


class EvidenceImport:
    """The import extension for the assessment area's evidence files."""

    specs: tuple[FileSpec, ...] = ASSESSMENT_FILES

    def __init__(self) -> None:
        self.new_conflicts: list[Conflict] = []
        self.new_transfers: list[TransferReport] = []

    def _rows(self, run: ImportRun, spec: FileSpec) -> list[Row]:
        if not run.present(spec.name):
            return []
        run.rows[spec.name] = list(read_rows(run.path(spec.name), spec, run.problems))
        return run.unique(spec.name, lambda v: tuple(v[k] for k in spec.key))

    def check(self, run: ImportRun) -> None:
        """Validate both files against the registry as it will be after the import (run.parties)."""
        self.check_conflicts(run)
        self.check_transfers(run)

    def check_conflicts(self, run: ImportRun) -> None:
        stored = {c.id: c for c in run.uow.assessment.conflicts()}
        report = run.reports[CONFLICTS.name]
        for row in self._rows(run, CONFLICTS):
            v = row.values
            ok = True
            for code in v["countries"]:
                if not _is_country(code):
                    run.fail(row, "countries",
                             f"{code!r} is not an ISO 3166-1 alpha-2 code (nor in docs/country-codes.md)")
                    ok = False
            for pid in v["party_ids"]:
                if pid not in run.parties:
                    run.fail(row, "party_ids", f"unknown party {pid!r}")
                    ok = False
            if v["ended_on"] is not None and v["ended_on"] < v["started_on"]:
                run.fail(row, "ended_on", "ended_on is before started_on")
                ok = False
            if v["intensity"] is not None and v["intensity"] not in (1, 2):
                run.fail(row, "intensity", f"intensity is 1 (minor) or 2 (war), not {v['intensity']}")
                ok = False
            roles = []
            for item in v["roles"]:
                role, problem = parse_role(item, run.parties)
                if problem:
                    run.fail(row, "roles", problem)
                    ok = False
                elif role is not None:
                    roles.append(role)
            if not ok:
                continue
            conflict = Conflict(v["id"], v["name"], tuple(v["countries"]), v["started_on"], v["ended_on"],
                                tuple(v["party_ids"]), v["source"] or "", v["intensity"], tuple(roles),
                                v["known_on"], v["series"] or "", v["kind"] or "")
            old = stored.get(conflict.id)
            if old is None:
                report.new += 1
            elif old == conflict:
                report.unchanged += 1
                continue
            else:
                report.changed += 1
            self.new_conflicts.append(conflict)

    def check_transfers(self, run: ImportRun) -> None:
        stored = {_transfer_key(t) for t in run.uow.assessment.transfers()}
        report = run.reports[TRANSFERS.name]
        for row in self._rows(run, TRANSFERS):
            v = row.values
            ok = True
            for column in ("supplier_id", "recipient_id"):
                if v[column] and v[column] not in run.parties:
                    run.fail(row, column, f"unknown party {v[column]!r}")
                    ok = False
            if ok and v["recipient_id"]:
                country = run.parties[v["recipient_id"]].country
                if country and country != v["recipient_country"]:
                    run.fail(row, "recipient_country", f"the recipient {v['recipient_id']!r} is in {country},"
                             f" not {v['recipient_country']}")
                    ok = False
            if not ok:
                continue
            if v["quantity"] is not None and v["quantity"] < 0:
                run.fail(row, "quantity", f"quantity must be 0 or more, not {v['quantity']}")
                continue
            transfer = TransferReport(v["supplier_id"], v["recipient_country"], v["item"], v["reported_on"],
                                      v["source"] or "", v["recipient_id"], reference=v["reference"] or "",
                                      manufacturer=v["manufacturer"] or "", delivered=v["quantity"])
            if _transfer_key(transfer) in stored:
                report.unchanged += 1
                continue
            report.new += 1
            self.new_transfers.append(transfer)

    def apply(self, run: ImportRun, w: Write, reason: str) -> None:
        """Write what changed, audit it, then re-assess what the new evidence may touch."""
        uow = run.uow
        for spec in ASSESSMENT_FILES:
            if run.present(spec.name):
                w.record(action="import.file", entity="import", key=spec.name,
                         after={"folder": str(run.folder), "sha256": file_sha256(run.path(spec.name)),
                                **vars(run.reports[spec.name])}, reason=reason)
        for c in self.new_conflicts:
            uow.assessment.save_conflict(c)
            w.record(action="conflict.import", entity="conflict", key=c.id, after=c, reason=reason)
        for t in self.new_transfers:
            uow.assessment.add_transfer(t)
            w.record(action="transfer.import", entity="transfer", key=t.key, after=t, reason=reason)
        parties = run.reports.get("parties.csv")
        if parties is not None and parties.new + parties.changed:
            # Parties created or renamed by the import are screened now, not at the next list load.
            from endwatch.services.assessment.screening import screen_saved_parties

            screen_saved_parties(w, f"parties imported from {run.folder}: screened against the restricted-party lists")
        if self.new_conflicts or self.new_transfers:
            from endwatch.services.assessment.reassessment import Concerns, reassess_in

            what = [f"{len(self.new_conflicts)} conflict(s)"] if self.new_conflicts else []
            what += [f"{len(self.new_transfers)} transfer report(s)"] if self.new_transfers else []
            concerns = Concerns.of_conflicts(self.new_conflicts) | Concerns.of_transfers(self.new_transfers)
            reassess_in(w, uow.now().date(), f"import of {' and '.join(what)} from {run.folder}", concerns)


def format_role(r: ConflictRole) -> str:
    """A role as conflicts.csv writes it: `role:country:side:party_id:actor` (the actor last: it may hold a colon)."""
    return ":".join((r.role.value, r.country or "", r.side, r.party_id or "", r.actor))


def parse_role(item: str, parties: Mapping[str, object]) -> tuple[ConflictRole | None, str]:
    """A role read from conflicts.csv, or a problem naming what is wrong with it."""
    parts = item.split(":", 4)
    if len(parts) != 5:
        return None, f"{item!r} is not role:country:side:party_id:actor"
    role, country, side, party_id, actor = (x.strip() for x in parts)
    if role not in {r.value for r in Role}:
        return None, f"{role!r} is not a role (location, primary, secondary, mission) in {item!r}"
    if country and not _is_country(country):
        return None, f"{country!r} is not an ISO 3166-1 alpha-2 code (nor in docs/country-codes.md) in {item!r}"
    if side not in ("", "A", "B"):
        return None, f"side {side!r} is not A, B or blank in {item!r}"
    if party_id and party_id not in parties:
        return None, f"unknown party {party_id!r} in {item!r}"
    return ConflictRole(Role(role), country or None, side, actor, party_id or None), ""


def _is_country(code: str) -> bool:
    from endwatch.countries import is_country

    return is_country(code)


def export_evidence(uow: UnitOfWork, folder: Path) -> dict[str, int]:
    """Write conflicts.csv and transfers.csv (inside the caller's unit of work)."""
    conflicts: list[dict[str, Any]] = [
        {"id": c.id, "name": c.name, "countries": c.countries, "party_ids": c.party_ids,
         "started_on": c.started_on, "ended_on": c.ended_on, "source": c.source, "intensity": c.intensity,
         "kind": c.kind, "series": c.series, "known_on": c.known_on, "roles": [format_role(r) for r in c.roles]}
        for c in uow.assessment.conflicts()]
    transfers: list[dict[str, Any]] = [
        {"supplier_id": t.supplier_id, "recipient_id": t.recipient_id, "recipient_country": t.recipient_country,
         "item": t.item, "reported_on": t.reported_on, "source": t.source, "reference": t.reference,
         "manufacturer": t.manufacturer, "quantity": t.delivered}
        for t in uow.assessment.transfers() if t.supplier_id]  # a register's state-level entries stay in evidence
    return {CONFLICTS.name: write_rows(folder, CONFLICTS, conflicts),
            TRANSFERS.name: write_rows(folder, TRANSFERS, transfers)}
