"""Pure pieces of enforcement: scope matching, back-off, redaction of a pack (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from endwatch.domain.permits import Permit
from endwatch.domain.products import Product
from endwatch.services.casefiles.oversight import REDACTED, Profile, redact, render_md
from endwatch.services.enforcement.notify import Backoff
from endwatch.services.enforcement.scope import Scope, scope_of

PERMIT = Permit("P-1", "exp", "con", "usr", "TR", "prod", 3, date(2020, 1, 1), date(2021, 1, 1))
PRODUCT = Product(id="prod", manufacturer_id="exp", model="M", categories=("2-15", "ML15"))


@pytest.mark.parametrize("scope, matches", [
    (Scope(exporters=("exp",)), True),
    (Scope(exporters=("other", "exp"), destinations=("TR",)), True),
    (Scope(exporters=("exp",), destinations=("AM",)), False),
    (Scope(categories=("2-*",)), True),
    (Scope(categories=("2-1",)), False),
    (Scope(categories=("ML1?",)), True),
    (Scope(end_users=("usr",), consignees=("con",), products=("prod",)), True),
])
def test_scope_fields_and_wildcards(scope, matches):
    assert scope.matches(PERMIT, PRODUCT) is matches


def test_scope_of_cleans_input():
    s = scope_of({"destinations": ["tr", " "], "exporters": [" exp "]}, case="  ")
    assert s == Scope(exporters=("exp",), destinations=("TR",))
    assert Scope().is_empty() and not s.is_empty()
    assert s.describe() == "exporters: exp; destinations: TR"


def test_backoff_doubles_up_to_the_cap():
    b = Backoff(timedelta(seconds=60), timedelta(seconds=300))
    assert [b.after(n).total_seconds() for n in range(1, 6)] == [60, 120, 240, 300, 300]


PACK = {
    "title": "Oversight pack: case CASE-0001",
    "generated_on": date(2020, 11, 2),
    "case": {"id": "CASE-0001", "opened_by": "officer-one", "summary": "officer-one traced REDACTED-SN-1"},
    "permits": [{"permit": "PERMIT-X-1", "quantity": 7, "value": "1000.00", "currency": "EUR",
                 "signatory": "Jo Bloggs", "exporter": "Maker"}],
    "applications": [],
    "timeline": [{"date": date(2020, 9, 15), "kind": "delivery", "text": "item REDACTED-SN-1 delivered under "
                  "permit PERMIT-X-1 (REDACTEDSN1); Jo Bloggs signed for 1000.00 EUR", "actor": "ab",
                  "permit": "PERMIT-X-1", "serial": "REDACTED-SN-1", "quantity": None}],
    "decisions": [{"decision": 1, "action": "suspend", "effective_on": date(2020, 10, 5), "reason": "r",
                   "reference": "ref", "decided_by": "minister-office", "permit_numbers": ["PERMIT-X-1"],
                   "applications": []}],
    "evidence": [], "inquiries": [],
}


def test_public_hides_fields_and_their_values_inside_text():
    out = redact(PACK, Profile.public)
    text = render_md(out).decode()
    for secret in ("PERMIT-X-1", "REDACTED-SN-1", "REDACTEDSN1", "officer-one", "Jo Bloggs", "1000.00",
                   "EUR", "minister-office"):
        assert secret not in text, secret
    assert out["permits"][0]["quantity"] == REDACTED
    assert out["decisions"][0]["permit_numbers"] == [REDACTED]
    assert out["timeline"][0]["actor"] == REDACTED  # hidden in its field even though too short to search for
    # The public profile names no company concerned (its allow-list), but keeps what happened and when.
    assert "Maker" not in text and "2020-09-15" in text and "suspend" in text


def test_committee_hides_names_only_internal_nothing():
    committee = render_md(redact(PACK, Profile.committee)).decode()
    assert "officer-one" not in committee and "Jo Bloggs" not in committee
    assert "PERMIT-X-1" in committee and "REDACTED-SN-1" in committee and "1000.00" in committee
    internal = render_md(redact(PACK, Profile.internal)).decode()
    assert all(s in internal for s in ("officer-one", "Jo Bloggs", "PERMIT-X-1", "REDACTED-SN-1"))
    assert PACK["case"]["opened_by"] == "officer-one"  # the input is not changed


def test_pdf_renders_any_script_with_or_without_a_unicode_font():
    from endwatch.services.casefiles.oversight import find_font, render_pdf

    pack = redact({**PACK, "case": {**PACK["case"], "summary": "Հայաստան Türkiye 中文 “quoted”"}}, Profile.public)
    core = render_pdf(pack, None, compress=False)
    assert core.startswith(b"%PDF") and b"T\xfcrkiye" in core  # Latin-1 kept, the rest transliterated
    font = find_font()
    if font is not None:
        assert render_pdf(pack, font).startswith(b"%PDF")
