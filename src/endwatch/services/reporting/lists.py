"""Lists read in the database: each list's filters, sort keys and keyset paging, validated here and run by
the list repository (`uow.lists`) as SQL, so a page never loads a table to slice it.

A page is keyset-paged on a stable order (the sort key, then the record's own key): `after` is the opaque
cursor of the last row shown. A page's total is counted exactly up to `EXACT_UP_TO` matching rows; beyond
that it is an estimate (`exact` is False), labelled as such wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from endwatch.domain.matching import Tier
from endwatch.domain.parties import PartyKind
from endwatch.domain.permits import ApplicationStatus, PermitState
from endwatch.domain.sightings import CREDIBILITY_GRADES, RELIABILITY_GRADES, Sighting
from endwatch.domain.verdicts import CREDIBILITY, RELIABILITY, Confidence, Verdict
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.detection.decide import candidate_dict
from endwatch.services.detection.near import TIER_WORDS
from endwatch.services.detection.run import DetectionResult
from endwatch.services.detection.store import Finding
from endwatch.services.registry.queries import PermitView, view_of
from endwatch.services.reporting.store import MAX_LIMIT, ListPage, ListQuery, decode_cursor
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class Filter:
    """One filter a list takes: `text` (exact value), `party` (a party's id, or the start of its name, alias or
    former name: see `resolve_parties`), `date` (bounds `<name>_from` and `<name>_to`), `day` (one date), `flag`
    (true or false) or `choice` (one of `choices`).

    `name` is the query parameter (kept as it is for links and the API); what people read is `label`, the
    `hint` of what to type, and each choice's words (`words`, value -> words, else the value in plain words)."""

    name: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    label: str = ""
    hint: str = ""
    words: tuple[tuple[str, str], ...] = ()

    def word(self, value: str) -> str:
        """The words shown for the choice `value` ("" when it has none of its own: shown in plain words)."""
        return dict(self.words).get(value, "")


@dataclass(frozen=True)
class ListSpec:
    """What one list offers: its filters, its whitelisted sort keys (the first is the default) and whether
    its default order is newest first."""

    kind: str
    filters: tuple[Filter, ...]
    sorts: tuple[str, ...]
    descending: bool = False


_STATES = tuple(s.value for s in PermitState)
_APPLICATION_STATUSES = tuple(s.value for s in ApplicationStatus)
_PARTY_KINDS = tuple(k.value for k in PartyKind)
_VERDICTS = tuple(v.value for v in Verdict)
_CONFIDENCES = tuple(c.value for c in Confidence)
_TIERS = tuple(t.value for t in Tier)

# What people type where a filter takes a party: its name (or the start of it), as well as its id.
_PARTY = "a name (or its start), alias, former name, or the party's id"
# Parties one party filter may name at once: a shorter start of a name than that is refused as too wide.
PARTY_MATCHES = 50
_COUNTRY = "two-letter code, e.g. TR"
_GRADES = (tuple((k, f"{k}: {v}") for k, v in RELIABILITY.items()),
           tuple((k, f"{k}: {v}") for k, v in CREDIBILITY.items()))
_TIER_WORDS = tuple((tier.value, words) for tier, (words, _) in TIER_WORDS.items())


def _party(name: str, label: str) -> Filter:
    return Filter(name, "party", label=label, hint=_PARTY)


def _destination() -> Filter:
    return Filter("destination", label="Destination country", hint=_COUNTRY)


def _category() -> Filter:
    return Filter("category", label="Control-list entry", hint="e.g. ML15")


