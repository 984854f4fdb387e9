"""Photo uploads (issue 12, item 10): hostile names are made harmless text, the type is told by the content,
and a refused photo leaves no sighting behind; evidence is served with no-store and no validators."""

from __future__ import annotations

import re

import sqlalchemy as sa
from tests.web.conftest import Web, csrf_of
from tests.web.test_cases import NAMEPLATE, PNG

from endwatch.web.uploads import safe_name, sniff


def test_safe_names() -> None:
    assert safe_name("..", ".png") == "photo.png"
    assert safe_name("a/..", ".png") == "photo.png"
    assert safe_name("..\\..\\etc\\passwd", ".jpg") == "passwd.jpg"
    assert safe_name("x" * 300 + ".png", ".png") == "x" * 100 + ".png"
    assert safe_name("evil\u202egnp.exe", ".png") == "evilgnp.png"
    assert safe_name(".hidden.jpg", ".pdf") == "hidden.pdf"
    assert sniff(PNG) == ".png" and sniff(b"%PDF-1.7") == ".pdf" and sniff(b"<html>") is None


def _count(web: Web, table: str) -> int:
    with web.ew.engine.connect() as conn:
        return int(conn.scalar(sa.text(f"select count(*) from {table}")) or 0)


def test_hostile_photo_names_never_fail_after_writing(web: Web) -> None:
    c = web.sign_in("investigator")
    form = csrf_of(c.get("/sightings/new").text)
    names = ["..", "a/..", "n" * 300 + ".png"]
    for name in names:
        r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE, "serial": "REDACTED-SN-1"},
                   files={"photo": (name, PNG, "image/png")}, follow_redirects=False)
        assert r.status_code == 303, (name, r.status_code, r.text[:300])
    with web.ew.engine.connect() as conn:
        stored = {row[0] for row in conn.execute(sa.text("select filename from case_evidence"))}
    assert stored <= {"photo.png", "n" * 100 + ".png"} and stored, stored
    # Evidence is served without validators and is never stored by the browser.
    case = re.search(r"/cases/([^\"/]+)", c.get("/cases").text)
    assert case
    page = c.get(f"/cases/{case.group(1)}").text
    link = re.search(r'/cases/[^"]+/evidence/[0-9a-f]{64}', page)
    assert link, "the case links its evidence"
    r = c.get(link.group(0))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "etag" not in r.headers and "last-modified" not in r.headers


def test_a_photo_that_is_not_an_image_is_refused_before_anything_is_written(web: Web) -> None:
    c = web.sign_in("investigator")
    form = csrf_of(c.get("/sightings/new").text)
    before = _count(web, "sightings")
    r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE},
               files={"photo": ("nameplate.png", b"<html><script>alert(1)</script>", "image/png")},
               follow_redirects=False)
    assert r.status_code == 422 and "JPEG, PNG or WebP" in r.text
    assert _count(web, "sightings") == before


def test_an_evidence_store_that_cannot_be_written_records_nothing_and_a_retry_records_once(web: Web) -> None:
    c = web.sign_in("investigator")
    form = csrf_of(c.get("/sightings/new").text)
    tables = ("sightings", "findings", "case_evidence", "evidence_files")
    before = {t: _count(web, t) for t in tables}
    store = web.ew.settings.home / "evidence"
    store.parent.mkdir(parents=True, exist_ok=True)
    if store.is_dir():
        import shutil

        shutil.rmtree(store)
    store.write_text("a file where the store's folder should be")  # no folder can be made there
    r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE, "serial": "REDACTED-SN-1"},
               files={"photo": ("nameplate.png", PNG, "image/png")}, follow_redirects=False)
    assert r.status_code == 400 and "evidence store" in r.text and "nothing was recorded" in r.text
    assert {t: _count(web, t) for t in tables} == before
    store.unlink()  # the store is mended; the same upload again makes exactly one of each
    r = c.post("/sightings/new", data={"csrf_token": form, **NAMEPLATE, "serial": "REDACTED-SN-1"},
               files={"photo": ("nameplate.png", PNG, "image/png")}, follow_redirects=False)
    assert r.status_code == 303
    after = {t: _count(web, t) for t in tables}
    # One more sighting, and one finding per sighting (detect also decides the case's earlier one).
    assert after["sightings"] == before["sightings"] + 1 and after["findings"] == after["sightings"]
    assert after["case_evidence"] == before["case_evidence"] + 1
    files = [p for p in store.rglob("*") if p.is_file()]
    assert len(files) == 1 and not [p for p in store.iterdir() if p.name.startswith(".incoming-")]
