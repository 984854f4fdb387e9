"""Partner authorities and private set intersection: which of our delivered serials a partner also holds, and
which of theirs we hold, without either registry leaving its owner (docs/monitoring.md, "Partner authorities").

The exchange is four files, each made by one command (A initiates, B answers; a, b their secrets for this
exchange, H a serial form hashed to ristretto255, psi.py):

1. A `export_keys`: request  = shuffled {H(x)^a}                  (A's key file written: a)
2. B `match`:       reply    = request as received, each ^b, and shuffled {H(y)^b}   (B's key file: b)
3. A `finish`:      A learns which of its x match; final = B's set as received, each ^a, and A's ^ab echoed
4. B `finish`:      B learns which of its y match.

Each side opens a trace request for each of its matched items (outgoing for the initiator, who asked;
incoming for the responder, who was asked). Every step is a write through the gate: authorised, limited per
partner (items per file, exchanges per 30 days), logged in the exchange table and the audit trail. The
cryptography runs before the write lock is taken (it can take a minute); what the step's decision depends on
(the partner, its limits, the exchange's state) is read again under the lock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from endwatch.domain.matching import fold
from endwatch.domain.trace_requests import Counterpart, Direction
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, require
from endwatch.services.gate import Write, write
from endwatch.services.monitoring import psi
from endwatch.services.monitoring import psi_files as files
from endwatch.services.monitoring.requests import Draft, open_request_in
from endwatch.services.monitoring.store import Exchange, Partner, PartnerMatch
from endwatch.services.uow import Database, UnitOfWork

if TYPE_CHECKING:
    from endwatch.services.detection.parallel import Parallel

WINDOW_DAYS = 30  # the frequency limit counts exchanges started in any window of this many days
PAD = 1024  # sets sent are padded with random elements to a multiple of this: sizes are told only roughly
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Limits:
    """How much one partner may ask of us: blinded items per file, exchanges per 30 days."""

    max_items: int
    max_exchanges: int


@dataclass(frozen=True)
class Config:
    """What exchanges need from the settings: our own authority's identifier and the default limits."""

    authority: str | None
    defaults: Limits

    def us(self) -> str:
        if not self.authority:
            raise InvalidInput([Problem("this endwatch has no authority identifier: set ENDWATCH_AUTHORITY to the"
                                        " name your partners registered you under", column="ENDWATCH_AUTHORITY")])
        return self.authority


def limits_of(partner: Partner, defaults: Limits) -> Limits:
    """The partner's own limits where it has them, the settings' defaults otherwise."""
    return Limits(partner.max_items or defaults.max_items, partner.max_exchanges or defaults.max_exchanges)


def _stamp(uow: UnitOfWork) -> str:
    return uow.now().astimezone(UTC).isoformat(timespec="microseconds")


# --- partners -------------------------------------------------------------------------------------------------

def add_partner(uow: UnitOfWork, principal: Principal, partner_id: str, name: str, *,
                max_items: int | None = None, max_exchanges: int | None = None) -> Partner:
    """Register a partner authority under the identifier its own endwatch uses (its ENDWATCH_AUTHORITY)."""
    problems = []
    if not _ID.match(partner_id):
        problems.append(Problem("a partner id is 1-100 letters, digits, '.', '_' or '-', starting with a letter or"
                                " digit", column="id"))
    if not name.strip():
        problems.append(Problem("name is required", column="name"))
    if max_items is not None and max_items < PAD:
        problems.append(Problem(f"max_items must be at least {PAD}: every set is padded to a multiple of {PAD}",
                                column="max_items"))
    if max_exchanges is not None and max_exchanges < 1:
        problems.append(Problem("max_exchanges must be at least 1", column="max_exchanges"))
    if problems:
        raise InvalidInput(problems)
    with write(uow, principal, Action.PARTNERS_WRITE) as w:
        if uow.partners.partner(partner_id) is not None:
            raise RuleViolation("partner-unique", f"partner {partner_id} is registered already",
                                [f"partner {partner_id}"])
        partner = Partner(partner_id, name.strip(), _stamp(uow), principal.username, max_items, max_exchanges)
        uow.partners.add_partner(partner)
        w.record(action="partner.add", entity="partner", key=partner_id,
                 after={"name": partner.name, "max_items": max_items, "max_exchanges": max_exchanges})
    return partner


@dataclass(frozen=True)
class PartnerView:
    """A partner with its limits in force and its exchanges in the current window."""

    partner: Partner
    limits: Limits
    exchanges_in_window: int


