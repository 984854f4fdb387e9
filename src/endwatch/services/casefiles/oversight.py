"""The oversight pack: a case's facts, timeline and evidence list as a document fit to hand over.

Redaction works by allow-list and is applied to the data before anything is rendered: each profile lists,
for each kind of record in the pack, the fields it publishes; every other field is replaced by `[redacted]`
(so a field added to the pack later stays hidden until someone lists it). The protected values held by the
hidden fields (permit and application numbers, serials, names of officials, names and aliases of the parties
hidden, commercial values), and those the pack knows may turn up in free text, are then scrubbed from every
string that is published, compared by key (domain/redaction.py: case, spacing, separators, invisible
characters and Unicode look-alikes ignored), so no renderer can leak them. The Markdown output escapes HTML.
"""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from endwatch.domain.redaction import scrub
from endwatch.services.audit.trail import snapshot
from endwatch.services.casefiles.timeline import concerned, timeline
from endwatch.services.uow import UnitOfWork

REDACTED = "[redacted]"
SECRETS = "_secrets"  # key of the values to search free text for; removed by redact()


class Profile(StrEnum):
    """Who the pack is for, and so what it publishes."""

    public = "public"
    committee = "committee"
    internal = "internal"


class PackFormat(StrEnum):
    pdf = "pdf"
    json = "json"
    md = "md"


# Every field of every kind of record the pack holds (build_pack), and the internal profile's allow-list.
FIELDS: dict[str, frozenset[str]] = {
    "case": frozenset({"id", "title", "status", "opened_on", "closed_on", "consignee", "observed_user", "opened_by",
                       "summary"}),
    "permits": frozenset({"permit", "exporter", "consignee", "end_user", "destination", "product", "quantity",
                          "value", "currency", "issued_on", "expires_on", "status", "policy", "exception", "end_use",
                          "signatory"}),
    "applications": frozenset({"application", "exporter", "consignee", "end_user", "destination", "product",
                               "quantity", "value", "currency", "received_on", "status", "signatory"}),
    "timeline": frozenset({"date", "kind", "text", "actor", "permit", "serial", "quantity"}),
    "decisions": frozenset({"decision", "action", "effective_on", "reason", "reference", "decided_by",
                            "permit_numbers", "applications"}),
    "evidence": frozenset({"filename", "sha256", "size", "description", "added_by", "added_at"}),
    "inquiries": frozenset({"inquiry", "to", "question", "asked_on", "asked_by", "answer", "answered_on",
                            "answered_by"}),
}
_OFFICIALS = frozenset({"actor", "opened_by", "signatory", "added_by", "asked_by", "answered_by", "decided_by"})

# What each profile publishes: an allow-list per kind of record.
PUBLISHED: dict[Profile, dict[str, frozenset[str]]] = {
    Profile.internal: FIELDS,
    Profile.committee: {kind: fields - _OFFICIALS for kind, fields in FIELDS.items()},
    Profile.public: {
        "case": frozenset({"id", "title", "status", "opened_on", "closed_on", "observed_user", "summary"}),
        "permits": frozenset({"end_user", "destination", "product", "issued_on", "expires_on", "status", "policy",
                              "exception", "end_use"}),
        "applications": frozenset({"end_user", "destination", "product", "received_on", "status"}),
        "timeline": frozenset({"date", "kind", "text"}),
        "decisions": frozenset({"decision", "action", "effective_on", "reason", "reference"}),
        "evidence": frozenset({"filename", "sha256", "size", "description", "added_at"}),
        "inquiries": frozenset({"inquiry", "question", "asked_on", "answer", "answered_on"}),
    },
}

# The protected values a field holds, by class; a hidden field's values are searched for in free text.
_CLASS: dict[str, str] = {
    "permit": "permit", "permit_numbers": "permit", "application": "application", "applications": "application",
    "serial": "serial", "exporter": "party", "consignee": "party", "end_user": "party", "to": "party",
    "observed_user": "party", "value": "commercial", "currency": "commercial", "quantity": "commercial",
    **{f: "name" for f in _OFFICIALS},
}
_DESCRIBE = {"permit": "permit numbers", "application": "application numbers", "serial": "serial numbers",
             "name": "personal names of officials", "party": "names of the companies concerned",
             "commercial": "commercially confidential values (value, currency, quantities)"}


