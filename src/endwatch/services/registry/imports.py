"""Importing a folder in the exchange format: validate everything, report every problem, write all or nothing.

Records are matched to what is stored by their keys (party id, permit number, serial...): identical
records are left alone, so importing the same folder twice changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeGuard, cast

from endwatch.domain.deliveries import DeliveredItem, Retransfer, check_in_force, check_quantity
from endwatch.domain.parties import Party, PartyKind, ancestors
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    EndUseUndertaking,
    Permit,
    PermitStatus,
    StatusChange,
    check_history,
    check_new_status,
    check_permit_dates,
)
from endwatch.domain.policy import Measure, Policy, check_issuance
from endwatch.domain.products import Product
from endwatch.domain.serials import serial_key
from endwatch.errors import InvalidInput, Problem, RuleViolation
from endwatch.exchange.reader import Row, file_sha256, read_rows
from endwatch.exchange.schema import FILES, SPECS, FileSpec
from endwatch.services.authz import Action, Principal, require
from endwatch.services.gate import Write, write, write_planned
from endwatch.services.registry.applications import check_application_approved
from endwatch.services.registry.store import ItemRecord, PreparedItems
from endwatch.services.uow import Database, UnitOfWork

CHUNK = 5000
# Up to this many new items, an import prepares their rows on its read snapshot and its write only inserts them
# (about 100 bytes each in memory); a larger one (a registry's first load) builds them inside its write.
PREPARE_MAX = 250_000


@dataclass
class FileReport:
    """What importing one file did (or, in a dry run, would do)."""

    file: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of an import, file by file."""

    folder: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(f.new + f.changed for f in self.files)


def _undertaking(v: dict[str, Any]) -> EndUseUndertaking:
    return EndUseUndertaking(v.get("end_use") or "", bool(v.get("no_reexport")), v.get("signatory"), v.get("signed_on"))


def _party(v: dict[str, Any]) -> Party:
    return Party(v["id"], v["name"], PartyKind(v["kind"]), v.get("country"), v.get("parent_id"),
                 tuple(v.get("aliases") or ()), tuple(v.get("former_names") or ()),
                 tuple(v.get("identifiers") or ()), v.get("birth_date"))


def _same_party(a: Party, b: Party) -> bool:
    """Equal as the registry stores a party: aliases and former names are sets (their order, repeats and a
    repeat of the name itself carry no meaning), so re-importing an unchanged file changes nothing."""
    return _canonical_party(a) == _canonical_party(b)


def _canonical_party(p: Party) -> Party:
    aliases = set(p.aliases) - {p.name}
    former = set(p.former_names) - aliases - {p.name}
    return replace(p, aliases=tuple(sorted(aliases)), former_names=tuple(sorted(former)),
                   identifiers=tuple(sorted(set(p.identifiers))))


def _product(v: dict[str, Any]) -> Product:
    family = v.get("family") or ""
    return Product(v["id"], v["manufacturer_id"], v["model"], tuple(sorted(set(v.get("aliases") or ()))),
                   tuple(sorted(set(v.get("category") or ()))), v.get("description") or "",
                   "" if family == v["id"] else family, bool(v.get("designated")))


def policy_id(v: dict[str, Any]) -> str:
    """A policy's id, or the default one made of country, measure and first day."""
    return v.get("id") or f"{v['country']}-{v['measure']}-{v['effective_from'].isoformat()}"


def _policy(v: dict[str, Any]) -> Policy:
    return Policy(policy_id(v), v["country"], Measure(v["measure"]), tuple(v["categories"]), v["effective_from"],
                  v.get("effective_to"), tuple(v.get("exceptions") or ()), v.get("reference") or "")


def _goods(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get(k) for k in ("exporter_id", "consignee_id", "end_user_id", "destination", "product_id",
                                  "quantity", "value", "currency")}


def _application(v: dict[str, Any], historical: str | None) -> Application:
    return Application(number=v["number"], received_on=v["received_on"], undertaking=_undertaking(v),
                       status=ApplicationStatus(v.get("status") or "received"),
                       historical_source=v.get("historical_source") or historical, **_goods(v))