def list_partners(uow: UnitOfWork, principal: Principal, defaults: Limits) -> list[PartnerView]:
    """Every partner authority, with its limits in force."""
    require(principal, Action.PARTNERS_READ)
    with uow:
        since = _window_start(uow)
        return [PartnerView(p, limits_of(p, defaults), uow.partners.exchanges_started_since(p.id, since))
                for p in uow.partners.partners()]


def list_exchanges(uow: UnitOfWork, principal: Principal, partner_id: str | None = None) -> list[Exchange]:
    """Every exchange logged (newest first), of one partner or all."""
    require(principal, Action.PARTNERS_READ)
    with uow:
        return uow.partners.exchanges(partner_id)


def exchange_matches(uow: UnitOfWork, principal: Principal, exchange_id: str) -> tuple[Exchange, list[PartnerMatch]]:
    """One exchange and the items of ours it matched."""
    require(principal, Action.PARTNERS_READ)
    with uow:
        exchange = uow.partners.exchange(exchange_id)
        if exchange is None:
            raise NotFound("exchange", exchange_id)
        return exchange, uow.partners.matches(exchange_id)


def _window_start(uow: UnitOfWork) -> str:
    return (uow.now().astimezone(UTC) - timedelta(days=WINDOW_DAYS)).isoformat(timespec="microseconds")


