"""The write gate seen from the API: a busy database answers 503 with Retry-After (never a 500), and
simultaneous submissions each get their own number."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import Web

from endwatch.bootstrap import bootstrap
from endwatch.settings import load_settings
from endwatch.web.app import create_app

APPLICATION = {"consignee_id": "baykar", "end_user_id": "tr-navy", "destination": "TR",
               "product_id": "mx-15d", "quantity": 1}


def test_a_write_that_waits_too_long_for_the_lock_is_a_503_with_retry_after(web: Web,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENDWATCH_WRITE_WAIT_SECONDS", "0.5")
    impatient = bootstrap(load_settings())
    try:
        with TestClient(create_app(impatient.settings, endwatch=impatient), base_url="https://testserver") as client:
            with web.ew.uow():  # another writer holds the lock for the whole request
                r = client.post("/api/v1/applications", json=APPLICATION, headers=web.as_("exporter"))
            assert r.status_code == 503, r.text
            assert int(r.headers["Retry-After"]) > 0
            assert r.json()["code"] == "busy"
            after = client.post("/api/v1/applications", json=APPLICATION, headers=web.as_("exporter"))
            assert after.status_code == 201, after.text
    finally:
        impatient.close()


def test_twenty_simultaneous_sightings_and_applications_are_all_accepted(web: Web) -> None:
    barrier = threading.Barrier(20)
    answers: list[int] = []
    lock = threading.Lock()

    def post(path: str, body: dict[str, object], who: str) -> None:
        barrier.wait()
        r = web.client.post(path, json=body, headers=web.as_(who))
        with lock:
            answers.append(r.status_code)

    sighting = {"observed_on": "2020-10-01", "serial": "NO-SUCH-1", "reliability": "C", "credibility": "3"}
    for path, body, who in (("/api/v1/sightings", sighting, "investigator"),
                             ("/api/v1/applications", APPLICATION, "exporter")):
        answers.clear()
        threads = [threading.Thread(target=post, args=(path, body, who)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert answers == [201] * 20, (path, answers)
    found = web.client.get("/api/v1/applications?limit=500", headers=web.as_("officer")).json()["items"]
    numbers = [a["number"] for a in found if a["number"].startswith("APP-")]
    assert len(set(numbers)) == len(numbers) and len([n for n in numbers if "REDACTED" not in n]) == 20