def _permit(v: dict[str, Any], historical: str | None) -> Permit:
    return Permit(number=v["number"], issued_on=v["issued_on"], expires_on=v["expires_on"],
                  undertaking=_undertaking(v), application_number=v.get("application_number"),
                  exception=v.get("exception"), justification=v.get("justification"),
                  historical_source=v.get("historical_source") or historical, **_goods(v))


_DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.DENIED)


def _historical_refusal(kind: str, key: str, source: str) -> str:
    return (f"rule historical-record: {kind} {key} is already held by endwatch, and a historical record"
            f" ({source}) never changes a record endwatch holds")


def _same_permit(a: Permit, b: Permit) -> bool:
    """Equal in everything the exchange format carries (the policy basis is derived on import)."""
    keep = {"policy_id": None, "policy_measure": None, "history": ()}
    return replace(a, **keep) == replace(b, **keep)  # type: ignore[arg-type]


def _item_key(rec: ItemRecord) -> str:
    """The key a serial number is unique under: manufacturer, product family, normalised serial."""
    return f"{rec.manufacturer_id}\x1f{rec.family}\x1f{rec.serial_norm}"


class ImportRun:
    """One import run: the world as stored, the records read, and the problems found."""

    def __init__(self, uow: UnitOfWork, folder: Path, historical: str | None = None) -> None:
        self.uow = uow
        self.folder = folder
        self.historical = historical  # the source named for rows whose historical_source is blank
        # Applications a row approves or denies without being historical: each needs a decision, which
        # another area's extension (decisions.csv) notes in `decided`.
        self.needs_decision: dict[str, Row] = {}
        self.decided: set[str] = set()
        self.problems: list[Problem] = []
        self.rows: dict[str, list[Row]] = {}
        self.new_items: list[ItemRecord] | None = None
        self.prepared: PreparedItems | None = None  # the new items made ready before the write (see prepare_deliveries)
        self.reports = {f.name: FileReport(f.name) for f in FILES}

    def fail(self, row: Row, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, row.file, row.line, column))

    def path(self, name: str) -> Path:
        return self.folder / name

    def present(self, name: str) -> bool:
        return self.path(name).is_file()

    def read(self) -> None:
        for spec in FILES:
            if spec.name == "deliveries.csv" or not self.present(spec.name):
                self.rows[spec.name] = []
                continue
            self.rows[spec.name] = list(read_rows(self.path(spec.name), spec, self.problems))

    def unique(self, name: str, key: Any) -> list[Row]:
        """Rows of a file, dropping (and reporting) every repeat of a key."""
        seen: dict[Any, int] = {}
        kept: list[Row] = []
        for row in self.rows[name]:
            k = key(row.values)
            if k in seen:
                self.fail(row, None, f"repeats the record on line {seen[k]} ({k})")
                continue
            seen[k] = row.line
            kept.append(row)
        return kept

    # --- validation, file by file, against the stored world merged with the incoming records ---

    def check_parties(self) -> None:
        stored = {p.id: p for p in self.uow.parties.list()}
        self.new_parties: dict[str, tuple[Row, Party]] = {}
        for row in self.unique("parties.csv", lambda v: v["id"]):
            party = _party(row.values)
            self.new_parties[party.id] = (row, party)
        self.parties = {**stored, **{k: p for k, (_, p) in self.new_parties.items()}}
        parent_of = {k: p.parent_id for k, p in self.parties.items()}
        for row, party in self.new_parties.values():
            if party.parent_id and party.parent_id not in self.parties:
                self.fail(row, "parent_id", f"unknown party {party.parent_id!r}")
            elif party.parent_id and party.id in [party.parent_id, *ancestors(party.parent_id, parent_of)]:
                self.fail(row, "parent_id", f"parent {party.parent_id!r} makes the hierarchy circular")
        self.diff("parties.csv", stored, {k: p for k, (_, p) in self.new_parties.items()}, same=_same_party)

    def check_products(self) -> None:
        stored = {p.id: p for p in self.uow.products.list()}
        self.new_products = {}
        for row in self.unique("products.csv", lambda v: v["id"]):
            product = _product(row.values)
            if product.manufacturer_id not in self.parties:
                self.fail(row, "manufacturer_id", f"unknown party {product.manufacturer_id!r}")
            self.new_products[product.id] = product
        self.products = {**stored, **self.new_products}
        self.diff("products.csv", stored, self.new_products)

    def check_policies(self) -> None:
        stored = {p.id: p for p in self.uow.policies.list()}
        self.new_policies = {}
        for row in self.unique("policies.csv", policy_id):
            policy = _policy(row.values)
            if policy.effective_to and policy.effective_to < policy.effective_from:
                self.fail(row, "effective_to", "effective_to is before effective_from")
            self.new_policies[policy.id] = policy
        self.policies = {**stored, **self.new_policies}
        self.diff("policies.csv", stored, self.new_policies)

    def check_goods(self, row: Row) -> None:
        v = row.values
        for column in ("exporter_id", "consignee_id", "end_user_id"):
            if v[column] not in self.parties:
                self.fail(row, column, f"unknown party {v[column]!r}")
        if v["product_id"] not in self.products:
            self.fail(row, "product_id", f"unknown product {v['product_id']!r}")
        if v["quantity"] is not None and v["quantity"] <= 0:
            self.fail(row, "quantity", f"quantity must be positive, not {v['quantity']}")

    def check_applications(self) -> None:
        stored = {a.number: a for a in self.uow.applications.list()}
        self.new_applications = {}
        for row in self.unique("applications.csv", lambda v: v["number"]):
            self.check_goods(row)
            app = _application(row.values, self.historical)
            old = stored.get(app.number)
            if old is not None and old.historical_source and not app.historical_source:
                app = replace(app, historical_source=old.historical_source)  # a historical record stays one
            if app.historical_source and old is not None and old != app:
                self.fail(row, "historical_source", _historical_refusal("application", app.number,
                                                                        app.historical_source))
                continue
            if not app.historical_source and (old is None or old.status is not app.status):
                # The same rules as set_application_status: a decided application no longer moves, and
                # approving or denying takes a decision.
                if old is not None and not old.status.pending:
                    self.fail(row, "status", f"rule application-final: application {app.number} is already"
                              f" {old.status.value}; its status can no longer change")
                    continue
                if app.status in _DECIDED:
                    self.needs_decision[app.number] = row
            self.new_applications[app.number] = app
        self.applications = {**stored, **self.new_applications}
        self.diff("applications.csv", stored, self.new_applications)

    def check_permits(self) -> None:
        self.stored_permits = {p.number: p for p in self.uow.permits.list()}
        self.new_permits: dict[str, tuple[Row, Permit]] = {}
        for row in self.unique("permits.csv", lambda v: v["number"]):
            self.check_goods(row)
            permit = _permit(row.values, self.historical)
            app = permit.application_number
            if app and app not in self.applications:
                self.fail(row, "application_number", f"unknown application {app!r}")
            stored = self.stored_permits.get(permit.number)
            if stored is not None and stored.historical_source and not permit.historical_source:
                permit = replace(permit, historical_source=stored.historical_source)
            if permit.historical_source and stored is not None and not _same_permit(stored, permit):
                self.fail(row, "historical_source", _historical_refusal("permit", permit.number,
                                                                        permit.historical_source))
                continue
            if stored is not None and _same_permit(stored, permit):
                permit = replace(permit, policy_id=stored.policy_id, policy_measure=stored.policy_measure)
            self.new_permits[permit.number] = (row, permit)
        self.permits = {**self.stored_permits, **{k: p for k, (_, p) in self.new_permits.items()}}

    def check_policy_rule(self) -> None:
        """New or changed permits must pass the destination-policy rule on their issue date."""
        policies = list(self.policies.values())
        for number, (row, permit) in list(self.new_permits.items()):
            stored = self.stored_permits.get(number)
            if stored is not None and _same_permit(stored, permit):
                continue
            product = self.products.get(permit.product_id)
            if product is None:
                continue
            try:
                if permit.application_number:
                    check_application_approved(self.applications.get(permit.application_number), number,
                                               permit.application_number)
                check_permit_dates(number, permit.issued_on, permit.expires_on)
                basis = check_issuance(policies, permit_number=number, country=permit.destination,
                                       categories=product.categories, on=permit.issued_on,
                                       exception=permit.exception, justification=permit.justification)
            except RuleViolation as exc:
                self.fail(row, None, exc.message)
                continue
            permit = replace(permit, policy_id=basis.policy_id, policy_measure=basis.measure.value,
                             exception=basis.exception, justification=basis.justification)
            self.new_permits[number] = (row, permit)
            self.permits[number] = permit

    def check_status_changes(self) -> None:
        """Merge stored and incoming status events per permit; each merged history must be valid."""
        incoming: dict[str, list[tuple[Row, StatusChange]]] = defaultdict(list)
        for row in self.unique("status_changes.csv", lambda v: (v["permit_number"], v["status"], v["effective_on"])):
            if row["permit_number"] not in self.permits:
                self.fail(row, "permit_number", f"unknown permit {row['permit_number']!r}")
                continue
            change = StatusChange(PermitStatus(row["status"]), row["effective_on"], row.values.get("reason") or "",
                                  row.values.get("reference") or "",
                                  row.values.get("historical_source") or self.historical)
            incoming[row["permit_number"]].append((row, change))
        self.new_changes: dict[str, list[StatusChange]] = {}
        report = self.reports["status_changes.csv"]
        for number, permit in self.permits.items():
            stored = self.stored_permits.get(number)
            existing = list(stored.history) if stored else []
            where: Row | None = self.new_permits.get(number, (None,))[0]
            known = {(c.status, c.effective_on) for c in existing}
            fresh = [(r, c) for r, c in incoming.get(number, []) if (c.status, c.effective_on) not in known]
            report.unchanged += len(incoming.get(number, [])) - len(fresh)
            report.new += len(fresh)
            if not self.status_changes_allowed(number, permit, fresh):
                continue
            if stored is not None and existing and existing[0].effective_on != permit.issued_on:
                existing = [c for c in existing if c.status is not PermitStatus.ISSUED]
            try:
                # Stored history as it stands, then each new event appended in date order: the same rule
                # (domain.permits.check_new_status) as a suspension or revocation recorded one by one.
                history = check_history(permit, existing)
                for row, change in sorted(fresh, key=lambda rc: rc[1].effective_on):
                    where = row
                    history = check_new_status(permit.with_history(history), change)
            except RuleViolation as exc:
                if where is not None:
                    self.fail(where, "effective_on" if "predates" in exc.detail else "status", exc.message)
                continue
            self.permits[number] = permit.with_history(history)
            self.new_changes[number] = [c for _, c in sorted(fresh, key=lambda rc: rc[1].effective_on)]
        for number, (row, _) in self.new_permits.items():
            status = row.values.get("status")
            latest = self.permits[number].latest_status()
            if status and status not in ("issued", "expired") and status != latest.value:
                self.fail(row, "status", f"status is {status!r} but the permit's latest recorded status is"
                          f" {latest.value!r}: add the change to status_changes.csv")
        stored_permits = self.stored_permits
        incoming_permits = {k: replace(p, history=()) for k, (_, p) in self.new_permits.items()}
        self.diff("permits.csv", {k: replace(p, history=()) for k, p in stored_permits.items()}, incoming_permits,
                  same=_same_permit)

    def status_changes_allowed(self, number: str, permit: Permit, fresh: list[tuple[Row, StatusChange]]) -> bool:
        """A historical event only on a historical permit; an event taken in endwatch as change_permit_status
        takes it (a reason given)."""
        ok = True
        for row, change in fresh:
            if change.historical_source and not permit.historical_source:
                self.fail(row, "historical_source", _historical_refusal("permit", number, change.historical_source))
                ok = False
            elif not change.historical_source and not change.reason.strip():
                self.fail(row, "reason", "a reason is required")
                ok = False
        return ok

    def check_decisions_required(self) -> None:
        """Every application a row approves or denies has its decision (decisions.csv) or is historical."""
        for number, row in self.needs_decision.items():
            if number not in self.decided:
                self.fail(row, "status", f"rule decision-required: application {number} can be {row['status']}"
                          " only by a decision: add it to decisions.csv (with a second approver for an approval),"
                          " or, for a record that predates endwatch, name its historical_source")

    def iter_deliveries(self) -> Iterator[Row]:
        if self.present("deliveries.csv"):
            yield from read_rows(self.path("deliveries.csv"), SPECS["deliveries.csv"], self.problems)

    def check_deliveries(self) -> None:
        """Stream deliveries.csv once: serial uniqueness, quantities and the permit-in-force rule."""
        report = self.reports["deliveries.csv"]
        self.delivery_counts: Counter[str] = Counter()
        seen: dict[str, int] = {}
        self.unchanged_item_keys: set[str] = set()
        stored_total = self.uow.deliveries.count_for_permits(list(self.permits))
        any_stored = any(stored_total.values())
        batch: list[tuple[Row, ItemRecord]] = []
        # The new items, kept to be prepared for the write (up to PREPARE_MAX; beyond, the write reads the file).
        self.new_items = []

        def flush() -> None:
            stored = self.uow.deliveries.existing([(r.manufacturer_id, r.family, r.serial_norm)
                                                   for _, r in batch]) if any_stored else {}
            for row, rec in batch:
                old = stored.get((rec.manufacturer_id, rec.family, rec.serial_norm))
                if old is None:
                    report.new += 1
                    self.delivery_counts[rec.item.permit_number] += 1
                    self.check_delivery_rule(row, rec)
                    if self.new_items is not None:
                        self.new_items.append(rec)
                        if len(self.new_items) > PREPARE_MAX:
                            self.new_items = None
                elif (old.item.permit_number, old.item.delivered_on) == (rec.item.permit_number,
                                                                         rec.item.delivered_on):
                    report.unchanged += 1
                    self.unchanged_item_keys.add(_item_key(rec))
                else:
                    self.fail(row, "serial", f"rule serial-unique: serial {rec.item.serial!r} was already delivered"
                              f" under permit {old.item.permit_number} on {old.item.delivered_on.isoformat()}")
            batch.clear()

        for row in self.iter_deliveries():
            rec = self.item_record(row)
            if rec is None:
                continue
            key = _item_key(rec)
            if key in seen:
                self.fail(row, "serial", f"rule serial-unique: serial {row['serial']!r} repeats line {seen[key]}")
                continue
            seen[key] = row.line
            batch.append((row, rec))
            if len(batch) >= CHUNK:
                flush()
        flush()
        for number, extra in self.delivery_counts.items():
            try:
                check_quantity(self.permits[number], stored_total.get(number, 0), extra)
            except RuleViolation as exc:
                self.problems.append(Problem(exc.message, "deliveries.csv", None, "permit_number"))

    def item_record(self, row: Row) -> ItemRecord | None:
        number = row["permit_number"]
        permit = self.permits.get(number)
        if permit is None:
            self.fail(row, "permit_number", f"unknown permit {number!r}")
            return None
        product = self.products[permit.product_id]
        recipient = row.values.get("recipient_id") or permit.consignee_id
        if recipient not in self.parties:
            self.fail(row, "recipient_id", f"unknown party {recipient!r}")
            return None
        norm = serial_key(row["serial"])
        if not norm:
            self.fail(row, "serial", "the serial has no letter or digit once its label and separators are removed")
            return None
        item = DeliveredItem(number, row["delivered_on"], row["serial"].strip(), recipient)
        return ItemRecord(item, product.id, product.manufacturer_id, product.serial_family, norm)

    def check_delivery_rule(self, row: Row, rec: ItemRecord) -> None:
        try:
            check_in_force(self.permits[rec.item.permit_number], rec.item.delivered_on, [rec.item.serial])
        except RuleViolation as exc:
            self.fail(row, "delivered_on", exc.message)

    def check_retransfers(self) -> None:
        stored = {(r.permit_number, serial_key(r.serial) if r.serial else None, r.to_party_id, r.authorized_on)
                  for r in self.uow.deliveries.all_retransfers()}
        self.new_retransfers: list[Retransfer] = []
        report = self.reports["retransfers.csv"]
        for row in self.unique("retransfers.csv", lambda v: (v["permit_number"], v.get("serial"), v["to_party_id"],
                                                             v["authorized_on"])):
            v = row.values
            if v["permit_number"] not in self.permits:
                self.fail(row, "permit_number", f"unknown permit {v['permit_number']!r}")
                continue
            if v["to_party_id"] not in self.parties:
                self.fail(row, "to_party_id", f"unknown party {v['to_party_id']!r}")
                continue
            norm = serial_key(v["serial"]) if v.get("serial") else None
            if norm and not self.serial_delivered(v["permit_number"], norm):
                self.fail(row, "serial", f"serial {v['serial']!r} was not delivered under permit {v['permit_number']}")
                continue
            if (v["permit_number"], norm, v["to_party_id"], v["authorized_on"]) in stored:
                report.unchanged += 1
                continue
            report.new += 1
            self.new_retransfers.append(Retransfer(v["permit_number"], v["to_party_id"], v["authorized_on"],
                                                   v["reference"], v.get("serial")))

    def serial_delivered(self, number: str, norm: str) -> bool:
        if any(r.serial_norm == norm for r in self.uow.deliveries.find_by_serial_norm(norm)
               if r.item.permit_number == number):
            return True
        return any(serial_key(r["serial"]) == norm and r["permit_number"] == number
                   for r in self.iter_deliveries())

    def diff(self, name: str, stored: dict[str, Any], incoming: dict[str, Any], same: Any = None) -> None:
        report = self.reports[name]
        equal = same or (lambda a, b: a == b)
        for key, value in incoming.items():
            old = stored.get(key)
            if old is None:
                report.new += 1
            elif equal(old, value):
                report.unchanged += 1
            else:
                report.changed += 1

    # --- writing, after everything validated ---

    def apply(self, w: Write, reason: str) -> None:
        audit_reason = reason or f"import of {self.folder}"
        for name in FILES:
            if self.present(name.name):
                w.record(action="import.file", entity="import", key=name.name,
                         after={"folder": str(self.folder), "sha256": file_sha256(self.path(name.name)),
                                **vars(self.reports[name.name])}, reason=audit_reason)
        self.apply_records(w, audit_reason)

    def save_if_changed(self, w: Write, reason: str, entity: str, key: str, old: Any, new: Any,
                        save: Any, same: Any = None) -> bool:
        if old is not None and (same(old, new) if same else old == new):
            return False
        save(new)
        w.record(action=f"{entity}.import", entity=entity, key=key, before=old, after=new,
                 reason=reason)
        return True

    def apply_records(self, w: Write, reason: str) -> None:
        uow = self.uow
        stored_parties = {p.id: p for p in uow.parties.list()}
        parent_of = {k: p.parent_id for k, p in self.parties.items()}
        # Parents before children, so that every foreign key holds as rows go in.
        for pid in sorted(self.new_parties, key=lambda k: len(ancestors(k, parent_of))):
            self.save_if_changed(w, reason, "party", pid, stored_parties.get(pid), self.new_parties[pid][1],
                                 uow.parties.save, _same_party)
        for pid, product in self.new_products.items():
            self.save_if_changed(w, reason, "product", pid, uow.products.get(pid), product, uow.products.save)
        for pid, policy in self.new_policies.items():
            self.save_if_changed(w, reason, "policy", pid, uow.policies.get(pid), policy, uow.policies.save)
        for number, app in self.new_applications.items():
            old = uow.applications.get(number)
            if number in self.decided:  # saved as it stood before; its decision (decisions.csv) moves it
                app = replace(app, status=old.status if old else ApplicationStatus.RECEIVED)
            saved = self.save_if_changed(w, reason, "application", number, old, app, uow.applications.save)
            if saved and (old is None or old.status is not app.status):
                when = app.received_on if old is None else uow.now().date()
                why = f"historical record ({app.historical_source})" if app.historical_source else reason
                uow.applications.add_status_change(number, app.status, when, why, "")
        for number, (_, permit) in self.new_permits.items():
            stored = self.stored_permits.get(number)
            if self.save_if_changed(w, reason, "permit", number, stored and replace(stored, history=()),
                                    replace(permit, history=()), uow.permits.save, _same_permit) and stored is None:
                uow.permits.add_status_change(number, StatusChange(PermitStatus.ISSUED, permit.issued_on, "issued",
                                                                  historical_source=permit.historical_source))
        for number, changes in self.new_changes.items():
            for change in changes:
                uow.permits.add_status_change(number, change)
                w.record(action=f"permit.{change.status.value}", entity="permit", key=number,
                         after=change, reason=change.reason or reason)
        self.apply_deliveries(w, reason)
        for r in self.new_retransfers:
            uow.deliveries.add_retransfer(r)
            w.record(action="retransfer.import", entity="permit", key=r.permit_number, after=r,
                     reason=reason)

    def prepare_deliveries(self) -> None:
        """Make the new items' rows, ids and row digests ready on the state read (no lock needed), so that the
        write only inserts them: the longest part of a large import's write then happens before it."""
        self.prepared = None
        if self.new_items:
            self.prepared = self.uow.deliveries.prepare_items(self.new_items)

    def apply_deliveries(self, w: Write, reason: str) -> None:
        if not self.reports["deliveries.csv"].new:
            return
        per_permit: Counter[str] = Counter()
        prepared = self.prepared
        if prepared is not None and self.new_items is not None and self.uow.deliveries.add_prepared(prepared):
            self.uow.audit.vouch(prepared.table, prepared.digests)
            per_permit.update(r.item.permit_number for r in self.new_items)
            self.record_deliveries(w, reason, per_permit)
            return
        batch: list[ItemRecord] = []

        def flush() -> None:
            # Validated in the first pass; items already stored (unchanged lines) are skipped here. A
            # concurrent writer's clash is caught by the unique index and rolls the whole import back.
            fresh = [r for r in batch if _item_key(r) not in self.unchanged_item_keys]
            self.uow.deliveries.add_items(fresh)
            per_permit.update(r.item.permit_number for r in fresh)
            batch.clear()

        for row in self.iter_deliveries():
            rec = self.item_record(row)
            assert rec is not None  # validated in the first pass
            batch.append(rec)
            if len(batch) >= CHUNK:
                flush()
        flush()
        self.record_deliveries(w, reason, per_permit)

    def record_deliveries(self, w: Write, reason: str, per_permit: Counter[str]) -> None:
        # One audit entry per permit per import: the file's hash identifies every serial it added.
        digest = file_sha256(self.path("deliveries.csv"))
        for number, count in sorted(per_permit.items()):
            w.record(action="delivery.import", entity="permit", key=number,
                     after={"items": count, "file": "deliveries.csv", "sha256": digest}, reason=reason)