def build_pack(uow: UnitOfWork, case_id: str, generated_on: date) -> dict[str, Any]:
    """The whole pack, unredacted (inside an open unit of work)."""
    events = timeline(uow, case_id)  # raises NotFound first
    case = uow.cases.case(case_id)
    assert case is not None
    scope = concerned(uow, case)
    names = {p.id: p.name for p in uow.parties.list()}

    def name(party: str | None) -> str | None:
        return names.get(party, party) if party else None

    # Values that may turn up in free text (a note, an answer, a reason) although no field of the pack holds
    # them: every permit number, the serials delivered under the permits concerned, and everyone who wrote
    # about the case or its permits. Redaction searches for them too; the key never reaches the output.
    actors = {e.actor for e in uow.audit.for_entity("case", case.id)}
    serials: set[str] = set()
    for p in scope.permits:
        actors.update(e.actor for e in uow.audit.for_entity("permit", p.number))
        serials.update(i.item.serial for i in uow.deliveries.for_permit(p.number))
    referenced = {case.consignee_id, case.observed_user_id, *(i.to_party for i in uow.cases.inquiries(case.id))}
    for p in scope.permits:
        referenced.update((p.exporter_id, p.consignee_id, p.end_user_id))
    for a in scope.applications:
        referenced.update((a.exporter_id, a.consignee_id, a.end_user_id))
    parties = uow.parties.get_many([p for p in referenced if p])
    secrets = {"permit": sorted(p.number for p in uow.permits.list()),
               "application": sorted(a.number for a in uow.applications.list()), "serial": sorted(serials),
               "name": sorted(actors),
               # every name a party concerned is known by, under the name the pack shows
               "party": {p.name: [p.id, *p.all_names()] for p in parties.values()}}
    return {
        SECRETS: secrets,
        "title": f"Oversight pack: case {case.id}",
        "generated_on": generated_on,
        "case": {"id": case.id, "title": case.title, "status": case.status, "opened_on": case.opened_on,
                 "closed_on": case.closed_on, "consignee": name(case.consignee_id),
                 "observed_user": name(case.observed_user_id), "opened_by": case.opened_by,
                 "summary": case.summary},
        "permits": [{"permit": p.number, "exporter": name(p.exporter_id), "consignee": name(p.consignee_id),
                     "end_user": name(p.end_user_id), "destination": p.destination, "product": p.product_id,
                     "quantity": p.quantity, "value": p.value, "currency": p.currency, "issued_on": p.issued_on,
                     "expires_on": p.expires_on, "status": p.latest_status().value, "policy": p.policy_id,
                     "exception": p.exception, "end_use": p.undertaking.end_use,
                     "signatory": p.undertaking.signatory} for p in scope.permits],
        "applications": [{"application": a.number, "exporter": name(a.exporter_id), "consignee": name(a.consignee_id),
                          "end_user": name(a.end_user_id), "destination": a.destination, "product": a.product_id,
                          "quantity": a.quantity, "value": a.value, "currency": a.currency,
                          "received_on": a.received_on, "status": a.status.value,
                          "signatory": a.undertaking.signatory} for a in scope.applications],
        "timeline": [{"date": e.on, "kind": e.kind, "text": e.text, "actor": e.actor, "permit": e.permit,
                      "serial": e.serial, "quantity": e.quantity} for e in events],
        "decisions": [{"decision": a.id, "action": a.action, "effective_on": a.effective_on, "reason": a.reason,
                       "reference": a.reference, "decided_by": a.decided_by, "permit_numbers": list(a.permits),
                       "applications": list(a.applications)}
                      for a in uow.enforcement.actions()
                      if a.case_id == case.id or {p.number for p in scope.permits} & set(a.permits)],
        "evidence": [{"filename": e.filename, "sha256": e.sha256, "size": e.size, "description": e.description,
                      "added_by": e.added_by, "added_at": e.added_at} for e in uow.cases.evidence(case.id)],
        "inquiries": [{"inquiry": i.id, "to": name(i.to_party), "question": i.question, "asked_on": i.asked_on,
                       "asked_by": i.asked_by, "answer": i.answer, "answered_on": i.answered_on,
                       "answered_by": i.answered_by} for i in uow.cases.inquiries(case.id)],
    }


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def redact(pack: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """A copy of the pack holding only what the profile publishes: other fields [redacted], and every
    protected value they hold (or that the pack knows of) scrubbed from the published text, by key."""
    allowed = PUBLISHED[profile]
    data = snapshot(pack)
    known: dict[str, Any] = data.pop(SECRETS, {})
    party_names: dict[str, list[str]] = known.get("party", {})
    hidden_classes: set[str] = set()
    secrets: set[str] = set()
    shown: set[str] = set()  # protected values a published field shows: not scrubbed elsewhere
    for kind, fields in FIELDS.items():
        records = data.get(kind)
        for record in [records] if isinstance(records, dict) else records or []:
            for name, value in record.items():
                cls = _CLASS.get(name)
                if cls is None:
                    continue
                found = _strings(value)
                if cls == "party":
                    found = [n for v in found for n in party_names.get(v, [v])]
                if name in allowed[kind]:
                    shown.update(found)
                else:
                    hidden_classes.add(cls)
                    secrets.update(found)
                assert name in fields, name
    for cls in hidden_classes - {"party"}:
        secrets.update(known.get(cls, []))
    secrets -= shown

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items()}
        if isinstance(node, list):
            return [clean(v) for v in node]
        if isinstance(node, str):
            return scrub(node, secrets, REDACTED)
        return node

    result: dict[str, Any] = {}
    for key, node in data.items():
        if key not in FIELDS:
            result[key] = clean(node)
            continue
        records = [node] if isinstance(node, dict) else node
        published = [{k: (clean(v) if k in allowed[key] else None if v is None else
                          [REDACTED for _ in v] if isinstance(v, list) else REDACTED) for k, v in r.items()}
                     for r in records]
        result[key] = published[0] if isinstance(node, dict) else published
    result["profile"] = profile.value
    result["redaction"] = [_DESCRIBE[c] for c in sorted(hidden_classes)] or ["nothing"]
    return result


