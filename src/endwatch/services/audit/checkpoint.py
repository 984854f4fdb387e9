"""Signed checkpoints of the audit trail: the key pair (kept outside the database), taking a checkpoint and
checking the trail still extends one. (Sending one through the outbox: services/enforcement/checkpoints.py.)

Files: a private key is PEM (PKCS#8, Ed25519) readable by its owner alone (0600); its public key sits
beside it as KEY.pub (PEM). A checkpoint file is JSON: {"checkpoint": payload, "signature": base64,
"public_key": base64} where the signature is Ed25519 over the payload's canonical JSON; the public key in
the file is for information only: verification uses the one the operator trusts (--public-key).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from endwatch.domain.audit import GENESIS
from endwatch.domain.audit_checkpoint import Checkpoint, CheckpointReport, check_extends
from endwatch.errors import InvalidInput, Problem, RuleViolation
from endwatch.services.uow import UnitOfWork


def _bad(path: Path, message: str) -> InvalidInput:
    return InvalidInput([Problem(message, file=str(path))])


def public_key_path(key_file: Path) -> Path:
    """Where the public key of `key_file` is kept: beside it, with `.pub` added."""
    return key_file.with_name(key_file.name + ".pub")


def generate_key(out: Path) -> tuple[Path, Path]:
    """Make a new Ed25519 key pair: the private key at `out` (mode 0600), its public key at `out`.pub.
    Refuses (InvalidInput, nothing written) when either file exists already."""
    pub = public_key_path(out)
    for path in (out, pub):
        if path.exists():
            raise _bad(path, f"{path} exists already: a key is never overwritten (choose another --out)")
    if not out.parent.is_dir():
        raise _bad(out, f"the folder {out.parent} does not exist")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    # Created with its final mode: the private key is never readable by others, not even for a moment.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    pub.write_bytes(public_pem)
    return out, pub


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in `path`; InvalidInput naming the file when it cannot be used."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise _bad(path, f"cannot read the audit key {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError):
        raise _bad(path, f"{path} is not a PEM private key (make one with `endwatch audit keygen`)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _bad(path, f"{path} is not an Ed25519 key (make one with `endwatch audit keygen`)")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in `path`; InvalidInput naming the file when it cannot be used."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise _bad(path, f"cannot read the public key {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError):
        raise _bad(path, f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _bad(path, f"{path} is not an Ed25519 public key")
    return key


def database_identity(url: str) -> str:
    """A database's URL without user name or password (what a checkpoint records of where it was taken)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def take(uow_factory: Callable[[], UnitOfWork], database: str) -> Checkpoint:
    """The trail's head now (read only)."""
    with uow_factory() as uow:
        head = uow.audit.head() or (0, GENESIS)
        origin = uow.audit.hash_at(1)
        now = uow.now()
    return Checkpoint(head[0], head[1], now.isoformat(timespec="seconds"), database, origin)


def sign(cp: Checkpoint, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The signed checkpoint document (what `--out` writes and `--send-to` sends)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"checkpoint": cp.payload(), "signature": base64.b64encode(key.sign(cp.message())).decode("ascii"),
            "public_key": base64.b64encode(raw).decode("ascii")}


def document_text(document: dict[str, Any]) -> str:
    """A checkpoint document as written to its file."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a signed checkpoint to `path`; InvalidInput naming the file when it cannot be written."""
    try:
        path.write_text(document_text(document), encoding="utf-8")
    except OSError as exc:
        raise _bad(path, f"cannot write the checkpoint to {path}: {exc.strerror or exc}") from None


def read(path: Path, public_key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint in `path`, once its signature is verified with `public_key`. InvalidInput naming the
    file when it cannot be read; RuleViolation `checkpoint-signature` when the signature does not verify
    (the file was altered, or signed with another key)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _bad(path, f"cannot read the checkpoint {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise _bad(path, f"{path} is not a checkpoint (not JSON)") from None
    if not isinstance(document, dict) or not isinstance(document.get("checkpoint"), dict):
        raise _bad(path, f"{path} is not a checkpoint (no \"checkpoint\" object)")
    try:
        cp = Checkpoint.of(document["checkpoint"])
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
    except ValueError as exc:
        raise _bad(path, f"{path} is not a valid checkpoint: {exc}") from None
    try:
        public_key.verify(signature, cp.message())
    except InvalidSignature:
        raise RuleViolation("checkpoint-signature", f"the checkpoint {path} is refused: its signature does not"
                            " verify with the public key given (altered, or signed with another key)",
                            [f"checkpoint {path}"]) from None
    return cp


def verify_against(uow_factory: Callable[[], UnitOfWork], cp: Checkpoint) -> CheckpointReport:
    """Does the trail as it is now extend the checkpoint `cp` (neither rewritten, truncated nor wiped)?"""
    with uow_factory() as uow:
        return check_extends(cp, head=uow.audit.head(), entries=uow.audit.count(),
                             hash_at_seq=uow.audit.hash_at(cp.seq) if cp.seq else None,
                             origin=uow.audit.hash_at(1))