class ImportExtension(Protocol):
    """Another area's files, validated and written in the same transaction as the registry's.

    `check` runs after the registry's checks (it may read run.parties, run.permits...) and appends
    to run.problems; `apply` runs only when no problem was found anywhere.
    """

    specs: tuple[FileSpec, ...]

    def check(self, run: ImportRun) -> None: ...
    def apply(self, run: ImportRun, w: Write, reason: str) -> None: ...


def extensions() -> list[ImportExtension]:
    """Every area's import extension, in dependency order (each area adds its own line here)."""
    found: list[ImportExtension] = []
    from endwatch.services.assessment.decision_import import DecisionsImport  # assessment: decisions.csv
    found.append(DecisionsImport())
    from endwatch.services.assessment.evidence_exchange import (
        EvidenceImport,  # assessment: conflicts.csv, transfers.csv
    )
    found.append(EvidenceImport())
    from endwatch.services.detection.sightings import SightingsImport  # detection: sightings.csv
    found.append(SightingsImport())
    return found


@dataclass
class ImportPlan:
    """An import checked in full: the run (records read, checks passed), its extensions and its report."""

    run: ImportRun
    extra: list[ImportExtension]
    report: ImportReport


def plan_import(uow: UnitOfWork, folder: Path, *, dry_run: bool = False,
                historical: str | None = None) -> ImportPlan:
    """Read `folder` and check every record against what `uow` holds (it only reads: a snapshot will do).

    Raises InvalidInput listing every problem (file, line, column, what is wrong).
    """
    run = ImportRun(uow, folder, historical)
    extra = extensions()
    specs = [*FILES, *(s for e in extra for s in e.specs)]
    if not any(run.present(f.name) for f in specs):
        raise InvalidInput([Problem(f"{folder} holds none of the exchange-format files "
                                    f"({', '.join(f.name for f in specs)})")])
    for spec in specs:
        run.reports.setdefault(spec.name, FileReport(spec.name))
    run.read()
    run.check_parties()
    run.check_products()
    run.check_policies()
    run.check_applications()
    run.check_permits()
    run.check_policy_rule()
    run.check_status_changes()
    run.check_deliveries()
    run.check_retransfers()
    for ext in extra:
        ext.check(run)
    run.check_decisions_required()
    if run.problems:
        order = {f.name: i for i, f in enumerate(specs)}
        raise InvalidInput(sorted(run.problems, key=lambda p: (order.get(p.file or "", 99), p.line or 0)))
    if not dry_run:
        run.prepare_deliveries()
    report = ImportReport(str(folder), dry_run, [run.reports[f.name] for f in specs if run.present(f.name)])
    return ImportPlan(run, extra, report)


