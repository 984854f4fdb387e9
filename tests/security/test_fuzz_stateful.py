"""Stateful API fuzzing with schemathesis (issue 12): sequences of calls that follow the OpenAPI document's links
(an application submitted, then read, assessed and decided; a permit's status proposed, then read, confirmed or
rejected), and the links schemathesis infers (a list, then one of its records), against the real application
over the reference case. Never a 5xx, and every answer in the documented shape. Short: a few derandomised
sequences (tests/web/test_fuzz.py's fixture). Generated submissions mostly name unknown parties and are refused
(422), so the sequences that start from a created record are few; those from the reference case's records
(cases, permits, proposals) are many.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.web.test_fuzz import FUZZ, TOKENS, api_schema  # noqa: F401  (the fixture, shared)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_linked_sequences_never_fail(api_schema: Any) -> None:  # noqa: F811
    answered: Counter[tuple[str, str, int]] = Counter()
    links = [link for op in api_schema.get_all_operations() for link in _links(op.ok())]
    assert len(links) >= 6, links  # the document carries the links the machine follows

    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {TOKENS['admin']}"}}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            answered[(case.operation.method, case.operation.path, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS)

    Machine.run(settings=settings(FUZZ, max_examples=30, stateful_step_count=8))
    assert not [k for k in answered if k[2] >= 500], answered
    # Sequences reached the linked operations, not only their starting points.
    followed = {path for (_m, path, _s) in answered}
    assert followed & {"/api/v1/applications/{number}", "/api/v1/applications/{number}/assessment",
                       "/api/v1/applications/{number}/decisions", "/api/v1/proposals/{proposal_id}",
                       "/api/v1/proposals/{proposal_id}/confirm", "/api/v1/proposals/{proposal_id}/reject"}, answered


def _links(operation: Any) -> list[str]:
    found = []
    for status, response in (operation.definition.raw.get("responses") or {}).items():
        found += [f"{operation.path} {status} {name}" for name in (response.get("links") or {})]
    return found
