"""Case work in the web: notes, evidence upload with previews, inquiries with due dates and reminders,
assigning, closing with a reason and reopening, the oversight pack; each write through the services (audited),
each form with its CSRF token, bad input refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from tests.web.conftest import Web, csrf_of
from tests.web.test_cases import PNG, submit_sighting

from endwatch.services.audit.verify import history

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def case_id(web: Web) -> str:
    """A diversion case (the reference nameplate), the client signed in as the investigator."""
    return submit_sighting(web)


def _post(web: Web, case_id: str, path: str, data: dict[str, str], **kw: object) -> int:
    page = web.client.get(f"/cases/{case_id}")
    r = web.client.post(path, data={"csrf_token": csrf_of(page.text), **data}, follow_redirects=False, **kw)
    return r.status_code


def _actions(web: Web, case_id: str) -> list[str]:
    return [e.action for e in history(web.ew.reader, "case", case_id)]


def test_note_is_added_and_audited(web: Web, case_id: str) -> None:
    assert _post(web, case_id, f"/cases/{case_id}/notes", {"text": "Asked the attaché.", "on": "2020-10-02"}) == 303
    page = web.client.get(f"/cases/{case_id}").text
    assert "Asked the attaché." in page and "case.note" in _actions(web, case_id)
    assert _post(web, case_id, f"/cases/{case_id}/notes", {"text": "  ", "on": "2020-10-02"}) == 422


def test_form_without_csrf_token_is_refused(web: Web, case_id: str) -> None:
    r = web.client.post(f"/cases/{case_id}/notes", data={"text": "x", "on": "2020-10-02"}, follow_redirects=False)
    assert r.status_code == 403
    assert "case.note" not in _actions(web, case_id)


def test_evidence_upload_previews_images_and_pdfs(web: Web, case_id: str) -> None:
    status = _post(web, case_id, f"/cases/{case_id}/evidence", {"description": "the export form"},
                   files={"file": ("../form.jpg", PDF, "image/jpeg")})
    assert status == 303
    page = web.client.get(f"/cases/{case_id}").text
    assert "form.pdf" in page and 'data-testid="pdf-preview"' in page  # the name follows the content: a PDF
    inline = web.client.get(page.split('<object data="')[1].split('"')[0])
    assert inline.status_code == 200 and inline.content == PDF and inline.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in inline.headers["content-security-policy"]
    assert "case.attach" in _actions(web, case_id)
    before = len(_actions(web, case_id))
    exe = {"file": ("a.exe", b"MZ\x90", "image/png")}
    assert _post(web, case_id, f"/cases/{case_id}/evidence", {}, files=exe) == 422
    assert len(_actions(web, case_id)) == before, "nothing written on a refused upload"
    assert _post(web, case_id, f"/cases/{case_id}/evidence", {}, files={"file": ("p.png", PNG, "image/png")}) == 303


def test_inquiry_asked_with_due_date_reminded_and_answered_by_the_exporter(web: Web, case_id: str) -> None:
    form = web.client.get(f"/cases/{case_id}/inquiries/new")
    assert form.status_code == 200 and 'name="due_on"' in form.text
    r = web.client.post(f"/cases/{case_id}/inquiries", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "to": "wescam", "question": "Who received serial REDACTED-SN-1?",
        "on": "2020-10-02", "due_on": "2020-10-09"})
    assert r.status_code == 303
    with web.ew.reader() as uow:
        [inquiry] = uow.cases.inquiries(case_id)
    assert inquiry.due_on == date(2020, 10, 9) and inquiry.overdue(date(2020, 10, 10))
    assert _post(web, case_id, f"/cases/{case_id}/inquiries", {"to": "wescam", "question": "q", "on": "2020-10-02",
                                                               "due_on": "2020-10-01"}) == 422
    assert _post(web, case_id, f"/cases/{case_id}/inquiries/{inquiry.id}/remind", {"on": "2020-10-12"}) == 303
    assert _post(web, case_id, f"/cases/{case_id}/inquiries/{inquiry.id}/remind", {"on": "2020-10-12"}) == 409
    with web.ew.reader() as uow:
        reminders = [m for m in uow.enforcement.messages(case_id=case_id) if m.subject.startswith("Reminder")]
        assert uow.cases.inquiry(inquiry.id).reminded_on == date(2020, 10, 12)  # type: ignore[union-attr]
    assert len(reminders) == 1 and reminders[0].party_id == "wescam"
    # The exporter answers it in its portal; the case page shows the answer.
    exporter = web.sign_in("exporter")
    inbox = exporter.get("/inquiries")
    assert "Who received serial REDACTED-SN-1?" in inbox.text
    answered = exporter.post(f"/inquiries/{inquiry.id}/answer", follow_redirects=False, data={
        "csrf_token": csrf_of(inbox.text), "text": "The Turkish Navy.", "on": "2020-10-13"})
    assert answered.status_code == 303
    page = web.sign_in("investigator").get(f"/cases/{case_id}").text
    assert "The Turkish Navy." in page


def test_assign_close_and_reopen(web: Web, case_id: str) -> None:
    assert _post(web, case_id, f"/cases/{case_id}/assign", {"investigator": "investigator"}) == 303
    assert 'data-testid="assigned-to">investigator<' in web.client.get(f"/cases/{case_id}").text
    assert _post(web, case_id, f"/cases/{case_id}/assign", {"investigator": "exporter"}) == 422
    today = web.ew.clock().date().isoformat()  # the case was opened today (by the sighting just recorded)
    assert _post(web, case_id, f"/cases/{case_id}/close", {"on": "2020-10-20", "reason": "too early"}) == 422
    assert _post(web, case_id, f"/cases/{case_id}/close", {"on": today, "reason": ""}) == 422
    assert _post(web, case_id, f"/cases/{case_id}/close", {"on": today, "reason": "referred to police"}) == 303
    page = web.client.get(f"/cases/{case_id}").text
    assert 'data-testid="case-status">closed<' in page and 'data-testid="reopen"' in page
    assert _post(web, case_id, f"/cases/{case_id}/notes", {"text": "late", "on": "2020-10-21"}) == 303  # notes stay
    assert _post(web, case_id, f"/cases/{case_id}/reopen", {"reason": "new sighting"}) == 303
    assert _post(web, case_id, f"/cases/{case_id}/reopen", {"reason": "again"}) == 409
    assert 'data-testid="case-status">open<' in web.client.get(f"/cases/{case_id}").text
    actions = _actions(web, case_id)
    assert {"case.assign", "case.close", "case.reopen"} <= set(actions)


def test_oversight_pack_downloads_for_roles_that_read_cases(web: Web, case_id: str) -> None:
    pdf = web.client.get(f"/cases/{case_id}/pack?profile=committee&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    public = web.client.get(f"/cases/{case_id}/pack?profile=public&format=md")
    assert public.status_code == 200 and "L3Harris Wescam" not in public.text
    assert web.client.get(f"/cases/{case_id}/pack?profile=secret&format=pdf").status_code == 422
    web.client.cookies.clear()
    assert web.client.get(f"/cases/{case_id}/pack?profile=public&format=md",
                          headers=web.as_("exporter")).status_code == 403


def test_reader_without_write_sees_no_case_forms(web: Web, case_id: str) -> None:
    page = web.sign_in("auditor").get(f"/cases/{case_id}").text
    assert 'data-testid="add-note"' not in page and 'data-testid="close"' not in page
    assert 'data-testid="pack-links"' in page
    csrf = csrf_of(page)
    r = web.client.post(f"/cases/{case_id}/notes", data={"csrf_token": csrf, "text": "x", "on": "2020-10-02"},
                        follow_redirects=False)
    assert r.status_code == 403
