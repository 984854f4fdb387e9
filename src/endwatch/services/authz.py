"""The single authorisation policy: who may do what, and which records they may see.

Every service asks this module, whatever the entry point (page, API, command line, import, a job):
- `require(principal, action)`: may this principal perform this kind of action at all?
- record level: an exporter sees and acts only on records whose exporter is its own company.
A principal is who is asking: a person's account, a service account that runs one scheduled job, or the
public. An administrator may act on behalf of a person (recorded as both), never to sign for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar

from endwatch.errors import Forbidden, InvalidInput, NotFound, Problem, RuleViolation


class Role(StrEnum):
    """Who a principal is to endwatch. `public` is anyone without an account; `service` runs jobs."""

    ADMINISTRATOR = "administrator"
    LICENSING_OFFICER = "licensing_officer"
    APPROVER = "approver"
    INVESTIGATOR = "investigator"
    EXPORTER = "exporter"
    AUDITOR = "auditor"
    SERVICE = "service"
    PUBLIC = "public"


class Action(StrEnum):
    """A kind of thing a principal can ask for. Reads are separate from writes so auditors can read everything."""

    # Reads
    TRANSPARENCY_READ = "transparency.read"
    DASHBOARD_READ = "dashboard.read"
    PARTIES_READ = "parties.read"
    PRODUCTS_READ = "products.read"
    POLICIES_READ = "policies.read"
    APPLICATIONS_READ = "applications.read"
    PERMITS_READ = "permits.read"
    DELIVERIES_READ = "deliveries.read"
    TRACE = "trace"
    AUDIT_READ = "audit.read"
    SIGHTINGS_READ = "sightings.read"
    CASES_READ = "cases.read"
    ASSESSMENTS_READ = "assessments.read"
    INQUIRIES_READ = "inquiries.read"
    TRACE_REQUESTS_READ = "trace_requests.read"  # an exporter: only outgoing requests addressed to its company
    CHECKS_READ = "checks.read"  # end-use checks and their plan (an exporter: only its own permits' checks)
    PARTNERS_READ = "partners.read"  # partner authorities, their exchanges and what they matched
    OUTBOX_READ = "outbox.read"  # the notifications queued and sent (e-mails to parties)
    # Registry writes
    PARTIES_WRITE = "parties.write"
    PRODUCTS_WRITE = "products.write"
    POLICIES_WRITE = "policies.write"
    APPLICATIONS_SUBMIT = "applications.submit"
    APPLICATIONS_STATUS = "applications.status"
    APPLICATIONS_DECIDE = "applications.decide"
    PERMITS_ISSUE = "permits.issue"
    DELIVERIES_WRITE = "deliveries.write"
    RETRANSFERS_WRITE = "retransfers.write"
    REGISTRY_IMPORT = "registry.import"
    SERIALS_REVIEW = "serials.review"  # propose, confirm (a second person) or reject releasing a serial hold
    # Detection, case files, assessment
    SIGHTINGS_WRITE = "sightings.write"
    DETECTION_RUN = "detection.run"
    CASES_WRITE = "cases.write"
    INQUIRIES_ANSWER = "inquiries.answer"
    ASSESSMENTS_RUN = "assessments.run"
    EVIDENCE_LOAD = "evidence.load"
    TRACE_REQUESTS_WRITE = "trace_requests.write"  # open, close, attach to, link a trace request
    TRACE_REQUESTS_ANSWER = "trace_requests.answer"  # record an answer (an exporter: to its own requests)
    DEADLINES_CHASE = "deadlines.chase"  # send the reminders and escalations that are due (a scheduled job)
    SCREENING_REVIEW = "screening.review"  # confirm or dismiss a screening hit (a signature: people only)
    # End-use monitoring: checks recorded by officers and investigators; the programme set by approvers.
    CHECKS_WRITE = "checks.write"
    CHECKS_PROGRAMME = "checks.programme"
    CHECKS_RECORD = "checks.record"  # record a day's figures of the plan in the series (a scheduled job)
    # Partner authorities: registering one and its limits; running a private-set-intersection exchange.
    PARTNERS_WRITE = "partners.write"
    PARTNERS_EXCHANGE = "partners.exchange"
    # Enforcement: a decision takes two people, one proposes it, a different one confirms (or rejects) it.
    ENFORCEMENT_PROPOSE = "enforcement.propose"
    ENFORCEMENT_DECIDE = "enforcement.decide"
    CONTACTS_WRITE = "contacts.write"
    NOTIFY_SEND = "notify.send"
    # Accounts and the audit trail
    TOKENS_OWN = "tokens.own"  # issue and revoke one's own API tokens
    USERS_MANAGE = "users.manage"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    SYSTEM_CONFIGURE = "system.configure"  # facts about the installation itself (a demonstration database)


_A = Action
_EVERY_READ = frozenset(a for a in Action if a.value.endswith(".read") or a is Action.TRACE)
_REGISTRY_READ = frozenset({
    _A.TRANSPARENCY_READ, _A.DASHBOARD_READ, _A.PARTIES_READ, _A.PRODUCTS_READ, _A.POLICIES_READ,
    _A.PERMITS_READ, _A.DELIVERIES_READ, _A.TRACE,
})
# What a service account may be given: one scheduled job each, never a decision or a signature.
JOBS = frozenset({_A.DETECTION_RUN, _A.ASSESSMENTS_RUN, _A.NOTIFY_SEND, _A.EVIDENCE_LOAD, _A.AUDIT_CHECKPOINT,
                  _A.DEADLINES_CHASE, _A.CHECKS_RECORD})

# The whole policy in one table. Anything not listed is refused.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PUBLIC: frozenset({_A.TRANSPARENCY_READ}),
    Role.EXPORTER: frozenset({_A.TOKENS_OWN,
        _A.TRANSPARENCY_READ, _A.DASHBOARD_READ, _A.PRODUCTS_READ, _A.POLICIES_READ,
        _A.APPLICATIONS_READ, _A.PERMITS_READ, _A.DELIVERIES_READ, _A.APPLICATIONS_SUBMIT,
        _A.DELIVERIES_WRITE, _A.INQUIRIES_READ, _A.INQUIRIES_ANSWER,
        _A.TRACE_REQUESTS_READ, _A.TRACE_REQUESTS_ANSWER,  # only their own (services/monitoring/requests.py)
        _A.CHECKS_READ,  # only checks on their own permits and applications (services/monitoring/checks.py)
    }),
    Role.INVESTIGATOR: _REGISTRY_READ | {_A.TOKENS_OWN,
        _A.SIGHTINGS_READ, _A.SIGHTINGS_WRITE, _A.DETECTION_RUN, _A.CASES_READ, _A.CASES_WRITE,
        _A.INQUIRIES_READ, _A.TRACE_REQUESTS_READ, _A.TRACE_REQUESTS_WRITE, _A.TRACE_REQUESTS_ANSWER,
        _A.DEADLINES_CHASE, _A.CHECKS_READ, _A.CHECKS_WRITE, _A.CHECKS_RECORD, _A.PARTNERS_READ,
        _A.PARTNERS_EXCHANGE,
    },
    # An officer prepares decisions but takes none alone: a permit's status (suspend, reinstate, revoke,
    # cancel) and a case's decision are proposed, then confirmed by an approver (services/enforcement).
    Role.LICENSING_OFFICER: _REGISTRY_READ | {_A.TOKENS_OWN,
        _A.APPLICATIONS_READ, _A.ASSESSMENTS_READ, _A.SIGHTINGS_READ, _A.CASES_READ, _A.INQUIRIES_READ,
        _A.OUTBOX_READ, _A.PARTIES_WRITE, _A.PRODUCTS_WRITE, _A.APPLICATIONS_SUBMIT, _A.APPLICATIONS_STATUS,
        _A.PERMITS_ISSUE, _A.DELIVERIES_WRITE, _A.RETRANSFERS_WRITE, _A.ASSESSMENTS_RUN, _A.EVIDENCE_LOAD,
        _A.ENFORCEMENT_PROPOSE, _A.CONTACTS_WRITE, _A.SCREENING_REVIEW, _A.SERIALS_REVIEW,
        _A.TRACE_REQUESTS_READ, _A.TRACE_REQUESTS_WRITE, _A.TRACE_REQUESTS_ANSWER, _A.DEADLINES_CHASE,
        _A.CHECKS_READ, _A.CHECKS_WRITE, _A.CHECKS_RECORD,
        _A.PARTNERS_READ, _A.PARTNERS_WRITE, _A.PARTNERS_EXCHANGE,
    },
    Role.APPROVER: _REGISTRY_READ | {_A.TOKENS_OWN,
        _A.APPLICATIONS_READ, _A.ASSESSMENTS_READ, _A.SIGHTINGS_READ, _A.CASES_READ, _A.INQUIRIES_READ,
        _A.OUTBOX_READ, _A.APPLICATIONS_STATUS, _A.APPLICATIONS_DECIDE, _A.PERMITS_ISSUE, _A.POLICIES_WRITE,
        _A.ASSESSMENTS_RUN, _A.ENFORCEMENT_PROPOSE, _A.ENFORCEMENT_DECIDE, _A.SCREENING_REVIEW,
        _A.SERIALS_REVIEW, _A.CHECKS_READ, _A.CHECKS_WRITE, _A.CHECKS_PROGRAMME, _A.CHECKS_RECORD,
    },
    Role.AUDITOR: _EVERY_READ | {_A.AUDIT_CHECKPOINT, _A.TOKENS_OWN},
    Role.ADMINISTRATOR: frozenset(Action),
    Role.SERVICE: frozenset(),  # a service account may run only the jobs it was given (Principal.jobs)
}

# Roles an account can have (public is the absence of an account).
ACCOUNT_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in person, a service account, or the public.

    `delegate` is the administrator acting on this person's behalf (`delegate_reason` says why): the
    person's permissions apply, the audit trail names both, and no signature can be given this way.
    `jobs` are the scheduled jobs a service account may run (nothing else).
    """

    username: str
    role: Role
    party_id: str | None = None
    jobs: frozenset[Action] = field(default_factory=frozenset)
    delegate: str | None = None
    delegate_reason: str | None = None

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC

    @property
    def is_service(self) -> bool:
        return self.role is Role.SERVICE

    @property
    def label(self) -> str:
        """How messages name the principal: "alice", or "alice (by admin, on her behalf)"."""
        return f"{self.username} (by {self.delegate}, on their behalf)" if self.delegate else self.username

    def may(self, action: Action) -> bool:
        """True when this principal may perform the action at all (record-level limits still apply)."""
        if self.role is Role.SERVICE:
            return action in self.jobs
        return action in PERMISSIONS.get(self.role, frozenset())