SPECS: dict[str, ListSpec] = {s.kind: s for s in (
    ListSpec("deliveries", (Filter("permit", label="Permit", hint="permit number"),
                            Filter("serial", label="Serial number"),
                            Filter("product", label="Product", hint="the product's id"),
                            _party("exporter", "Exporter"), _party("recipient", "Received by"), _destination(),
                            Filter("delivered", "date", label="Delivered")),
             ("delivered_on", "serial", "permit")),
    ListSpec("permits", (_party("exporter", "Exporter"), _party("consignee", "Consignee"),
                         _party("end_user", "End user"), _destination(),
                         Filter("product", label="Product", hint="the product's id"), _category(),
                         Filter("issued", "date", label="Issued"), Filter("expires", "date", label="Expires"),
                         Filter("state", "choice", _STATES, label="State on the day"),
                         Filter("as_of", "day", label="As of"),
                         Filter("include_future", "flag", label="Include permits issued after that day")),
             ("issued_on", "number", "expires_on", "destination")),
    ListSpec("applications", (_party("exporter", "Exporter"), _party("consignee", "Consignee"),
                              _party("end_user", "End user"), _destination(),
                              Filter("product", label="Product", hint="the product's id"),
                              Filter("status", "choice", _APPLICATION_STATUSES, label="Status"),
                              Filter("pending", "flag", label="Pending (received or on hold)"),
                              Filter("received", "date", label="Received")),
             ("received_on", "number", "destination")),
    ListSpec("parties", (Filter("kind", "choice", _PARTY_KINDS, label="Kind of party"),
                         Filter("country", label="Country", hint=_COUNTRY),
                         Filter("name", label="Name", hint="a name, alias or former name")),
             ("id", "name")),
    ListSpec("products", (_party("manufacturer", "Manufacturer"), _category(),
                          Filter("model", label="Model", hint="a model or its alias")),
             ("id", "model", "manufacturer")),
    ListSpec("audit", (Filter("entity", label="Kind of record", hint="e.g. permit"),
                       Filter("entity_key", label="Record", hint="its number or id"),
                       Filter("actor", label="Recorded by", hint="a user name"),
                       Filter("action", label="Action", hint="e.g. permit.issue"),
                       Filter("recorded", "date", label="Recorded")),
             ("seq",), descending=True),
    ListSpec("sightings", (Filter("observed", "date", label="Observed"),
                           Filter("country", label="Country", hint=_COUNTRY),
                           Filter("serial", label="Serial number"),
                           Filter("reliability", "choice", tuple(RELIABILITY_GRADES), label="Source reliability",
                                  words=_GRADES[0]),
                           Filter("credibility", "choice", tuple(CREDIBILITY_GRADES),
                                  label="Credibility of the information", words=_GRADES[1]),
                           Filter("verdict", "choice", _VERDICTS, label="Verdict"),
                           Filter("case", label="Case", hint="case number, e.g. CASE-0001"),
                           Filter("undecided", "flag", label="Only sightings not yet decided")),
             ("observed_on", "id", "country"), descending=True),
    ListSpec("findings", (Filter("verdict", "choice", _VERDICTS, label="Verdict"),
                          Filter("confidence", "choice", _CONFIDENCES, label="Confidence"),
                          Filter("tier", "choice", _TIERS, label="How the serial matched", words=_TIER_WORDS),
                          Filter("observed", "date", label="Observed"),
                          Filter("permit", label="Permit", hint="permit number"),
                          Filter("serial", label="Serial number"),
                          _party("observed_user", "Seen with"),
                          Filter("country", label="Country", hint=_COUNTRY),
                          Filter("case", label="Case", hint="case number, e.g. CASE-0001"),
                          Filter("delivered_on", "day", label="Delivered on"),
                          Filter("flagged", "flag", label="Not consistent")),
             ("observed_on", "sighting", "decided_at"), descending=True),
    ListSpec("cases", (Filter("status", "choice", ("open", "closed"), label="Status"),
                       Filter("opened", "date", label="Opened"), _party("consignee", "Consignee"),
                       _party("observed_user", "Seen with"),
                       Filter("assigned_to", label="Assigned to", hint="a user name")),
             ("id", "opened_on")),
    ListSpec("inquiries", (Filter("case", label="Case", hint="case number, e.g. CASE-0001"),
                           _party("to_party", "Asked of"),
                           Filter("answered", "choice", ("yes", "no"), label="Answered"),
                           Filter("overdue_on", "day", label="Overdue on"), Filter("asked", "date", label="Asked"),
                           Filter("due", "date", label="Due")),
             ("asked_on", "id", "due_on"), descending=True),
    ListSpec("outbox", (Filter("status", "choice", ("pending", "sent"), label="Status"),
                        Filter("kind", label="Kind of message", hint="e.g. inquiry"), _party("party", "Party"),
                        Filter("case", label="Case", hint="case number, e.g. CASE-0001"),
                        Filter("created", "date", label="Created")),
             ("id",)),
)}


