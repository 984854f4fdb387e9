"""Exporting the registry to a folder in the exchange format (the inverse of imports)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from endwatch.domain.permits import Application, Permit, PermitStatus
from endwatch.exchange.schema import SPECS
from endwatch.exchange.writer import write_rows
from endwatch.services.uow import UnitOfWork


def _goods(rec: Application | Permit) -> dict[str, Any]:
    u = rec.undertaking
    return {
        "exporter_id": rec.exporter_id, "consignee_id": rec.consignee_id, "end_user_id": rec.end_user_id,
        "destination": rec.destination, "product_id": rec.product_id, "quantity": rec.quantity,
        "value": rec.value, "currency": rec.currency, "end_use": u.end_use, "no_reexport": u.no_reexport,
        "signatory": u.signatory, "signed_on": u.signed_on,
    }


ExportExtension = Callable[[UnitOfWork, Path], dict[str, int]]


def extensions() -> list[ExportExtension]:
    """Other areas' exporters, called inside the same unit of work (each area adds its own line here)."""
    found: list[ExportExtension] = []
    from endwatch.services.assessment.evidence_exchange import (
        export_evidence,  # assessment: conflicts.csv, transfers.csv
    )
    found.append(export_evidence)
    from endwatch.services.assessment.decision_import import export_decisions  # assessment: decisions.csv
    found.append(export_decisions)
    from endwatch.services.detection.sightings import export_sightings  # detection: sightings.csv
    found.append(export_sightings)
    return found


def export_folder(uow: UnitOfWork, folder: Path) -> dict[str, int]:
    """Write every record to `folder` in the exchange format; returns lines written per file.

    Importing the folder into an empty registry reproduces the registry (the round trip).
    """
    counts: dict[str, int] = {}

    def write(name: str, rows: Any) -> None:
        counts[name] = write_rows(folder, SPECS[name], rows)

    with uow:
        write("parties.csv", ({"id": p.id, "name": p.name, "kind": p.kind.value, "country": p.country,
                               "parent_id": p.parent_id, "aliases": p.aliases, "former_names": p.former_names,
                               "identifiers": p.identifiers, "birth_date": p.birth_date}
                              for p in uow.parties.list()))
        write("products.csv", ({"id": p.id, "manufacturer_id": p.manufacturer_id, "model": p.model,
                                "aliases": p.aliases, "category": p.categories, "description": p.description,
                                "family": p.family, "designated": p.designated} for p in uow.products.list()))
        write("policies.csv", ({"id": p.id, "country": p.country, "measure": p.measure.value,
                                "categories": p.categories, "effective_from": p.effective_from,
                                "effective_to": p.effective_to, "exceptions": p.exceptions,
                                "reference": p.reference} for p in uow.policies.list()))
        write("applications.csv", ({"number": a.number, "received_on": a.received_on, "status": a.status.value,
                                    "historical_source": a.historical_source, **_goods(a)}
                                   for a in uow.applications.list()))
        permits = uow.permits.list()
        write("permits.csv", ({"number": p.number, "application_number": p.application_number,
                               "issued_on": p.issued_on, "expires_on": p.expires_on,
                               "status": p.latest_status().value, "exception": p.exception,
                               "justification": p.justification, "historical_source": p.historical_source,
                               **_goods(p)} for p in permits))
        write("status_changes.csv", _status_rows(permits))
        write("deliveries.csv", ({"permit_number": r.item.permit_number, "delivered_on": r.item.delivered_on,
                                  "serial": r.item.serial, "recipient_id": r.item.recipient_id}
                                 for r in uow.deliveries.iter_all()))
        write("retransfers.csv", ({"permit_number": r.permit_number, "serial": r.serial,
                                   "to_party_id": r.to_party_id, "authorized_on": r.authorized_on,
                                   "reference": r.reference} for r in uow.deliveries.all_retransfers()))
        for extra in extensions():
            counts.update(extra(uow, folder))
    return counts


def _status_rows(permits: list[Permit]) -> Iterator[dict[str, Any]]:
    for p in permits:
        for change in p.history:
            if change.status is not PermitStatus.ISSUED:
                yield {"permit_number": p.number, "status": change.status.value,
                       "effective_on": change.effective_on, "reason": change.reason, "reference": change.reference,
                       "historical_source": change.historical_source}
