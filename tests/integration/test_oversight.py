"""The oversight pack: redaction applied before rendering leaks nothing, in JSON, Markdown and PDF."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from tests.integration.enforcement_world import SUSPENDED_ON, diverted
from tests.integration.pdf_text import pdf_text
from tests.principals import person
from tests.two_signatures import apply_decision

from endwatch.cli import app
from endwatch.domain.permits import EndUseUndertaking, Permit
from endwatch.services.audit.trail import record
from endwatch.services.casefiles import oversight
from endwatch.services.casefiles.evidence import attach
from endwatch.services.casefiles.inquiries import answer, ask
from endwatch.services.casefiles.notes import add_note
from endwatch.services.casefiles.oversight import PackFormat, Profile
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.registry.permits import issue_permit

PERMITS = ["PERMIT-REDACTED-1", "PERMIT-REDACTED-2", "PERMIT-VALUED-3", "PERMIT-AM-1"]
SERIALS = ["REDACTED-SN-1", "REDACTEDSN1"]
NAMES = ["analyst-one", "minister-office", "officer-one", "Signatory Person", "officer-two"]
VALUES = ["1234567.89", "EUR"]


@pytest.fixture
def pack_case(ew, tmp_path):
    case_id = diverted(ew, tmp_path)
    issue_permit(ew.uow(), person("officer-one"), Permit(
        number="PERMIT-VALUED-3", exporter_id="wescam", consignee_id="baykar", end_user_id="tr-navy",
        destination="TR", product_id="mx-15d", quantity=2, issued_on=date(2020, 6, 1), expires_on=date(2021, 6, 1),
        value=Decimal("1234567.89"), currency="EUR", exception="NATO co-operation programs",
        justification="NATO programme spares", undertaking=EndUseUndertaking("surveillance", True,
                                                                              "Signatory Person")))
    apply_decision(ew.uow(), person("minister-office"), Scope(case=case_id), Action.suspend, SUSPENDED_ON,
                      "assess allegations", "Minister 2020-10-05", hold_applications=True)
    q = ask(ew.uow(), person("officer-one"), case_id, "wescam", "Is serial REDACTED-SN-1 yours? Which permit?",
            date(2020, 10, 20))
    answer(ew.uow(), person("officer-one"), q.id, "Delivered under PERMIT-REDACTED-1 in September; officer-one "
           "has the paperwork.", date(2020, 10, 25))
    add_note(ew.uow(), person("officer-one"), case_id, "Compare with PERMIT-AM-1; officer-two from the "
             "regional desk agrees.", date(2020, 10, 26))
    with ew.uow() as uow:  # officer-two acted on the case (their name is in the audit trail, not in a field)
        record(uow, actor="officer-two", action="case.review", entity="case", key=case_id)
        uow.commit()
    photo = tmp_path / "nameplate.jpg"
    photo.write_bytes(b"nameplate photo")
    attach(ew.uow(), person("analyst-one"), ew.settings.home / "evidence", case_id, [photo], "the turret")
    return ew, case_id


def _pack(ew, case_id, profile):
    with ew.reader() as uow:
        return oversight.redact(oversight.build_pack(uow, case_id, date(2020, 11, 2)), profile)


def _leaks(blob: bytes, secrets):
    return [s for s in secrets if s.encode() in blob]


def test_public_profile_hides_every_sensitive_value_in_every_format(pack_case):
    ew, case_id = pack_case
    secrets = PERMITS + SERIALS + NAMES + VALUES
    pack = _pack(ew, case_id, Profile.public)
    assert all(p["quantity"] == oversight.REDACTED for p in pack["permits"] + pack["applications"])
    assert all(e["quantity"] in (None, oversight.REDACTED) for e in pack["timeline"])
    for fmt in PackFormat:
        blob = oversight.export_pack(ew.reader(), case_id, Profile.public, fmt, date(2020, 11, 2),
                                     oversight.find_font())
        assert not _leaks(blob, secrets), fmt
        if fmt is PackFormat.pdf:  # the text as a reader sees it, whatever the font's encoding
            assert not [s for s in secrets if s in pdf_text(blob)]
            assert "suspend" in pdf_text(blob)
    internal = pdf_text(oversight.export_pack(ew.reader(), case_id, Profile.internal, PackFormat.pdf,
                                              date(2020, 11, 2), oversight.find_font()))
    assert [s for s in secrets if s != "REDACTEDSN1" and s not in internal] == []  # the check can see them
    core_pdf = oversight.render_pdf(pack, None, compress=False)
    assert core_pdf.startswith(b"%PDF") and not _leaks(core_pdf, secrets)
    # The pack still says what happened.
    text = oversight.render_md(pack).decode()
    assert "suspend" in text and "Azerbaijani" in text and "[redacted]" in text
    assert "APP-REDACTED-3" not in text  # application numbers are not published either


def test_committee_hides_names_only_and_internal_nothing(pack_case):
    ew, case_id = pack_case
    committee = oversight.render_pdf(_pack(ew, case_id, Profile.committee), None, compress=False)
    assert not _leaks(committee, NAMES)
    assert _leaks(committee, ["PERMIT-REDACTED-1", "REDACTED-SN-1", "1234567.89"]) == [
        "PERMIT-REDACTED-1", "REDACTED-SN-1", "1234567.89"]
    internal = oversight.render_pdf(_pack(ew, case_id, Profile.internal), None, compress=False)
    assert set(_leaks(internal, [*PERMITS, "REDACTED-SN-1", *NAMES, *VALUES])) == set(
        [*PERMITS, "REDACTED-SN-1", *NAMES, *VALUES])


def test_pack_lists_timeline_and_evidence(pack_case):
    ew, case_id = pack_case
    pack = _pack(ew, case_id, Profile.internal)
    assert pack["evidence"][0]["filename"] == "nameplate.jpg" and len(pack["evidence"][0]["sha256"]) == 64
    assert [e["date"] for e in pack["timeline"]] == sorted(e["date"] for e in pack["timeline"])
    assert set(pack["decisions"][0]["permit_numbers"]) == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    assert {p["permit"] for p in pack["permits"]} == set(PERMITS) - {"PERMIT-AM-1"}


def test_cli_export_writes_each_format(pack_case, cli, tmp_path):
    _ew, case_id = pack_case
    for fmt in ("pdf", "json", "md"):
        target = tmp_path / f"pack.{fmt}"
        result = cli.invoke(app, ["case", "export", case_id, "--profile", "public", "--format", fmt,
                                  "--output", str(target)])
        assert result.exit_code == 0, result.output
        blob = target.read_bytes()
        assert not _leaks(blob, PERMITS + SERIALS + NAMES + VALUES)
        if fmt == "pdf":
            assert not [s for s in PERMITS + SERIALS + NAMES + VALUES if s in pdf_text(blob)]
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "pack.json").read_text())["profile"] == "public"
    stdout = cli.invoke(app, ["case", "export", case_id, "--profile", "internal", "--format", "md"])
    assert stdout.exit_code == 0 and "PERMIT-REDACTED-1" in stdout.output
    no_output = cli.invoke(app, ["case", "export", case_id, "--profile", "public", "--format", "pdf"])
    assert no_output.exit_code != 0 and "--output" in no_output.output
    bad = cli.invoke(app, ["case", "export", case_id, "--profile", "press", "--format", "md"])
    assert bad.exit_code != 0


# The spellings a careless or hostile note may use: case, spaces, other separators, Cyrillic look-alikes
# (U+0415, U+0410, U+0421, U+0422, U+0420), zero-width spaces and joiners, full-width forms.
SPELLINGS = ["redacted-sn-1", "REDACTED SN 1", "Redacted_Sn.1", "REDACTEDSN1", "permit-redacted-1",
             "PERMIT REDACTED 1", "permit/redacted/1", "\u0420ERMIT-R\u0415DA\u0421\u0422ED-1",
             "R\u0415D\u0410CTED\u2011SN\u20111", "REDACTED\u200bSN\u200b1", "PERMIT\u200d-REDACTED-1",
             "\uff32\uff25\uff24\uff21\uff23\uff34\uff25\uff24-SN-1", "app-redacted-3", "APP REDACTED 3",
             "officer one", "OFFICER_ONE", "Signatory  Person", "l3 wescam", "WESCAM", "baykar", "B\u0430yk\u0430r"]
LEAK_NOTE = " / ".join(SPELLINGS) + " <script>alert(1)</script>"


def _keys_left(text: str, values) -> list[str]:
    """The values whose key still appears in what the text says besides its [redacted] markers."""
    from endwatch.domain.redaction import protected_key

    keyed = " ".join(protected_key(part) for part in text.split(oversight.REDACTED))
    return [v for v in values if protected_key(v) in keyed]


def test_public_pack_leaks_no_spelling_of_a_protected_value(pack_case):
    ew, case_id = pack_case
    add_note(ew.uow(), person("officer-one"), case_id, LEAK_NOTE, date(2020, 10, 27))
    protected = [*PERMITS, "REDACTED-SN-1", "APP-REDACTED-3", *NAMES, "L3 Wescam", "Baykar"]
    md = oversight.export_pack(ew.reader(), case_id, Profile.public, PackFormat.md, date(2020, 11, 2)).decode()
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md  # HTML shows as text
    assert "alert(1)" in md  # the rest of the note is kept
    for fmt in PackFormat:
        blob = oversight.export_pack(ew.reader(), case_id, Profile.public, fmt, date(2020, 11, 2),
                                     oversight.find_font())
        text = pdf_text(blob) if fmt is PackFormat.pdf else blob.decode()
        if fmt is PackFormat.json:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        assert not [s for s in SPELLINGS if s in text], fmt
        assert _keys_left(text, protected) == [], fmt
        if fmt is PackFormat.pdf:
            assert "<script>alert(1)</script>" in text  # a PDF shows the characters as written
    # The internal pack keeps the note as written, so the test above could fail.
    internal = oversight.export_pack(ew.reader(), case_id, Profile.internal, PackFormat.json, date(2020, 11, 2))
    assert LEAK_NOTE in internal.decode()


def test_committee_pack_publishes_numbers_but_no_spelling_of_an_official(pack_case):
    ew, case_id = pack_case
    add_note(ew.uow(), person("officer-one"), case_id, LEAK_NOTE, date(2020, 10, 27))
    text = oversight.export_pack(ew.reader(), case_id, Profile.committee, PackFormat.md, date(2020, 11, 2)).decode()
    assert _keys_left(text, NAMES) == []
    assert "PERMIT REDACTED 1" in text and "redacted-sn-1" in text  # numbers and serials are the committee's


def test_every_field_of_the_pack_is_listed_and_unlisted_fields_are_hidden(pack_case):
    ew, case_id = pack_case
    with ew.reader() as uow:
        pack = oversight.build_pack(uow, case_id, date(2020, 11, 2))
    for kind, fields in oversight.FIELDS.items():
        records = [pack[kind]] if isinstance(pack[kind], dict) else pack[kind]
        assert all(set(r) == fields for r in records), kind
    public = oversight.redact(pack, Profile.public)
    for kind, allowed in oversight.PUBLISHED[Profile.public].items():
        records = [public[kind]] if isinstance(public[kind], dict) else public[kind]
        for r in records:
            hidden = {k: v for k, v in r.items() if k not in allowed and v not in (None, [])}
            assert all(v == oversight.REDACTED or v == [oversight.REDACTED] * len(v) for v in hidden.values()), hidden