PUBLIC = Principal("", Role.PUBLIC)


def permits(role: Role, action: Action) -> bool:
    """True when the role may perform the action at all (pages use it to show or hide what a role may do)."""
    return action in PERMISSIONS.get(role, frozenset())


def require(principal: Principal, action: Action) -> None:
    """Raise Forbidden unless the principal may perform the action."""
    if not principal.may(action):
        who = "the public" if principal.is_public else f"{principal.username} ({principal.role.value})"
        if principal.delegate is not None:
            who += f", on whose behalf {principal.delegate} acts,"
        raise Forbidden(f"{who} may not {action.value}")


def require_signature(principal: Principal, what: str, records: Iterable[str] = ()) -> None:
    """A signature of a four-eyes decision is given by a person in their own name: never by a service
    account, never by an administrator on someone's behalf (RuleViolation `four-eyes`)."""
    if principal.delegate is not None:
        raise RuleViolation("four-eyes", f"{principal.delegate} cannot sign {what} on behalf of {principal.username}:"
                            " each signature is given by its signatory in person", list(records))
    if principal.is_service:
        raise RuleViolation("four-eyes", f"the service account {principal.username} cannot sign {what}",
                            list(records))


def require_may_act_for_others(principal: Principal) -> None:
    """Raise Forbidden unless the principal is an administrator acting in person (who alone may act for others)."""
    if principal.role is not Role.ADMINISTRATOR or principal.delegate is not None:
        raise Forbidden(f"only an administrator may act on behalf of another user; {principal.label}"
                        f" ({principal.role.value}) may not")