def _day(text: str, column: str) -> date:
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput([Problem(f"{text!r} is not a date (YYYY-MM-DD)", column=column)]) from None


def parse_query(kind: str, params: Mapping[str, str], *, limit: int = 50, offset: int = 0) -> ListQuery:
    """A validated query from request parameters (only the list's own filters are read; empty ones are
    ignored). Every problem is reported at once, each naming its parameter (`query.<name>`)."""
    spec = SPECS[kind]
    problems: list[Problem] = []
    filters: dict[str, Any] = {}
    for f in spec.filters:
        names = (f"{f.name}_from", f"{f.name}_to") if f.kind == "date" else (f.name,)
        for name in names:
            raw = (params.get(name) or "").strip()
            if not raw:
                continue
            if len(raw) > 300:
                problems.append(Problem("too long (at most 300 characters)", column=f"query.{name}"))
            elif f.kind == "flag":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    problems.append(Problem(f"{raw!r} is not true or false", column=f"query.{name}"))
                elif raw.lower() in ("true", "1", "yes", "on"):
                    filters[name] = True
            elif f.kind in ("date", "day"):
                try:
                    filters[name] = _day(raw, f"query.{name}")
                except InvalidInput as exc:
                    problems.extend(exc.problems)
            elif f.kind == "choice" and raw not in f.choices:
                problems.append(Problem(f"{raw!r} is not one of {', '.join(f.choices)}", column=f"query.{name}"))
            else:
                filters[name] = raw
    sort = (params.get("sort") or "").strip()
    descending = spec.descending
    if sort.startswith("-"):
        sort, descending = sort[1:], True
    elif sort:
        descending = False
    if sort and sort not in spec.sorts:
        problems.append(Problem(f"{sort!r} is not a sort key of this list ({', '.join(spec.sorts)})",
                                column="query.sort"))
    after = None
    if params.get("after"):
        try:
            after = decode_cursor(params["after"])
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(Problem(f"must be between 1 and {MAX_LIMIT}", column="query.limit"))
    if problems:
        raise InvalidInput(problems)
    return ListQuery(kind, filters, sort or spec.sorts[0], descending, after, offset, limit)


def sort_param(query: ListQuery) -> str:
    """The `sort` parameter that asks for this query's order."""
    return ("-" if query.descending else "") + query.sort


def filter_params(query: ListQuery) -> dict[str, str]:
    """The query's filters as request parameters (for links to other pages and exports)."""
    return {k: v.isoformat() if isinstance(v, date) else ("true" if v is True else str(v))
            for k, v in query.filters.items()}


@dataclass(frozen=True)
class SightingView:
    """A sighting in a list: the record, its finding when it has been decided, and the case it joined."""

    sighting: Sighting
    finding: Finding | None
    case_id: str | None


def _sighting_views(uow: UnitOfWork, items: list[Sighting]) -> list[SightingView]:
    ids = [s.id for s in items]
    if not ids:
        return []
    found = {f.sighting_id: f for f in uow.detection.findings(sighting_ids=ids)}
    cases = uow.cases.cases_of(ids)
    return [SightingView(s, found.get(s.id), cases.get(s.id)) for s in items]


def _finding_views(uow: UnitOfWork, items: list[Finding]) -> list[DetectionResult]:
    if not items:
        return []
    cases = uow.cases.cases_of([f.sighting_id for f in items])
    matched = uow.detection.candidates_by_delivery_id([f.delivery_id for f in items if f.delivery_id is not None])
    out = []
    for f in items:
        c = matched.get(f.delivery_id) if f.delivery_id is not None else None
        out.append(DetectionResult(f, candidate_dict(c) if c is not None else None, cases.get(f.sighting_id), False))
    return out


def sightings_by_country(uow: UnitOfWork) -> dict[str, int]:
    """Sightings counted by the country they were observed in (one GROUP BY, for the map)."""
    with uow:
        return uow.lists.sightings_by_country()


def sighting_view(uow: UnitOfWork, sighting_id: str) -> SightingView:
    """One sighting with its finding and case (a few indexed reads); NotFound when unknown."""
    with uow:
        found = uow.detection.get_sightings([sighting_id]).get(sighting_id)
        if found is None:
            raise NotFound("sighting", sighting_id)
        return _sighting_views(uow, [found])[0]


