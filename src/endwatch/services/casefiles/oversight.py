"""The oversight pack: a case's facts, timeline and evidence list as a document fit to hand over.

Redaction is applied to the data before anything is rendered: fields of a hidden class are replaced by
`[redacted]`, and every value so hidden is also scrubbed from every other string in the pack (a permit
number inside a sentence, an official's name in a note), so no renderer can leak it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from endwatch.domain.serials import serial_key
from endwatch.services.audit.trail import snapshot
from endwatch.services.casefiles.timeline import concerned, timeline
from endwatch.services.uow import UnitOfWork

REDACTED = "[redacted]"
SECRETS = "_secrets"  # key of the values to search free text for; removed by redact()


class Profile(StrEnum):
    """Who the pack is for, and so what it hides."""

    public = "public"
    committee = "committee"
    internal = "internal"


class PackFormat(StrEnum):
    pdf = "pdf"
    json = "json"
    md = "md"


# What each kind of sensitive value is called wherever it appears in the pack.
_FIELDS: dict[str, frozenset[str]] = {
    "permit": frozenset({"permit", "permit_numbers"}),
    "serial": frozenset({"serial"}),
    "name": frozenset({"actor", "opened_by", "signatory", "added_by", "asked_by", "answered_by", "decided_by",
                       "written_by", "recorded_by"}),
    "commercial": frozenset({"quantity", "value", "currency"}),
}
HIDDEN: dict[Profile, frozenset[str]] = {
    Profile.public: frozenset({"permit", "serial", "name", "commercial"}),
    Profile.committee: frozenset({"name"}),
    Profile.internal: frozenset(),
}
_DESCRIBE = {"permit": "permit numbers", "serial": "serial numbers", "name": "personal names of officials",
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
    secrets = {"permit": sorted(p.number for p in uow.permits.list()), "serial": sorted(serials),
               "name": sorted(actors)}
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


def _walk_values(data: Any, key: str | None, hidden_keys: frozenset[str], found: set[str]) -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            _walk_values(v, k, hidden_keys, found)
    elif isinstance(data, list):
        for v in data:
            _walk_values(v, key, hidden_keys, found)
    elif key in hidden_keys and data is not None and not isinstance(data, bool | int):
        found.add(str(data))


def _tokens(values: Iterable[str]) -> list[str]:
    tokens: set[str] = set()
    for v in values:
        v = v.strip()
        if len(v) >= 3:  # shorter strings would scrub ordinary words and dates
            tokens.add(v)
            norm = serial_key(v)
            if len(norm) >= 3:
                tokens.add(norm)
    return sorted(tokens, key=len, reverse=True)


def _scrub(text: str, tokens: list[str]) -> str:
    for t in tokens:
        if t in text:
            text = text.replace(t, REDACTED)
    return text


def redact(pack: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """A copy of the pack with everything the profile hides replaced by [redacted], in fields and in text."""
    classes = HIDDEN[profile]
    hidden_keys = frozenset().union(*(_FIELDS[c] for c in classes)) if classes else frozenset()
    data = snapshot(pack)
    known: dict[str, list[str]] = data.pop(SECRETS, {})
    values: set[str] = {v for c in classes for v in known.get(c, [])}
    _walk_values(data, None, hidden_keys, values)
    tokens = _tokens(values)

    def walk(node: Any, key: str | None) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            if key in hidden_keys:
                return [REDACTED for _ in node]
            return [walk(v, key) for v in node]
        if key in hidden_keys and node is not None:
            return REDACTED
        if isinstance(node, str):
            return _scrub(node, tokens)
        return node

    result: dict[str, Any] = walk(data, None)
    result["profile"] = profile.value
    result["redaction"] = [_DESCRIBE[c] for c in sorted(classes)] or ["nothing"]
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


def render_md(pack: dict[str, Any]) -> bytes:
    out: list[str] = []
    for i, (title, lines) in enumerate(_sections(pack)):
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