def apply_import(w: Write, plan: ImportPlan, reason: str) -> ImportReport:
    """Write what `plan` found to change, in the open write `w` (its checks held on the state `w` sees)."""
    run = plan.run
    run.uow = w.uow  # the plan may have been made on a snapshot; write through the writer
    if plan.report.changes:
        run.apply(w, reason)
        for ext in plan.extra:
            ext.apply(run, w, reason or f"import of {run.folder}")
    return plan.report


# Tables whose rows an import's plan depends on only by key: the parties it names (imports them, or refers to
# them) as they stood. A party added meanwhile under another id is none of them, so it leaves the plan valid
# (it cannot be the parent or ancestor of a party the plan checked, which all existed or are in the folder);
# a party the plan knew, changed or deleted meanwhile, makes it plan again. Keys of party_names, and of the
# screening rows a party's save writes (its digest as screened, its hits), start with their party's id.
_BY_PARTY = frozenset({"parties", "party_names", "screening_parties", "screening_hits"})
# Tables no import reads.
_NOT_READ = frozenset({"api_tokens", "outbox", "case_notes"})


def _unaffected(plan: ImportPlan, uow: UnitOfWork, version: int, tables: set[str]) -> bool:
    """Whether the rows written since `version` leave `plan` valid (see _BY_PARTY); never when another table
    than these was written."""
    if not tables <= _BY_PARTY | _NOT_READ:
        return False
    known = plan.run.parties
    for _table, key in uow.audit.rows_written_since(version, _BY_PARTY):
        party = json.loads(key)[0]
        if party in known:
            return False
    return True


