"""`endwatch user add|token|tokens|revoke|list|disable|enable|demo`: accounts for the web application, the API
and the command line."""

from __future__ import annotations

import sys

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, command, emit, identity, out, principal
from endwatch.services.accounts import users
from endwatch.services.accounts.first_administrator import add_first_administrator
from endwatch.services.accounts.store import UserRecord
from endwatch.services.authz import ACCOUNT_ROLES, JOBS, Role

user_app = typer.Typer(help="Accounts for the web application, the REST API and the command line.",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")

ROLES = ", ".join(r.value for r in ACCOUNT_ROLES)
JOB_NAMES = ", ".join(sorted(j.value for j in JOBS))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
@command
def add(
    username: str = typer.Argument(..., help="Login name: lower-case letters, digits, '.', '_' or '-'."),
    role: str = typer.Option(..., "--role", help=f"One of: {ROLES}."),
    party: str | None = typer.Option(None, "--party", help="For exporters: the party id of their company."),
    job: list[str] = typer.Option([], "--job", help=f"For a service account: a job it runs (repeatable): {JOB_NAMES}."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Create an account (the password is prompted for, or read from standard input; a service account has
    none). Needs an administrator, except the first administrator of a database without accounts."""
    ew = app_()
    first = role == Role.ADMINISTRATOR.value and identity() is None and not users.list_users(ew.reader())
    who = None if first else principal()  # asked before the password: without a principal, say so at once
    password = None if role == Role.SERVICE.value and not password_stdin else _read_password(password_stdin)
    if who is None:
        user = add_first_administrator(ew.uow(), username, password or "")
    else:
        user = users.add_user(ew.uow(), who, username, password, role, party, job)
    emit([_row(user)], fmt, "first administrator added" if who is None else "user added",
         ["username", "role", "party", "jobs", "active"])
    if who is None and fmt is Format.table:
        out.print(f"sign in as {user.username} with `endwatch login {user.username}`", markup=False)


def _row(u: UserRecord) -> dict[str, object]:
    return {"username": u.username, "role": u.role, "party": u.party_id, "jobs": list(u.jobs), "active": u.active,
            "created_at": u.created_at}


@user_app.command("list")
@command
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Every account with its role, company and (service accounts) jobs."""
    emit([_row(u) for u in users.list_users(app_().reader())], fmt, "users",
         ["username", "role", "party", "jobs", "active"] if fmt is Format.table else None)


@user_app.command("token")
@command
def token(
    username: str = typer.Argument(..., help="The account the token acts as: yourself, or (an administrator) "
                                             "anyone, such as a service account for its jobs."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Issue an API bearer token: your own, or, as an administrator, another user's. It is printed once and
    stored only as a hash; it works until revoked (ENDWATCH_TOKEN, or `Authorization: Bearer` for the API)."""
    issued = users.issue_token(app_().uow(), principal(), username, label)
    if fmt is Format.json:
        emit([{"id": issued.record.id, "username": username, "label": label, "token": issued.secret}], fmt)
        return
    out.print(f"token id {issued.record.id} for {username} (revoke with `endwatch user revoke {issued.record.id}`)")
    out.print("bearer token (shown once, keep it secret):")
    print(issued.secret)


@user_app.command("tokens")
@command
def tokens(username: str = typer.Argument(...), fmt: Format = FORMAT_OPTION) -> None:
    """A user's tokens (ids, labels and dates only), revoked and expired ones included."""
    rows = [{"id": t.id, "label": t.label, "created_at": t.created_at, "expires_at": t.expires_at,
             "revoked_at": t.revoked_at} for t in users.tokens_of(app_().reader(), username)]
    emit(rows, fmt, f"tokens of {username}")


@user_app.command("revoke")
@command
def revoke(
    token_id: str = typer.Argument(..., help="The token's id (not the secret)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Revoke an API token (your own, or as an administrator anyone's); it stops working at once."""
    rec = users.revoke_token(app_().uow(), principal(), token_id)
    emit([{"id": rec.id, "username": rec.username, "revoked_at": rec.revoked_at}], fmt, "token revoked")


@user_app.command("disable")
@command
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account: it cannot sign in, its web sessions end and its tokens (command-line sessions
    included) are revoked for good."""
    users.set_active(app_().uow(), principal(), username, False)
    out.print(f"user {username} disabled; its sessions ended and its tokens are revoked")


@user_app.command("enable")
@command
def enable(username: str = typer.Argument(...)) -> None:
    """Enable a disabled account again (it signs in again; tokens revoked when it was disabled stay revoked)."""
    users.set_active(app_().uow(), principal(), username, True)
    out.print(f"user {username} enabled")


@user_app.command("demo")
@command
def demo() -> None:
    """Create the demo accounts (one per role; passwords in the README): on a demonstration database only."""
    from endwatch_demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
    from endwatch_demo.replay import REPLAYER

    names = ensure_demo_accounts(app_().uow, REPLAYER)
    roles = {u: r.value for u, r, _ in DEMO_ACCOUNTS}
    out.print("demo accounts: " + ", ".join(f"{n} ({roles[n]})" for n in names))
    out.print("each demo password is the account name followed by -demo-pass (e.g. investigator-demo-pass)")
