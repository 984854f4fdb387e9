"""The audit checks the API and the audit page show: the hash chain and the registry rows against the trail
(the same as `endwatch audit verify`), and the audit page's bounded check of the chain's newest entries.

The full check reads every entry and every audited row (minutes at ten million delivered items), so no page
view starts it on its own: the API's verification, the page's "Verify everything" button and the command line
do; the page shows the last full result made at the current state version, and otherwise re-hashes only the
newest entries (services/audit/verify.py TAIL), once per state version."""

from __future__ import annotations

from fastapi import Request

from endwatch.domain.audit import ChainReport
from endwatch.domain.audit_rows import RowsReport
from endwatch.services.audit.verify import verify, verify_rows, verify_tail
from endwatch.web.cache import cached, request_version, stored
from endwatch.web.security import endwatch_of

_FULL = ("audit-checks",)


def audit_checks(request: Request, *, fresh: bool = False) -> tuple[ChainReport, RowsReport]:
    """(the chain's report, the rows' report) over the whole trail and every audited row. `fresh` checks now
    (the API's verification, the page's button) and keeps the answer for this state version; otherwise the
    answer kept at this state version, computed if there is none."""
    ew = endwatch_of(request)

    def check() -> tuple[ChainReport, RowsReport]:
        return verify(ew.reader), verify_rows(ew.reader)

    if fresh:
        found = check()
        request.app.state.cache.store(request_version(request), _FULL, found)
        return found
    return cached(request, _FULL, check)


def last_full_check(request: Request) -> tuple[ChainReport, RowsReport] | None:
    """The full check's answer when one was made at the current state version (no write since), else None:
    never computed here."""
    found = stored(request, _FULL)
    return None if found is None else (found[0], found[1])


def tail_check(request: Request) -> ChainReport:
    """The newest entries of the chain re-hashed back to the entry before them (bounded), once per state
    version."""
    ew = endwatch_of(request)
    return cached(request, ("audit-tail",), lambda: verify_tail(ew.reader))
