"""Who the command line acts as: `endwatch login|logout|whoami`, and the global `--on-behalf-of USER --reason`."""

from __future__ import annotations

import os
import socket
import sys
from datetime import timedelta

import typer

from endwatch.cli import app, session_file
from endwatch.cli.common import (
    FORMAT_OPTION,
    SIGN_IN,
    Format,
    app_,
    command,
    emit,
    err,
    identity,
    out,
    principal,
    set_delegation,
)
from endwatch.services.accounts.signin import sign_in
from endwatch.services.accounts.users import AuthenticationFailed, revoke_token, token_holder


@app.callback()
def acting(
    on_behalf_of: str | None = typer.Option(
        None, "--on-behalf-of", metavar="USER",
        help="An administrator acts for USER: USER's role and company apply, and the audit trail names both. "
             "Never for a signature. Give it before the command: endwatch --on-behalf-of USER --reason TEXT ..."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why you act on USER's behalf (required with --on-behalf-of; recorded)."),
) -> None:
    """The options every command takes, given before it: who a command that writes acts for."""
    if on_behalf_of is not None and not (reason or "").strip():
        raise typer.BadParameter("say why you act on their behalf", param_hint="--reason")
    if on_behalf_of is None and reason is not None:
        raise typer.BadParameter("--reason before the command goes with --on-behalf-of (a command's own --reason"
                                 " comes after the command's name)", param_hint="--reason")
    set_delegation(on_behalf_of, reason)


@app.command("login")
@command
def login(
    username: str | None = typer.Argument(None, help="Your account (prompted for when not given)."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from standard input instead of prompting."),
) -> None:
    """Sign in: the password is prompted for (hidden) or read from standard input, and a token that expires
    after ENDWATCH_SESSION_HOURS is kept in ENDWATCH_HOME/session.json (mode 0600; never the password)."""
    ew = app_()
    name = username if username is not None else str(typer.prompt("username"))
    password = sys.stdin.readline().rstrip("\n") if password_stdin else str(typer.prompt("password", hide_input=True))
    issued = sign_in(ew, ew.signin_counts, name, password, timedelta(hours=ew.settings.session_hours),
                     where=socket.gethostname())
    _end_saved_session()  # a session opened before is replaced: its token is revoked, not left behind
    rec = issued.record
    path = session_file.save(ew.settings.home, session_file.SavedSession(
        issued.secret, rec.id, rec.username, rec.expires_at or "", ew.database_label()))
    out.print(f"signed in as {rec.username} until {rec.expires_at} (session kept in {path});"
              " `endwatch logout` ends it", markup=False, highlight=False)
    if os.environ.get("ENDWATCH_TOKEN", "").strip():
        err.print(f"note: ENDWATCH_TOKEN is set and wins over this session; unset it to act as {rec.username}",
                  markup=False, highlight=False)


def _end_saved_session() -> str | None:
    """Revoke the saved session's token (if it still works) and delete the file; the token's id, if revoked."""
    ew = app_()
    saved = session_file.load(ew.settings.home, exposed_ok=True)
    if saved is None:
        return None
    revoked = None
    try:
        holder = token_holder(ew.reader(), saved.token)
        revoke_token(ew.uow(), holder.principal, holder.token.id)
        revoked = holder.token.id
    except AuthenticationFailed:
        pass  # expired, revoked already, or the account disabled: the token works no more
    session_file.remove(ew.settings.home)
    return revoked


@app.command("logout")
@command
def logout() -> None:
    """End the command-line session: revoke its token and delete the session file."""
    path = session_file.path_in(app_().settings.home)
    if not path.exists():
        out.print("no command-line session to end", markup=False)
        return
    revoked = _end_saved_session()
    out.print(f"signed out: {path} deleted" + (f", token {revoked} revoked" if revoked else
                                               " (its token had already stopped working)"),
              markup=False, highlight=False)


@app.command("whoami")
@command
def whoami(fmt: Format = FORMAT_OPTION) -> None:
    """Who commands that write act as, and how that was found (ENDWATCH_TOKEN or the session); exit 1 if nobody."""
    found = identity()
    if found is None:
        err.print(f"nobody: {SIGN_IN}", markup=False, highlight=False)
        raise typer.Exit(1)
    p = principal()
    token = found.holder.token
    facts = {
        "username": p.username, "role": p.role.value, "company": p.party_id, "jobs": sorted(j.value for j in p.jobs),
        "delegate": p.delegate, "delegate_reason": p.delegate_reason,
        "found_in": found.source if found.session_path is None else f"{found.source} {found.session_path}",
        "token": token.id, "label": token.label, "expires_at": token.expires_at,
    }
    if fmt is Format.json:
        emit([facts], fmt)
        return
    shown = {k: v for k, v in facts.items() if v or k in ("company", "expires_at")}
    shown["company"] = shown["company"] or "(none)"
    shown["expires_at"] = shown["expires_at"] or "never (until revoked)"
    emit([{"fact": k.replace("_", " "), "value": v} for k, v in shown.items()], fmt, "acting as")
