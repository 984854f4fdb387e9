"""The reference case replayed to its end: the suspension of 5 October 2020 applied through endwatch.

The bundled case records the suspension as status changes; here the case is imported without them and the
suspension is made the way endwatch makes it, then checked against what the bundled record says.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from tests.conftest import REFERENCE_CASE
from tests.integration.enforcement_world import before_suspension
from tests.integration.pdf_text import pdf_text
from tests.integration.smtp_server import LocalSmtp
from tests.principals import NOTIFIER, person
from tests.two_signatures import apply_decision

from endwatch.domain.permits import ApplicationStatus, PermitState, PermitStatus
from endwatch.errors import RuleViolation
from endwatch.services.casefiles import oversight
from endwatch.services.casefiles.cases import case_file
from endwatch.services.casefiles.inquiries import answer, ask
from endwatch.services.casefiles.oversight import PackFormat, Profile
from endwatch.services.detection import run as detection
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import notify
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.trace import trace_serial

BAYKAR_ROUTE = Scope(exporters=("wescam",), consignees=("baykar",), destinations=("TR",))


def _bundled_suspension() -> list[dict[str, str]]:
    with (REFERENCE_CASE / "status_changes.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["status"] == "suspended"]


def test_reference_case_ends_with_the_suspension_applied_notified_traced_and_reported(ew, tmp_path):
    before_suspension(ew, tmp_path)
    smtp = LocalSmtp()
    smtp.start()
    try:
        notify.set_contact(ew.uow(), person("officer-one"), "wescam", "export.compliance@wescam.example")
        bundled = _bundled_suspension()
        reason, reference = bundled[0]["reason"], bundled[0]["reference"]
        suspended_on = date.fromisoformat(bundled[0]["effective_on"])

        # 5 October 2020: the Minister suspends the relevant permits. Preview first, then apply.
        ew.clock = lambda: datetime(2020, 10, 5, 15, 0, tzinfo=UTC)
        pv = enforcement.preview(ew.reader(), BAYKAR_ROUTE, Action.suspend, suspended_on, hold_applications=True)
        route = {r["permit_number"] for r in bundled}
        assert {i.permit.number for i in pv.permits} == route == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
        out = apply_decision(ew.uow(), person("minister-office"), BAYKAR_ROUTE, Action.suspend, suspended_on, reason,
                                reference, hold_applications=True)
        with ew.reader() as uow:
            permits = {p.number: p for p in uow.permits.list()}
            apps = {a.number: a.status for a in uow.applications.list()}
        for number in route:  # exactly as the bundled record has it
            last = permits[number].history[-1]
            assert (last.status, last.effective_on, last.reason, last.reference) == (
                PermitStatus.SUSPENDED, suspended_on, reason, reference)
        suspended = {n for n, p in permits.items() if p.state_on(date(2020, 10, 6)) is PermitState.SUSPENDED}
        assert suspended == route  # the off-route permits stay in force
        assert apps["APP-REDACTED-3"] is ApplicationStatus.ON_HOLD
        assert apps["APP-REDACTED-4"] is ApplicationStatus.ON_HOLD
        with pytest.raises(RuleViolation):
            record_delivery(ew.uow(), person("wescam"), "PERMIT-REDACTED-1", date(2020, 10, 20), ["SN-AFTER"])

        # The exporter is told, by e-mail, exactly once.
        sent = notify.send_due(ew.uow, NOTIFIER,
                               notify.SmtpMailer("127.0.0.1", smtp.port), "controls@authority.example")
        assert len(sent.sent) == 1 == len(out.messages) == len(smtp.inbox)
        mail = smtp.inbox[0]
        body = mail.get_payload()
        assert mail["To"] == "export.compliance@wescam.example" and reference in " ".join(mail["Subject"].split())
        assert all(n in body for n in ("PERMIT-REDACTED-1", "PERMIT-REDACTED-2", "APP-REDACTED-3", "APP-REDACTED-4"))

        # 25 October 2020: the nameplate photo arrives; the serial traces to the September delivery.
        ew.clock = lambda: datetime(2020, 10, 25, 9, 0, tzinfo=UTC)
        hit = trace_serial(ew.reader(), "REDACTED-SN-1", manufacturer="L3 Wescam", model="CMX-15D",
                           as_of=date(2020, 10, 25)).hits[0]
        assert (hit.permit.number, hit.delivered_on, hit.end_user.id) == ("PERMIT-REDACTED-1", date(2020, 9, 15),
                                                                           "tr-navy")
        assert hit.permit_state is PermitState.SUSPENDED
        # The bundled nameplate sighting, decided by detection: a diversion, in a new case.
        case_id = detection.detect(ew, person("analyst-one")).cases_opened[0]
        findings = case_file(ew.reader(), case_id).findings
        assert {(f["id"], f["verdict"], f["permit_number"]) for f in findings} == {
            ("SIGHTING-2020-10-NAMEPLATE", "diversion", "PERMIT-REDACTED-1")}
        q = ask(ew.uow(), person("officer-one"), case_id, "wescam", "Is this your product? Which permit?",
                date(2020, 10, 20))
        answer(ew.uow(), person("officer-one"), q.id, "The images may be our product; a system with that "
               "serial was delivered in September 2020.", date(2020, 10, 25))

        # The committee pack, and the public one with permit numbers and serials redacted.
        committee = oversight.export_pack(ew.reader(), case_id, Profile.committee, PackFormat.pdf,
                                          date(2020, 11, 2), oversight.find_font())
        (tmp_path / "committee.pdf").write_bytes(committee)
        assert committee.startswith(b"%PDF")
        committee_read = pdf_text(committee)
        assert "PERMIT-REDACTED-1" in committee_read and "REDACTED-SN-1" in committee_read
        assert "minister-office" not in committee_read and "officer-one" not in committee_read
        public_read = pdf_text(oversight.export_pack(ew.reader(), case_id, Profile.public, PackFormat.pdf,
                                                     date(2020, 11, 2), oversight.find_font()))
        assert "PERMIT-REDACTED" not in public_read and "REDACTED-SN-1" not in public_read
        assert "suspend" in public_read and "Azerbaijani" in public_read  # what happened, and where
        assert "Baykar" not in public_read and "Wescam" not in public_read  # the companies are not published
        with ew.reader() as uow:
            raw = oversight.build_pack(uow, case_id, date(2020, 11, 2))
        committee_text = oversight.render_pdf(oversight.redact(raw, Profile.committee), compress=False)
        public_text = oversight.render_pdf(oversight.redact(raw, Profile.public), compress=False)
        assert b"PERMIT-REDACTED-1" in committee_text and b"REDACTED-SN-1" in committee_text
        assert b"minister-office" not in committee_text and b"officer-one" not in committee_text
        for secret in (b"PERMIT-REDACTED-1", b"PERMIT-REDACTED-2", b"REDACTED-SN-1", b"minister-office"):
            assert secret not in public_text
        assert b"suspend" in public_text and b"[redacted]" in public_text
    finally:
        smtp.stop()
