"""`endwatch notify send|list|contact`: deliver the notification outbox by e-mail over SMTP."""

from __future__ import annotations

import time
from datetime import timedelta

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, principal
from endwatch.services.enforcement import notify

notify_app = typer.Typer(help="Notifications: the outbox and its delivery by e-mail.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


def _mailer() -> notify.SmtpMailer:
    s = app_().settings
    return notify.SmtpMailer(s.smtp_host, s.smtp_port, s.smtp_timeout, s.smtp_starttls, s.smtp_ca_file,
                             s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else None)


@notify_app.command("send")
@command
def send(
    once: bool = typer.Option(False, "--once", help="One pass over what is due, then stop (default: keep going)."),
    poll: float = typer.Option(30.0, "--poll", min=0.1, help="Seconds between passes when not --once."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Deliver every due message to ENDWATCH_SMTP_HOST:ENDWATCH_SMTP_PORT; failures wait and are retried.
    Runs as the principal of ENDWATCH_TOKEN: the notifier's service account, or an administrator."""
    ew = app_()
    who = principal()
    s = ew.settings
    backoff = notify.Backoff(timedelta(seconds=s.smtp_retry_seconds), timedelta(seconds=s.smtp_retry_max_seconds))
    first = True
    while True:
        report = notify.send_due(ew.uow, who, _mailer(), s.smtp_sender, backoff=backoff)
        quiet = not (first or report.sent or report.failed)  # a running sender stays silent while idle
        first = False
        if quiet:
            pass
        elif fmt is Format.json:
            print(as_json({"sent": report.sent, "failed": [{"message_id": m, "error": e} for m, e in report.failed],
                           "pending": report.pending, "next_due": report.next_due}))
        else:
            for m in report.sent:
                out.print(f"sent {m}", markup=False, highlight=False)
            for m, e in report.failed:
                out.print(f"not sent {m}: {e} (will retry)", markup=False, highlight=False)
            out.print(f"{len(report.sent)} sent, {len(report.failed)} failed, {report.pending} waiting"
                      + (f" (next due {report.next_due})" if report.next_due else ""))
        if once:
            if report.failed:
                raise typer.Exit(2)
            return
        time.sleep(poll)


@notify_app.command("list")
@command
def list_(
    status: str | None = typer.Option(None, "--status", help="pending or sent."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The outbox, oldest first."""
    if status not in (None, "pending", "sent"):
        raise typer.BadParameter("must be pending or sent", param_hint="--status")
    rows = [{"id": m.id, "message_id": m.message_id, "to": m.party_id, "address": m.to_address,
             "subject": m.subject, "status": m.status, "attempts": m.attempts, "next_attempt_at": m.next_attempt_at,
             "sent_at": m.sent_at, "last_error": m.last_error}
            for m in notify.list_messages(app_().reader(), status)]
    emit(rows, fmt, "outbox", ["id", "to", "status", "attempts", "next_attempt_at", "subject"]
         if fmt is Format.table else None)


@notify_app.command("contact")
@command
def contact(
    party: str = typer.Argument(..., help="Party id, e.g. wescam."),
    email: str = typer.Argument(..., help="E-mail address notifications to the party go to."),
) -> None:
    """Set the e-mail address of a party (an exporter) for notifications."""
    notify.set_contact(app_().uow(), principal(), party, email)
    out.print(f"notifications to {party} go to {email}", markup=False, highlight=False)
