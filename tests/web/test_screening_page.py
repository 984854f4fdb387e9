"""The screening page and API: hits with review forms (CSRF), an officer dismisses a hit, the API confirms
one; who may review."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.principals import person
from tests.web.conftest import Web, csrf_of, web_over

from endwatch.services.assessment.screening import list_hits, load_list
from endwatch.services.registry.imports import import_folder

DATA = Path(__file__).resolve().parents[1] / "data"
IRGC = "NK-2PacmNpiLUmoz4XD2mSt7A"


@pytest.fixture
def screened(ew, tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "parties.csv").write_text("id,name,kind,country,parent_id,aliases,former_names\n"
                                        "irgc,Iranian Revolutionary Guard Corps,armed_force,IR,,,\n"
                                        "wescam,Wescam,company,CA,,,\nbaykar,Baykar,company,TR,,,\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    load_list(ew.uow(), person("tester"), DATA / "opensanctions-sample.ftm.json", listed_on=date(2024, 3, 1))
    with web_over(ew) as w:
        yield w


def _review(ew) -> str:
    return next(h.review for h in list_hits(ew.reader()) if (h.party_id, h.entity_id) == ("irgc", IRGC))


def test_officer_dismisses_a_hit_on_the_page(screened: Web) -> None:
    screened.sign_in("officer")
    page = screened.client.get("/screening")
    assert page.status_code == 200 and f'data-hit="irgc:{IRGC}"' in page.text
    assert 'data-testid="review-form"' in page.text
    form = {"hit": f"irgc:{IRGC}", "verdict": "dismissed", "reason": "a namesake"}
    assert screened.client.post("/screening/review", data=form).status_code == 403  # no CSRF token
    r = screened.client.post("/screening/review", data={**form, "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
    assert r.status_code == 303 and _review(screened.ew) == "dismissed"
    assert "dismissed" in screened.client.get("/screening").text


def test_api_lists_and_confirms_and_an_auditor_may_not_review(screened: Web) -> None:
    rows = screened.client.get("/api/v1/screening/hits", headers=screened.as_("auditor")).json()
    assert any(r["hit"] == f"irgc:{IRGC}" for r in rows)
    url = f"/api/v1/screening/hits/irgc/{IRGC}/review"
    body = {"verdict": "confirmed", "reason": "the corps itself"}
    assert screened.client.post(url, json=body, headers=screened.as_("auditor")).status_code == 403
    r = screened.client.post(url, json=body, headers=screened.as_("officer"))
    assert r.status_code == 201 and r.json()["state"] == "in force" and _review(screened.ew) == "confirmed"
    bad = screened.client.post(url, json={"verdict": "maybe", "reason": ""}, headers=screened.as_("officer"))
    assert bad.status_code == 422
    missing = screened.client.post("/api/v1/screening/hits/irgc/NK-none/review", json=body,
                                   headers=screened.as_("officer"))
    assert missing.status_code == 404
