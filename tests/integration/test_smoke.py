"""The reference case loads, traces and verifies on both databases."""

from datetime import date

from endwatch.cli import app
from endwatch.services.audit.verify import verify
from endwatch.services.registry.trace import trace_serial


def test_reference_case_traces_nameplate_to_september_delivery(case):
    result = trace_serial(case.reader(), "REDACTED-SN-1", manufacturer="L3 Wescam", model="CMX-15D",
                          as_of=date(2020, 10, 1))
    assert len(result.hits) == 1
    hit = result.hits[0]
    assert hit.permit.number == "PERMIT-REDACTED-1"
    assert hit.delivered_on == date(2020, 9, 15)
    assert hit.end_user.id == "tr-navy"
    assert hit.permit_state.value == "in_force"
    assert verify(case.reader).ok


def test_cli_trace_json(case, cli):
    result = cli.invoke(app, ["trace", "redacted sn 1", "--as-of", "2020-10-06", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"suspended"' in result.output
