"""Exchanges with partner authorities run from the web: the same steps as the command line (partners.export_keys,
match, finish: the same checks, limits, log and audit), with this side's secret key and the files we sent kept by
endwatch in one folder per exchange instead of by the person running the commands.

    <home>/partner-exchanges/<exchange id>/key            this side's secret for the exchange (0600; removed
                                                           once the exchange is finished: it is needed no more)
                                          /request.json   what we sent: the request (we started it), the reply
                                          /reply.json     (we answered it) and the final file (we finished it)
                                          /final.json

A step that is refused leaves nothing behind: the service writes its files only when its database write commits,
and a new exchange's folder is made under a staging name and given the exchange's id only after that. A partner's
file is read from where the caller put it (a temporary copy of an upload); problems name it by the name it was
uploaded under, never by a path on the server.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from endwatch.errors import EndwatchError, InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, require
from endwatch.services.monitoring import partners
from endwatch.services.monitoring import psi_files as files
from endwatch.services.uow import Database

if TYPE_CHECKING:
    from endwatch.services.detection.parallel import Parallel

KEY = "key"
SENT = {"initiator": ("request.json", "final.json"), "responder": ("reply.json",)}
STEP_OF = {"request.json": "request", "reply.json": "reply", "final.json": "final"}


@dataclass(frozen=True)
class Upload:
    """A partner's file as received: where its bytes are on this server, and the name it was uploaded under."""

    path: Path
    name: str


class ExchangeFolders:
    """The folders of the exchanges run from the web, under `root` (<home>/partner-exchanges)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, exchange_id: str) -> Path:
        if not files.is_exchange_id(exchange_id):
            raise NotFound("exchange", exchange_id)
        return self.root / exchange_id

    def _staging(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f".staging-{secrets.token_hex(8)}"
        folder.mkdir(mode=0o700)
        return folder

    def _keep(self, staging: Path, exchange_id: str) -> None:
        staging.rename(self._folder(exchange_id))

    def start(self, db: Database, principal: Principal, config: partners.Config, partner_id: str, *,
              parallel: Parallel | None = None) -> partners.StepResult:
        """Step 1: start an exchange with `partner_id`; the request to send is then `sent_file(id)`."""
        require(principal, Action.PARTNERS_EXCHANGE)
        staging = self._staging()
        try:
            with _named({staging: "the new exchange's folder"}):
                result = partners.export_keys(db, principal, config, partner_id, staging / KEY,
                                              staging / "request.json", parallel=parallel)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # a refusal: the service wrote nothing in it
            raise
        self._keep(staging, result.exchange.id)
        return result

    def answer(self, db: Database, principal: Principal, config: partners.Config, partner_id: str,
               request: Upload, *, parallel: Parallel | None = None) -> partners.StepResult:
        """Step 2: answer a partner's request; the reply to send back is then `sent_file(id)`."""
        require(principal, Action.PARTNERS_EXCHANGE)
        staging = self._staging()
        try:
            with _named({request.path: request.name, staging: "the new exchange's folder"}):
                result = partners.match(db, principal, config, request.path, partner_id, staging / KEY,
                                        staging / "reply.json", parallel=parallel)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._keep(staging, result.exchange.id)
        return result

    def finish(self, db: Database, principal: Principal, config: partners.Config, exchange_id: str, upload: Upload,
               *, on: date | None = None, parallel: Parallel | None = None) -> partners.StepResult:
        """Steps 3 and 4: the partner's reply (we started the exchange: the final file for the partner is then
        `sent_file(id)`) or its final file (we answered it); our matched items, each with a trace request."""
        require(principal, Action.PARTNERS_EXCHANGE)
        folder = self._folder(exchange_id)
        key_file = folder / KEY
        if not key_file.is_file():
            raise InvalidInput([Problem(f"endwatch holds no key for exchange {exchange_id}: it was started or"
                                        " answered on the command line (finish it there, with its key file), or"
                                        " it is finished already", column="exchange")])
        with _named({upload.path: upload.name, key_file: f"the key of exchange {exchange_id}",
                     folder: f"the folder of exchange {exchange_id}"}):
            key = files.read_key(key_file)
            out = folder / "final.json" if key.role == "initiator" else None
            result = partners.finish(db, principal, config, upload.path, key.partner, key_file, out, on=on,
                                     parallel=parallel)
        key_file.unlink(missing_ok=True)  # the exchange is finished: its secret is needed no more
        return result

    def sent_file(self, exchange_id: str, name: str) -> Path:
        """A file we sent in the exchange (request.json, reply.json or final.json); NotFound when there is none."""
        folder = self._folder(exchange_id)
        if name not in STEP_OF or not (folder / name).is_file():
            raise NotFound("exchange file", f"{exchange_id}/{name}")
        return folder / name

    def sent(self, exchange_id: str) -> list[str]:
        """The names of the files we sent in the exchange that endwatch keeps, in the order they were made."""
        if not files.is_exchange_id(exchange_id):
            return []
        folder = self.root / exchange_id
        return [n for n in ("request.json", "reply.json", "final.json") if (folder / n).is_file()]

    def holds_key(self, exchange_id: str) -> bool:
        """Whether endwatch holds this side's key of the exchange (started or answered from the web, unfinished)."""
        return files.is_exchange_id(exchange_id) and (self.root / exchange_id / KEY).is_file()


class _named:
    """Problems and rule texts raised inside name each file as given (the uploaded name), not by its path on the
    server; paths are replaced in the order given (a file before its folder)."""

    def __init__(self, names: dict[Path, str]) -> None:
        self.names = {str(p): n for p, n in names.items()}

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, EndwatchError):
            renamed = self._renamed(exc)
            if renamed is not None:
                raise renamed from None

    def _text(self, text: str) -> str:
        for path, name in self.names.items():
            text = text.replace(path, name)
        return text

    def _renamed(self, exc: EndwatchError) -> EndwatchError | None:
        if isinstance(exc, InvalidInput):
            return InvalidInput([Problem(self._text(p.message), self._text(p.file) if p.file else None, p.line,
                                         p.column) for p in exc.problems])
        if isinstance(exc, RuleViolation):
            return RuleViolation(exc.rule, self._text(exc.detail), exc.records)
        return None