def _partner_or_refuse(uow: UnitOfWork, partner_id: str) -> Partner:
    partner = uow.partners.partner(partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


def _check_frequency(uow: UnitOfWork, partner: Partner, limits: Limits) -> None:
    done = uow.partners.exchanges_started_since(partner.id, _window_start(uow))
    if done >= limits.max_exchanges:
        raise RuleViolation("partner-limit", f"{done} exchanges with partner {partner.id} were started in the last"
                            f" {WINDOW_DAYS} days, its limit is {limits.max_exchanges}: no more until the oldest"
                            " leaves the window", [f"partner {partner.id}"])


# --- our set --------------------------------------------------------------------------------------------------

def _forms(serials: Sequence[tuple[int, str]]) -> dict[tuple[psi.Tier, str], list[int]]:
    """Each form of our delivered serials (exact key, folded key) and the items that have it."""
    out: dict[tuple[psi.Tier, str], list[int]] = defaultdict(list)
    for delivery_id, key in serials:
        if not key or _unreadable(key):
            continue
        out[(psi.EXACT, key)].append(delivery_id)
        out[(psi.EQUIVALENT, fold(key))].append(delivery_id)
    return out


def _unreadable(key: str) -> bool:
    """A key with an unreadable character is no serial to compare (only readings have them)."""
    return "?" in key


@dataclass(frozen=True)
class _OurSet:
    forms: dict[tuple[psi.Tier, str], list[int]]
    points: dict[bytes, tuple[psi.Tier, str]]  # H(form) -> form
    serials: dict[int, str]  # delivery id -> the serial as recorded


def _our_set(uow: UnitOfWork) -> _OurSet:
    items = uow.partners.delivered_serials()
    forms = _forms([(i, key) for i, key, _ in items])
    return _OurSet(forms, psi.hash_forms(forms), {i: serial for i, _, serial in items})


def _blinded_shuffled(scalar: bytes, ours: _OurSet, parallel: Parallel | None) -> bytes:
    """Our set blinded with `scalar`, padded with random elements and shuffled: what we send."""
    blinded = psi.split(psi.blind(scalar, b"".join(ours.points), parallel=parallel))
    padding = psi.padded_size(len(blinded), PAD) - len(blinded)
    return b"".join(psi.shuffled(blinded + psi.split(psi.random_points(padding))))


def _digest(*blobs: bytes) -> str:
    h = hashlib.sha256()
    for b in blobs:
        h.update(hashlib.sha256(b).digest())
    return h.hexdigest()


# --- the steps ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepResult:
    """What a step did: the exchange as logged after it, the files it wrote, and the items it matched."""

    exchange: Exchange
    written: tuple[Path, ...]
    matches: tuple[PartnerMatch, ...] = ()


def export_keys(db: Database, principal: Principal, config: Config, partner_id: str, key_file: Path, out: Path,
                *, parallel: Parallel | None = None) -> StepResult:
    """Start an exchange with a partner: write our blinded set (the request) to `out` and this exchange's
    secret to `key_file` (mode 0600). Neither file may exist; on any refusal nothing is written."""
    require(principal, Action.PARTNERS_EXCHANGE)
    us = config.us()
    files.refuse_existing(key_file, out)
    with db.reader() as uow:
        partner = _partner_or_refuse(uow, partner_id)
        _check_frequency(uow, partner, limits_of(partner, config.defaults))
        ours = _our_set(uow)
        created = _stamp(uow)
    scalar = psi.new_scalar()
    request = _blinded_shuffled(scalar, ours, parallel)
    exchange_id = secrets.token_hex(16)
    doc = files.ExchangeFile("request", exchange_id, us, partner_id, created, {"initiator": request})
    key = files.KeyFile(exchange_id, partner_id, "initiator", scalar)
    with files.outputs() as o:
        o.stage(key_file, files.key_text(key), secret=True)
        o.stage(out, files.exchange_text(doc))
        with write(db.uow(), principal, Action.PARTNERS_EXCHANGE) as w:
            partner = _partner_or_refuse(w.uow, partner_id)
            _check_frequency(w.uow, partner, limits_of(partner, config.defaults))
            exchange = Exchange(exchange_id, partner_id, "initiator", "requested", _stamp(w.uow), principal.username,
                                psi.fingerprint(scalar), _digest(request), sent=doc.count("initiator"))
            w.uow.partners.add_exchange(exchange)
            w.record(action="partner.exchange.request", entity="partner_exchange", key=exchange_id,
                     after={"partner": partner_id, "role": "initiator", "sent": exchange.sent, "file": out.name})
            o.place()
    return StepResult(exchange, (key_file, out))


def _check_addressing(path: Path, f: files.ExchangeFile, partner_id: str, us: str) -> None:
    problems = []
    if f.sender != partner_id:
        problems.append(Problem(f"this file is from {f.sender!r}, not from partner {partner_id!r}", file=str(path),
                                column="from"))
    if f.recipient != us:
        problems.append(Problem(f"this file is addressed to {f.recipient!r}, not to us ({us!r}, ENDWATCH_AUTHORITY)",
                                file=str(path), column="to"))
    if problems:
        raise InvalidInput(problems)


def match(db: Database, principal: Principal, config: Config, request_file: Path, partner_id: str, key_file: Path,
          out: Path, *, parallel: Parallel | None = None) -> StepResult:
    """Answer a partner's request: blind its set in turn and add ours, blinded with this exchange's new secret
    (written to `key_file`, 0600), to the reply at `out`. A request is answered once (a replay is refused)."""
    require(principal, Action.PARTNERS_EXCHANGE)
    us = config.us()
    files.refuse_existing(key_file, out)
    with db.reader() as uow:
        partner = _partner_or_refuse(uow, partner_id)
        limits = limits_of(partner, config.defaults)
        request = files.read_exchange(request_file, "request", lambda _: limits.max_items)
        _check_addressing(request_file, request, partner_id, us)
        _refuse_replay(uow, request.exchange, request_file)
        _check_frequency(uow, partner, limits)
        ours = _our_set(uow)
        created = _stamp(uow)
    scalar = psi.new_scalar()
    initiator_double = psi.blind(scalar, request.sets["initiator"], parallel=parallel, what="set 'initiator'",
                                 file=str(request_file))
    responder = _blinded_shuffled(scalar, ours, parallel)
    reply = files.ExchangeFile("reply", request.exchange, us, partner_id, created,
                               {"initiator_echo": request.sets["initiator"], "initiator_double": initiator_double,
                                "responder": responder})
    key = files.KeyFile(request.exchange, partner_id, "responder", scalar)
    with files.outputs() as o:
        o.stage(key_file, files.key_text(key), secret=True)
        o.stage(out, files.exchange_text(reply))
        with write(db.uow(), principal, Action.PARTNERS_EXCHANGE) as w:
            partner = _partner_or_refuse(w.uow, partner_id)
            _refuse_replay(w.uow, request.exchange, request_file)
            _check_frequency(w.uow, partner, limits_of(partner, config.defaults))
            exchange = Exchange(request.exchange, partner_id, "responder", "answered", _stamp(w.uow),
                                principal.username, psi.fingerprint(scalar), _digest(initiator_double, responder),
                                sent=reply.count("responder"), received=request.count("initiator"))
            w.uow.partners.add_exchange(exchange)
            w.record(action="partner.exchange.reply", entity="partner_exchange", key=request.exchange,
                     after={"partner": partner_id, "role": "responder", "received": exchange.received,
                            "sent": exchange.sent, "file": out.name})
            o.place()
    return StepResult(exchange, (key_file, out))


def _refuse_replay(uow: UnitOfWork, exchange_id: str, path: Path) -> None:
    if uow.partners.exchange(exchange_id) is not None:
        raise RuleViolation("exchange-replayed", f"exchange {exchange_id} ({path}) was answered here already: a"
                            " request is answered once", [f"exchange {exchange_id}"])


def finish(db: Database, principal: Principal, config: Config, in_file: Path, partner_id: str, key_file: Path,
           out: Path | None, *, on: date | None = None, parallel: Parallel | None = None) -> StepResult:
    """The last step on each side: which of our items the partner also holds, at which tier, each with a
    trace request opened. The initiator reads the reply and writes the final file to `out` (for the partner);
    the responder reads that final file and writes nothing. The key file says which side we are."""
    require(principal, Action.PARTNERS_EXCHANGE)
    us = config.us()
    key = files.read_key(key_file)
    if key.partner != partner_id:
        raise InvalidInput([Problem(f"this key file is for an exchange with {key.partner!r}, not with {partner_id!r}",
                                    file=str(key_file))])
    if key.role == "initiator":
        if out is None:
            raise InvalidInput([Problem("the initiator's last step writes the final file for the partner: give --out",
                                        column="out")])
        files.refuse_existing(out)
    elif out is not None:
        raise InvalidInput([Problem("the responder's last step writes no file: leave out --out", column="out")])
    step = "reply" if key.role == "initiator" else "final"
    with db.reader() as uow:
        partner = _partner_or_refuse(uow, partner_id)
        limits = limits_of(partner, config.defaults)
        exchange = _exchange_for(uow, key, key_file)
        sizes = _sizes(step, exchange, limits)
        f = files.read_exchange(in_file, step, lambda name: sizes[name])
        _check_addressing(in_file, f, partner_id, us)
        _check_step(f, exchange, key, in_file, key_file)
        ours = _our_set(uow)
        created = _stamp(uow)
    mine, final = (_initiator_learns(f, key, parallel, in_file) if key.role == "initiator"
                   else (_responder_learns(f, key), None))
    found = _matched_items(mine, key.scalar, ours)
    with files.outputs() as o:
        if final is not None and out is not None:
            o.stage(out, files.exchange_text(files.ExchangeFile("final", f.exchange, us, partner_id, created, final)))
        with write(db.uow(), principal, Action.PARTNERS_EXCHANGE) as w:
            exchange = _exchange_for(w.uow, key, key_file)
            _check_step(f, exchange, key, in_file, key_file)
            partner = _partner_or_refuse(w.uow, partner_id)
            direction = (Direction.OUTGOING if key.role == "initiator" else Direction.INCOMING).value
            day = on or w.uow.now().date()
            matches = [PartnerMatch(f.exchange, item, tier, open_trace_request(
                w, partner, f.exchange, direction, ours.serials[item], tier, day))
                for item, tier in sorted(found.items())]
            w.uow.partners.add_matches(matches)
            received = f.count("responder") if key.role == "initiator" else None
            w.uow.partners.finish_exchange(f.exchange, finished_at=_stamp(w.uow), finished_by=principal.username,
                                           matched=len(matches), received=received)
            w.record(action="partner.exchange.finish", entity="partner_exchange", key=f.exchange,
                     after={"partner": partner_id, "role": key.role, "matched": len(matches),
                            "exact": sum(m.tier == psi.EXACT.name for m in matches),
                            "equivalent": sum(m.tier == psi.EQUIVALENT.name for m in matches),
                            "file": out.name if out is not None else None})
            o.place()
    with db.reader() as uow:
        logged = uow.partners.exchange(f.exchange)
        shown = uow.partners.matches(f.exchange)
    assert logged is not None
    return StepResult(logged, (out,) if out is not None else (), tuple(shown))


def _exchange_for(uow: UnitOfWork, key: files.KeyFile, key_file: Path) -> Exchange:
    exchange = uow.partners.exchange(key.exchange)
    if exchange is None or exchange.role != key.role or exchange.partner_id != key.partner:
        raise InvalidInput([Problem(f"this key file belongs to exchange {key.exchange}, which this endwatch did not"
                                    f" {'start' if key.role == 'initiator' else 'answer'}", file=str(key_file))])
    if psi.fingerprint(key.scalar) != exchange.key_fingerprint:
        raise RuleViolation("exchange-key", f"the key file {key_file} is not the key of exchange {exchange.id}"
                            " (its fingerprint differs from the one logged)", [f"exchange {exchange.id}"])
    return exchange


def _sizes(step: str, exchange: Exchange, limits: Limits) -> dict[str, int]:
    """How many items each set of the file read at `step` may hold: what we sent, exactly, or within limits."""
    if step == "reply":
        return {"initiator_echo": exchange.sent, "initiator_double": exchange.sent, "responder": limits.max_items}
    return {"responder_echo": exchange.sent, "responder_double": exchange.sent,
            "initiator_double": exchange.received or 0}


def _check_step(f: files.ExchangeFile, exchange: Exchange, key: files.KeyFile, path: Path, key_file: Path) -> None:
    if f.exchange != key.exchange:
        raise InvalidInput([Problem(f"this file belongs to exchange {f.exchange}, the key file {key_file} to exchange"
                                    f" {key.exchange}", file=str(path), column="exchange")])
    if exchange.status == "finished":
        raise RuleViolation("exchange-replayed", f"exchange {exchange.id} was finished on {exchange.finished_at}:"
                            " its last step is taken once", [f"exchange {exchange.id}"])
    if key.role == "initiator":
        same = f.count("initiator_echo") == exchange.sent and f.count("initiator_double") == exchange.sent \
            and _digest(f.sets["initiator_echo"]) == exchange.check_digest
    else:
        same = f.count("responder_echo") == exchange.sent and f.count("responder_double") == exchange.sent \
            and _digest(f.sets["initiator_double"], f.sets["responder_echo"]) == exchange.check_digest
    if not same:
        raise InvalidInput([Problem(f"this file does not answer what this endwatch sent in exchange {exchange.id}"
                                    " (the sets it returns differ from ours)", file=str(path))])


def _initiator_learns(f: files.ExchangeFile, key: files.KeyFile, parallel: Parallel | None,
                      path: Path) -> tuple[list[bytes], dict[str, bytes]]:
    """Our elements (as we blinded them) that the partner also holds, and the final file's sets."""
    responder_double = psi.blind(key.scalar, f.sets["responder"], parallel=parallel, what="set 'responder'",
                                 file=str(path))
    theirs = set(psi.split(responder_double))
    echo, double = psi.split(f.sets["initiator_echo"]), psi.split(f.sets["initiator_double"])
    mine = [e for e, d in zip(echo, double, strict=True) if d in theirs]
    return mine, {"responder_echo": f.sets["responder"], "responder_double": responder_double,
                  "initiator_double": f.sets["initiator_double"]}


def _responder_learns(f: files.ExchangeFile, key: files.KeyFile) -> list[bytes]:
    theirs = set(psi.split(f.sets["initiator_double"]))
    echo, double = psi.split(f.sets["responder_echo"]), psi.split(f.sets["responder_double"])
    return [e for e, d in zip(echo, double, strict=True) if d in theirs]


def _matched_items(blinded: Sequence[bytes], scalar: bytes, ours: _OurSet) -> dict[int, str]:
    """Our items behind the matched elements (unblinded with the scalar's inverse), each at its best tier."""
    inverse = psi.invert(scalar)
    best: dict[int, str] = {}
    for point in psi.split(psi.blind(inverse, b"".join(blinded))) if blinded else []:
        form = ours.points.get(point)
        if form is None:
            continue  # an item deleted since we sent it, or a padding element
        for item in ours.forms[form]:
            if form[0] is psi.EXACT or item not in best:
                best[item] = form[0].name
    return best


def open_trace_request(w: Write, partner: Partner, exchange_id: str, direction: str, serial: str, tier: str,
                       on: date) -> str:
    """Open the trace request a match calls for, in the exchange's own write, and return its reference: outgoing
    (we asked: where is the item now?) for the initiator, incoming (the partner asked about it) for the responder."""
    how = f"{tier} match" if tier == psi.EXACT.name else f"{tier} match: the same serial once confusable characters" \
        " are folded"
    if direction == Direction.OUTGOING.value:
        question = (f"Private set intersection exchange {exchange_id} shows that {partner.name} ({partner.id}) also"
                    f" holds our delivered serial {serial} ({how}). Where is the item now, with whom, and how did it"
                    " get there?")
    else:
        question = (f"{partner.name} ({partner.id}) compared its serials with ours in private set intersection"
                    f" exchange {exchange_id}; our delivered serial {serial} is among those it holds ({how}). Answer"
                    " the partner: is this our item, and what do we know of it?")
    draft = Draft(direction=direction, counterpart_kind=Counterpart.AUTHORITY, question=question, serials=[serial],
                  counterpart=partner.name, their_reference=f"exchange {exchange_id}")
    return open_request_in(w, draft, on).reference