def finding_result(uow: UnitOfWork, sighting_id: str) -> DetectionResult | None:
    """A sighting's finding with its matched item and case; None while undecided."""
    with uow:
        found = uow.detection.findings(sighting_ids=[sighting_id])
        return _finding_views(uow, found)[0] if found else None


# Filters an exporter may not use: they would tell what its pages and exports leave out.
_HIDDEN_FROM_EXPORTERS = {"inquiries": ("case",)}


# What a page of these lists shows besides the stored record (read for the page's rows only, in its transaction).
_VIEWS: dict[str, Callable[[UnitOfWork, list[Any]], list[Any]]] = {
    "sightings": _sighting_views, "findings": _finding_views}


def resolve_parties(uow: UnitOfWork, query: ListQuery) -> tuple[ListQuery, dict[str, tuple[tuple[str, str], ...]]]:
    """The query with each party filter's text replaced by the ids of the parties it names (the party with that
    id when there is one, so an id in a link keeps meaning that party; else the parties with a name, alias or
    former name starting with the text, found in SQL through their name keys), and those parties (id, name) by
    filter. InvalidInput (`query.<name>`) when a text names more than PARTY_MATCHES parties."""
    filters = dict(query.filters)
    named: dict[str, tuple[tuple[str, str], ...]] = {}
    problems: list[Problem] = []
    for f in SPECS[query.kind].filters:
        text = query.filters.get(f.name)
        if f.kind != "party" or not isinstance(text, str):
            continue
        found = uow.lists.parties_named(text, PARTY_MATCHES + 1)
        if len(found) > PARTY_MATCHES:
            problems.append(Problem(f"more than {PARTY_MATCHES} parties have a name starting with {text!r}: type"
                                    " more of the name, or the party's id", column=f"query.{f.name}"))
        named[f.name] = tuple(found)
        filters[f.name] = tuple(pid for pid, _ in found)
    if problems:
        raise InvalidInput(problems)
    return replace(query, filters=filters), named


def page(uow: UnitOfWork, query: ListQuery, exporter: str | None) -> ListPage[Any]:
    """One page of a list (its own read-only transaction); sightings as SightingView, findings as
    DetectionResult."""
    hidden = [name for name in _HIDDEN_FROM_EXPORTERS.get(query.kind, ()) if name in query.filters]
    if exporter is not None and hidden:
        # An exporter is not told which case an inquiry to it belongs to: it may not filter by it either.
        raise InvalidInput([Problem("not a filter an exporter may use on this list", column=f"query.{name}")
                            for name in hidden])
    with uow:
        resolved, named = resolve_parties(uow, query)
        found = uow.lists.page(resolved, exporter)
        view = _VIEWS.get(query.kind)
        items = found.items if view is None else view(uow, found.items)
        return ListPage(items, found.total, found.exact, found.next_after, named)


def every_row(reader: Callable[[], UnitOfWork], query: ListQuery, exporter: str | None,
              chunk: int = MAX_LIMIT) -> Iterator[Any]:
    """Every record the query matches, page after page (each page its own short read), for exports."""
    after = query.after
    while True:
        found = page(reader(), ListQuery(query.kind, query.filters, query.sort, query.descending, after, 0, chunk),
                     exporter)
        yield from found.items
        if found.next_after is None:
            return
        after = decode_cursor(found.next_after)


def permit_views(uow: UnitOfWork, query: ListQuery, exporter: str | None, today: date) -> ListPage[PermitView]:
    """One page of permits as of `query.filters['as_of']` (default `today`): state, history known by then and
    items delivered by then, counted for the page's permits only."""
    as_of = query.filters.get("as_of") or today
    query = ListQuery(query.kind, {**query.filters, "as_of": as_of}, query.sort, query.descending, query.after,
                      query.offset, query.limit)
    with uow:
        resolved, named = resolve_parties(uow, query)
        found = uow.lists.page(resolved, exporter)
        counts = uow.lists.delivered_by([p.number for p in found.items], as_of)
    return ListPage([view_of(p, as_of, counts[p.number]) for p in found.items], found.total, found.exact,
                    found.next_after, named)
