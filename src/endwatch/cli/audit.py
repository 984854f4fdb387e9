"""`endwatch audit`: read and verify the hash-chained audit trail."""

from __future__ import annotations

from pathlib import Path

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, err, fail, out, principal
from endwatch.domain.audit_checkpoint import CheckpointReport
from endwatch.services.audit import checkpoint as checkpoints
from endwatch.services.audit import verify as audit_service
from endwatch.services.audit.trail import snapshot
from endwatch.services.enforcement.checkpoints import check_address, send_checkpoint

audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


# A broken database can hold millions of altered rows: the table names this many, then counts the rest.
SHOWN_PROBLEMS = 50


def _key_file(given: Path | None) -> Path:
    key = given or app_().settings.audit_key_file
    if key is None:
        fail("no signing key: name it with --key-file or ENDWATCH_AUDIT_KEY_FILE (make one with"
             " `endwatch audit keygen --out KEY`)")
    assert key is not None
    return key


def _public_key(given: Path | None) -> Path:
    if given is not None:
        return given
    key = app_().settings.audit_key_file
    if key is not None and checkpoints.public_key_path(key).exists():
        return checkpoints.public_key_path(key)
    fail("a checkpoint is verified with the public key you trust: name it with --public-key"
         " (or keep it beside ENDWATCH_AUDIT_KEY_FILE as KEY.pub)")
    raise AssertionError("unreachable")


@audit_app.command("keygen")
@command
def keygen(out_: Path = typer.Option(..., "--out", help="Where to write the private key (its public key goes"
                                     " beside it, with .pub added).")) -> None:
    """Make the Ed25519 key pair that signs checkpoints: the private key readable by you alone (0600), never
    overwritten. Keep it outside the database (and its host, where you can); give the .pub to oversight."""
    key, pub = checkpoints.generate_key(out_)
    out.print(f"private key {key} (mode 0600), public key {pub}", markup=False, highlight=False)


@audit_app.command("checkpoint")
@command
def checkpoint(
    out_: Path = typer.Option(..., "--out", help="Where to write the signed checkpoint (JSON)."),
    key_file: Path | None = typer.Option(None, "--key-file", help="The private key (default:"
                                         " ENDWATCH_AUDIT_KEY_FILE)."),
    send_to: str | None = typer.Option(None, "--send-to", help="Also queue it by e-mail to this oversight address"
                                       " (through the outbox: a write, by someone allowed audit.checkpoint)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Sign the audit trail's head (entry, hash, time, database) and write it to --out; with --send-to, also
    queue it to an oversight address. Later, `audit verify --checkpoint FILE` fails if the trail was
    rewritten, truncated or wiped since."""
    ew = app_()
    who = principal() if send_to is not None else None  # a write: ask who acts before anything else
    if send_to is not None:
        check_address(send_to)
    key = checkpoints.load_private_key(_key_file(key_file))
    cp = checkpoints.take(ew.reader, checkpoints.database_identity(ew.settings.effective_database_url))
    document = checkpoints.sign(cp, key)
    checkpoints.write_document(out_, document)
    sent = send_checkpoint(ew.uow(), who, send_to, document) if who is not None and send_to is not None else None
    if fmt is Format.json:
        print(as_json({**cp.payload(), "file": str(out_), "queued": sent}))
        return
    out.print(f"checkpoint of entry {cp.seq} written to {out_}", markup=False, highlight=False)
    if sent:
        out.print(f"queued to {send_to} as {sent} (sent by `endwatch notify send`)", markup=False,
                  highlight=False)


@audit_app.command("verify")
@command
def verify(
    checkpoint_file: Path | None = typer.Option(None, "--checkpoint", help="Also check the trail still extends"
                                                " this signed checkpoint."),
    public_key: Path | None = typer.Option(None, "--public-key", help="The public key the checkpoint is checked"
                                           " with (default: ENDWATCH_AUDIT_KEY_FILE's .pub)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Re-hash every entry (name the first one edited, deleted, inserted or moved), then check every
    registry row against the trail (name each row changed, added or deleted outside the application) and,
    with --checkpoint, that the trail extends that checkpoint (not rewritten, truncated or wiped).
    Exit 1 if anything is wrong."""
    anchored: CheckpointReport | None = None
    if checkpoint_file is not None:
        cp = checkpoints.read(checkpoint_file, checkpoints.load_public_key(_public_key(public_key)))
        anchored = checkpoints.verify_against(app_().reader, cp)
    report = audit_service.verify(app_().reader)
    rows = audit_service.verify_rows(app_().reader)
    ok = report.ok and rows.ok and (anchored is None or anchored.ok)
    if fmt is Format.json:
        print(as_json({**snapshot(report), "rows": {"ok": rows.ok, "tables": rows.tables, "rows": rows.rows,
                       "problems": [{**snapshot(p), "description": p.describe()} for p in rows.problems]},
                       "checkpoint": None if anchored is None else snapshot(anchored)}))
    else:
        if report.ok:
            out.print(f"audit trail intact: {report.entries} entries, every hash and link verified")
        else:
            err.print(f"[bold red]audit trail broken at entry {report.first_bad}[/bold red]: {report.problem}")
        if rows.ok:
            out.print(f"records intact: {rows.rows} rows in {rows.tables} tables, each as the trail records it")
        else:
            err.print(f"[bold red]records altered outside the application: {len(rows.problems)}[/bold red]")
            for problem in rows.problems[:SHOWN_PROBLEMS]:
                err.print(f"  {problem.describe()}", markup=False, highlight=False)
            if len(rows.problems) > SHOWN_PROBLEMS:
                err.print(f"  ... and {len(rows.problems) - SHOWN_PROBLEMS} more (--format json lists them all)")
        if anchored is not None and anchored.ok:
            out.print(f"checkpoint extended: entry {anchored.checkpoint_seq} is as signed, the head is entry"
                      f" {anchored.head_seq}")
        elif anchored is not None:
            err.print("[bold red]the trail no longer extends the checkpoint[/bold red]: ", end="")
            err.print(anchored.problem, markup=False, highlight=False)
    if not ok:
        raise typer.Exit(1)


@audit_app.command("log")
@command
def log(
    entity: str = typer.Option(..., "--entity", help="Kind of record: party, product, policy, application, permit."),
    key: str = typer.Option(..., "--key", help="The record's id or number."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every audit entry about one record, oldest first."""
    entries = audit_service.history(app_().reader, entity, key)
    rows = [{"seq": e.seq, "recorded_at": e.recorded_at, "actor": e.actor, "action": e.action, "reason": e.reason,
             "after": e.after} for e in entries]
    emit(rows, fmt, f"audit trail of {entity} {key}", ["seq", "recorded_at", "actor", "action", "reason"]
         if fmt is Format.table else None)
