"""`endwatch user add|token|revoke|list|disable|enable`: accounts for the web application and the API."""

from __future__ import annotations

import sys

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, command, emit, out, principal
from endwatch.services.accounts import users
from endwatch.services.authz import ACCOUNT_ROLES

user_app = typer.Typer(help="Accounts for the web application and the REST API.", no_args_is_help=True)
app.add_typer(user_app, name="user")

ROLES = ", ".join(r.value for r in ACCOUNT_ROLES)


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
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Create an account (the password is prompted for, or read from standard input)."""
    password = _read_password(password_stdin)
    user = users.add_user(app_().uow(), principal(), username, password, role, party)
    emit([{"username": user.username, "role": user.role, "party": user.party_id, "active": user.active}], fmt,
         "user added")


@user_app.command("list")
@command
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Every account with its role and company."""
    rows = [{"username": u.username, "role": u.role, "party": u.party_id, "active": u.active,
             "created_at": u.created_at} for u in users.list_users(app_().reader())]
    emit(rows, fmt, "users")


@user_app.command("token")
@command
def token(
    username: str = typer.Argument(..., help="The account the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Issue an API bearer token. It is printed once and stored only as a hash."""
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
    """A user's tokens (ids and dates only), revoked ones included."""
    rows = [{"id": t.id, "label": t.label, "created_at": t.created_at, "revoked_at": t.revoked_at}
            for t in users.tokens_of(app_().reader(), username)]
    emit(rows, fmt, f"tokens of {username}")


@user_app.command("revoke")
@command
def revoke(
    token_id: str = typer.Argument(..., help="The token's id (not the secret)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Revoke an API token; it stops working at once."""
    rec = users.revoke_token(app_().uow(), principal(), token_id)
    emit([{"id": rec.id, "username": rec.username, "revoked_at": rec.revoked_at}], fmt, "token revoked")


@user_app.command("disable")
@command
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account: its sessions end and its tokens stop working."""
    users.set_active(app_().uow(), principal(), username, False)
    out.print(f"user {username} disabled")


@user_app.command("enable")
@command
def enable(username: str = typer.Argument(...)) -> None:
    """Enable a disabled account again."""
    users.set_active(app_().uow(), principal(), username, True)
    out.print(f"user {username} enabled")


@user_app.command("demo")
@command
def demo() -> None:
    """Create the demo accounts (one per role; passwords in the README). Never use on real data."""
    from endwatch_demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
    from endwatch_demo.replay import REPLAYER

    names = ensure_demo_accounts(app_().uow, REPLAYER)
    roles = {u: r.value for u, r, _ in DEMO_ACCOUNTS}
    out.print("demo accounts: " + ", ".join(f"{n} ({roles[n]})" for n in names))
    out.print("each demo password is the account name followed by -demo-pass (e.g. investigator-demo-pass)")