def _is_database(target: UnitOfWork | Database) -> TypeGuard[Database]:
    return callable(getattr(target, "reader", None))  # a Database hands out units of work; a unit of work not


def import_folder(target: UnitOfWork | Database, principal: Principal, folder: Path, *, dry_run: bool = False,
                  reason: str = "", historical: str | None = None) -> ImportReport:
    """Import every exchange-format file present in `folder`, or nothing.

    Raises InvalidInput listing every problem (file, line, column, what is wrong) when anything is
    wrong; then nothing is written. With `historical`, rows whose historical_source is blank are historical
    records of that source (docs/exchange-format.md, *Decisions and historical records*). With `dry_run`,
    reports what would change and writes nothing: it runs the same checks, with the same permission asked
    of the caller, and may be given a read-only unit of work.

    Given a Database (`Endwatch`), the folder is read and checked on a read snapshot, without the write
    lock, and written under the lock only if nothing was written meanwhile (gate.write_planned; otherwise
    checked again): other writers wait for the write, not for the reading and checking. Given a unit of
    work, reading, checking and writing happen in its one transaction.
    """
    require(principal, Action.REGISTRY_IMPORT)  # a dry run too: it answers what the caller may do
    if not folder.is_dir():
        raise InvalidInput([Problem(f"{folder} is not a folder")])
    if historical is not None and not historical.strip():
        raise InvalidInput([Problem("name the source of the historical records", column="historical")])
    source = historical.strip() if historical else None

    def plan(uow: UnitOfWork) -> ImportPlan:
        return plan_import(uow, folder, dry_run=dry_run, historical=source)

    if _is_database(target):
        if dry_run:
            with target.reader() as snapshot:
                return plan(snapshot).report
        return write_planned(target, principal, Action.REGISTRY_IMPORT, plan,
                             lambda w, planned: apply_import(w, planned, reason), unaffected_by=_NOT_READ,
                             unaffected=_unaffected)
    uow = cast(UnitOfWork, target)
    if dry_run:
        with uow:
            return plan(uow).report  # never written, never committed
    with write(uow, principal, Action.REGISTRY_IMPORT) as w:
        return apply_import(w, plan(w.uow), reason)
