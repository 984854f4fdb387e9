"""A sighting, its findings, its case and its photo are stored in one transaction (issue 12, uploads; issue 11,
one write pipeline): a failure at any step between them, or Busy, leaves nothing, and the same request again
records exactly one of each. Through the service, the API and the page, on both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.principals import person
from tests.web.conftest import Web, csrf_of
from tests.web.test_cases import NAMEPLATE, PNG

from endwatch.bootstrap import Endwatch
from endwatch.db.casefiles.repository import SqlCasefileRepository
from endwatch.db.detection.repository import SqlDetectionRepository
from endwatch.domain.sightings import Sighting
from endwatch.errors import Busy
from endwatch.services.authz import Role
from endwatch.services.detection.intake import record_sighting

INVESTIGATOR = person("ivy", Role.INVESTIGATOR)


class Injected(RuntimeError):
    """The failure a test injects between two steps of the intake."""


def _counts(ew: Endwatch) -> dict[str, int]:
    """Rows in every table (the audit trail and its head included)."""
    with ew.engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {n: int(conn.scalar(sa.text(f'select count(*) from "{n}"')) or 0) for n in names
                if n != "alembic_version"}


def _nameplate() -> Sighting:
    return Sighting("", date(2020, 10, 1), "REDACTED-SN-1", "B", "2", "", "AZ", "Azerbaijani Air Force",
                    "L3 Wescam", "CMX-15D", "", "open source", ("nameplate.png",))


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "upload" / "nameplate.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return path


def _fail(monkeypatch: pytest.MonkeyPatch, cls: type, method: str, error: Exception) -> None:
    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(cls, method, broken)


def test_the_sighting_its_finding_case_and_photo_are_stored_together(case: Endwatch, tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    before = _counts(case)
    done = record_sighting(case.uow(), INVESTIGATOR, _nameplate(), reason="test", photo=_photo(tmp_path),
                           store=store)
    assert done.result is not None and done.result.finding.verdict == "diversion" and done.result.case_id
    assert done.photo is not None and done.photo.linked
    after = _counts(case)
    assert after["sightings"] == before["sightings"] + 1
    assert after["findings"] == after["sightings"]  # the earlier, undecided ones of that day decided too
    assert after["case_evidence"] == before["case_evidence"] + 1 and after["evidence_files"] == 1
    assert (store / done.photo.sha256[:2] / done.photo.sha256).read_bytes() == PNG
    with case.engine.connect() as conn:
        actions = {r[0] for r in conn.execute(sa.text("select action from audit_log where seq > :s"),
                                              {"s": before["audit_log"]})}
    assert "sighting.add" in actions and "detect.run" in actions and "case.attach" in actions


def test_a_photo_without_a_case_is_still_stored_and_named_by_the_sighting(case: Endwatch, tmp_path: Path) -> None:
    s = Sighting("", date(2020, 10, 1), "NO-SUCH-SERIAL-9", "C", "3", media=("nameplate.png",))
    done = record_sighting(case.uow(), INVESTIGATOR, s, photo=_photo(tmp_path), store=tmp_path / "evidence")
    assert done.result is not None and done.result.case_id is None
    assert done.photo is not None and not done.photo.linked
    with case.engine.connect() as conn:
        entry = conn.execute(sa.text("select entity_key from audit_log where action = 'sighting.photo'")).all()
        files = conn.scalar(sa.text("select count(*) from evidence_files"))
    assert entry == [(done.sighting.id,)] and files == 1


@pytest.mark.parametrize(("cls", "method"), [
    (SqlDetectionRepository, "add_findings"),   # after the sighting, before its finding
    (SqlCasefileRepository, "add_case_actions"),  # after the finding and the case, before its actions
    (SqlCasefileRepository, "link_file"),        # after everything but the photo's link
])
def test_a_failure_between_the_steps_stores_nothing_and_a_retry_stores_one(
        case: Endwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cls: type, method: str) -> None:
    store = tmp_path / "evidence"
    before = _counts(case)
    with monkeypatch.context() as m:
        _fail(m, cls, method, Injected(method))
        with pytest.raises(Injected):
            record_sighting(case.uow(), INVESTIGATOR, _nameplate(), photo=_photo(tmp_path), store=store)
    assert _counts(case) == before
    done = record_sighting(case.uow(), INVESTIGATOR, _nameplate(), photo=_photo(tmp_path), store=store)
    after = _counts(case)
    assert after["sightings"] == before["sightings"] + 1 and after["case_evidence"] == before["case_evidence"] + 1
    assert done.sighting.id == "S-20201001-1" or done.sighting.id.startswith("S-20201001-")
    with case.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("select id from sightings where id like 'S-20201001-%'"))]
    assert ids == [done.sighting.id]  # the failed attempt left no number taken


def test_busy_answers_503_stores_nothing_and_the_retry_stores_one(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "reliability": "B", "credibility": "2",
            "country": "AZ", "observed_user": "Azerbaijani Air Force"}
    before = _counts(web.ew)
    with monkeypatch.context() as m:
        _fail(m, SqlCasefileRepository, "add_case_actions", Busy("the registry is busy", retry_after=2))
        r = web.client.post("/api/v1/sightings", json=body, headers=web.as_("investigator"))
        assert r.status_code == 503 and r.headers["retry-after"] == "2" and r.json()["code"] == "busy"
    assert _counts(web.ew) == before
    r = web.client.post("/api/v1/sightings", json=body, headers=web.as_("investigator"))
    assert r.status_code == 201 and r.json()["verdict"] == "diversion" and r.json()["case_id"]
    after = _counts(web.ew)
    assert after["sightings"] == before["sightings"] + 1 and after["findings"] == after["sightings"]


def test_the_page_stores_the_photo_with_the_sighting_or_nothing(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    c = web.sign_in("investigator")
    form = csrf_of(c.get("/sightings/new").text)
    before = _counts(web.ew)
    with monkeypatch.context() as m:
        _fail(m, SqlCasefileRepository, "link_file", Busy("the registry is busy"))
        r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE},
                   files={"photo": ("nameplate.png", PNG, "image/png")}, follow_redirects=False)
        assert r.status_code == 503, r.text[:300]
    assert _counts(web.ew) == before
    r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE},
               files={"photo": ("nameplate.png", PNG, "image/png")}, follow_redirects=False)
    assert r.status_code == 303
    after = _counts(web.ew)
    assert after["sightings"] == before["sightings"] + 1 and after["case_evidence"] == before["case_evidence"] + 1


def test_an_idempotency_key_makes_a_repeated_request_answer_the_stored_sighting(web: Web) -> None:
    body = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "reliability": "B", "credibility": "2",
            "country": "AZ", "observed_user": "Azerbaijani Air Force"}
    headers = {**web.as_("investigator"), "Idempotency-Key": "field-report-17"}
    before = _counts(web.ew)
    first = web.client.post("/api/v1/sightings", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = web.client.post("/api/v1/sightings", json=body, headers=headers)  # the answer was lost: sent again
    assert again.status_code == 201 and again.json() == first.json()
    after = _counts(web.ew)
    assert after["sightings"] == before["sightings"] + 1
    # The same key for another sighting is refused; another person's same key is theirs alone.
    other = web.client.post("/api/v1/sightings", json={**body, "serial": "OTHER-1"}, headers=headers)
    assert other.status_code == 409 and other.json()["rule"] == "idempotency-key", other.text
    theirs = web.client.post("/api/v1/sightings", json=body,
                             headers={**web.as_("admin"), "Idempotency-Key": "field-report-17"})
    assert theirs.status_code == 201 and theirs.json()["sighting_id"] != first.json()["sighting_id"]
    bad = web.client.post("/api/v1/sightings", json=body, headers={**headers, "Idempotency-Key": "a b\x01"})
    assert bad.status_code in (400, 422), bad.text
    assert _counts(web.ew)["sightings"] == before["sightings"] + 2