def on_behalf_of(principal: Principal, person: Principal, reason: str) -> Principal:
    """The principal an administrator acts as on `person`'s behalf: the person's role, company and limits
    apply; `delegate` names the administrator and `delegate_reason` says why (the audit trail names both,
    and no signature can be given this way: require_signature). Forbidden unless `principal` is an
    administrator acting in person; a service account is never acted for (it acts only with its own token)."""
    require_may_act_for_others(principal)
    problems = []
    if not reason.strip():
        problems.append(Problem("say why you act on their behalf (it is recorded in the audit trail)",
                                column="reason"))
    if person.username == principal.username:
        problems.append(Problem("you act in your own name without --on-behalf-of", column="on-behalf-of"))
    if problems:
        raise InvalidInput(problems)
    if person.is_service or person.is_public:
        raise Forbidden(f"{person.username} is a service account: it acts only through its own API token")
    return replace(person, delegate=principal.username, delegate_reason=reason.strip())


def may_see_exporter(principal: Principal, exporter_id: str) -> bool:
    """Record-level rule: exporters see only their own company's applications, permits and deliveries."""
    if principal.role is Role.EXPORTER:
        return principal.party_id is not None and exporter_id == principal.party_id
    return True


T = TypeVar("T")


def visible(principal: Principal, records: Iterable[T], exporter_of: Callable[[T], str]) -> list[T]:
    """The records the principal may see, in their order."""
    return [r for r in records if may_see_exporter(principal, exporter_of(r))]


def company_scope(principal: Principal) -> str | None:
    """The company an exporter's view is limited to; None for roles that see every company's records."""
    return principal.party_id if principal.role is Role.EXPORTER else None


def check_may_act_for(principal: Principal, exporter_id: str) -> None:
    """Raise Forbidden when an exporter acts (submits an application, records a delivery) for another company."""
    if not may_see_exporter(principal, exporter_id):
        raise Forbidden(f"an exporter account may act only for its own company ({principal.party_id})")


def check_visible(principal: Principal, kind: str, key: str, exporter_id: str) -> None:
    """Raise NotFound (not Forbidden, so existence is not disclosed) when the record is not the principal's."""
    if not may_see_exporter(principal, exporter_id):
        raise NotFound(kind, key)
