"""The audit checks the API and the audit page show: the hash chain and the registry rows against the trail
(the same as `endwatch audit verify`), computed once per state version and shared by both."""

from __future__ import annotations

from fastapi import Request

from endwatch.domain.audit import ChainReport
from endwatch.domain.audit_rows import RowsReport
from endwatch.services.audit.verify import verify, verify_rows
from endwatch.web.cache import cached, request_version
from endwatch.web.security import endwatch_of


def audit_checks(request: Request, *, fresh: bool = False) -> tuple[ChainReport, RowsReport]:
    """(the chain's report, the rows' report). Both read everything, so the page takes them once per state
    version (every write moves it); a row changed outside endwatch moves nothing, so the page shows it from the
    next write on. `fresh` (the API's explicit verification) always checks now, and refreshes the page's."""
    ew = endwatch_of(request)

    def check() -> tuple[ChainReport, RowsReport]:
        return verify(ew.reader), verify_rows(ew.reader)

    if fresh:
        found = check()
        request.app.state.cache.store(request_version(request), ("audit-checks",), found)
        return found
    return cached(request, ("audit-checks",), check)