# -- rendering -------------------------------------------------------------------------------------------

def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v)
    return str(v)


def render_json(pack: dict[str, Any]) -> bytes:
    return (json.dumps(pack, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _sections(pack: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The pack as titled blocks of lines: the one layout both Markdown and PDF follow."""
    case = pack["case"]
    head = [f"Profile: {pack['profile']} (hidden: {'; '.join(pack['redaction'])})",
            f"Generated on: {pack['generated_on']}"]
    head += [f"{k.replace('_', ' ').capitalize()}: {_cell(v)}" for k, v in case.items() if v not in (None, "")]
    permits = [", ".join(f"{k.replace('_', ' ')}: {_cell(v)}" for k, v in p.items() if v not in (None, ""))
               for p in pack["permits"]]
    apps = [", ".join(f"{k.replace('_', ' ')}: {_cell(v)}" for k, v in a.items() if v not in (None, ""))
            for a in pack["applications"]]
    lines = [f"{e['date']}  [{e['kind']}]  {e['text']}" + (f"  (by {e['actor']})" if e.get("actor") else "")
             for e in pack["timeline"]]
    decisions = [f"{d['effective_on']}: {d['action']} permits {_cell(d['permit_numbers'])}; applications on hold "
                 f"{_cell(d['applications']) or 'none'}. Reason: {d['reason']} Reference: {d['reference']}. "
                 f"Decided by {d['decided_by']}." for d in pack["decisions"]]
    evidence = [f"{e['filename']}  sha256 {e['sha256']}  {e['size']} bytes  added {e['added_at']} by {e['added_by']}"
                + (f"  - {e['description']}" if e["description"] else "") for e in pack["evidence"]]
    inquiries = [f"{i['asked_on']}: to {i['to']} (asked by {i['asked_by']}): {i['question']}"
                 + (f" Answer {i['answered_on']}: {i['answer']}" if i.get("answer") else " (no answer yet)")
                 for i in pack["inquiries"]]
    return [(pack["title"], head), ("Permits concerned", permits), ("Applications concerned", apps),
            ("Timeline", lines), ("Decisions", decisions), ("Evidence", evidence), ("Inquiries", inquiries)]


def _escaped(node: Any) -> Any:
    """Every string of the pack with HTML's special characters escaped (`<script>` shows as text)."""
    if isinstance(node, dict):
        return {k: _escaped(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_escaped(v) for v in node]
    return html.escape(node, quote=False) if isinstance(node, str) else node


def render_md(pack: dict[str, Any]) -> bytes:
    """The pack as Markdown; free text cannot inject HTML."""
    out: list[str] = []
    for i, (title, lines) in enumerate(_sections(_escaped(pack))):
        out.append(f"{'#' if i == 0 else '##'} {title}\n")
        out.extend(f"- {line}" for line in lines or ["(none)"])
        out.append("")
    return "\n".join(out).encode("utf-8")


_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


def find_font() -> Path | None:
    """A Unicode TrueType font for PDFs (DejaVu Sans, Debian package fonts-dejavu-core), if installed."""
    return next((p for p in _FONT_CANDIDATES if p.is_file()), None)


def _latin1(text: str) -> str:
    """Text a core PDF font can show: accents kept where Latin-1 has them, others transliterated."""
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(plain or "?")
    return "".join(out)


def _same(text: str) -> str:
    return text


def render_pdf(pack: dict[str, Any], font: Path | None = None, *, compress: bool = True) -> bytes:
    """The pack as a PDF. With `font` (a TTF) any script shows; without, a core font and Latin-1 text."""
    from fpdf import FPDF  # imported here: only PDF export needs it

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(True, margin=15)
    fix: Callable[[str], str] = _same
    if font is not None:
        pdf.add_font("Pack", "", str(font))
        family = "Pack"
    else:
        family, fix = "Helvetica", _latin1
    pdf.set_title(fix(pack["title"]))
    pdf.set_creator("endwatch")
    pdf.add_page()
    for i, (title, lines) in enumerate(_sections(pack)):
        pdf.set_font(family, size=15 if i == 0 else 12)
        pdf.multi_cell(0, 8, fix(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        for line in lines or ["(none)"]:
            pdf.multi_cell(0, 5, fix(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def export_pack(uow: UnitOfWork, case_id: str, profile: Profile, fmt: PackFormat, generated_on: date,
                font: Path | None = None) -> bytes:
    """The redacted pack for `profile`, rendered in `fmt`."""
    with uow:
        pack = redact(build_pack(uow, case_id, generated_on), profile)
    if fmt is PackFormat.json:
        return render_json(pack)
    if fmt is PackFormat.md:
        return render_md(pack)
    return render_pdf(pack, font)
