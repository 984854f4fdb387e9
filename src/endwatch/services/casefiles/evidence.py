"""Evidence files on a case, content-addressed: attached in one transaction, re-hashed on demand.

The bytes live under a store folder (`$ENDWATCH_HOME/evidence`) at `<sha256[:2]>/<sha256>`; the database
records each distinct file once and which case it was attached to, by whom and when.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from endwatch.errors import ConfigurationError, InvalidInput, Problem
from endwatch.services.authz import Action, Principal
from endwatch.services.casefiles.cases import require_case, stamp
from endwatch.services.casefiles.store import EvidenceLink
from endwatch.services.gate import Write, write
from endwatch.services.uow import UnitOfWork

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Attached:
    """The outcome of attaching one file: its digest, whether the bytes were new to the store, and whether
    it was newly linked to the case."""

    filename: str
    sha256: str
    size: int
    stored: bool
    linked: bool


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def stored_path(store: Path, sha256: str) -> Path:
    """Where the bytes with this digest live in the evidence store."""
    return store / sha256[:2] / sha256


def _put(store: Path, source: Path, sha256: str) -> bool:
    """Copy `source` into the store under its digest (atomically); False when it was already there intact."""
    target = stored_path(store, sha256)
    if target.exists() and file_digest(target)[0] == sha256:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if file_digest(Path(tmp))[0] != sha256:  # the source changed while we read it
            raise InvalidInput([Problem(f"{source} changed while it was being stored", column="file")])
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


@contextmanager
def staged(store: Path, content: bytes, name: str) -> Iterator[Path]:
    """`content` in a file named `name` inside the evidence store's own folder, removed when the block ends.

    Staging an upload before any record is written means a store that cannot be written fails first
    (ConfigurationError, naming the folder), leaving no record behind; `attach` then moves bytes already
    on the store's disk.
    """
    try:
        store.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=store, prefix=".incoming-"))
    except OSError as exc:
        raise ConfigurationError(f"the evidence store {store} cannot be written ({exc.strerror}); nothing was"
                                 " recorded") from None
    try:
        path = folder / name
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise ConfigurationError(f"the evidence store {store} cannot be written ({exc.strerror}); nothing"
                                     " was recorded") from None
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def attach(uow: UnitOfWork, principal: Principal, store: Path, case_id: str, files: list[Path],
           description: str = "") -> list[Attached]:
    """Store evidence files content-addressed and attach them to a case, all in one transaction.

    The same content is stored once, whatever its name; attaching it to the same case again changes nothing.
    """
    missing = [Problem(f"{p} is not a readable file", column="file") for p in files if not p.is_file()]
    if missing or not files:
        raise InvalidInput(missing or [Problem("give at least one file", column="file")])
    digests = [(p, *file_digest(p)) for p in files]
    with write(uow, principal, Action.CASES_WRITE) as w:
        require_case(uow, case_id)
        return [attach_in(w, store, path, sha, size, case_id, description) for path, sha, size in digests]


def attach_in(w: Write, store: Path, path: Path, sha256: str, size: int, case_id: str | None,
              description: str = "") -> Attached:
    """Store one file whose digest is known in the caller's open write, and attach it to `case_id` (when
    given; without a case the file is only stored, for a record that names it, like a sighting's photo)."""
    uow, username = w.uow, w.principal.username
    now = stamp(uow)
    # Bytes first: a file on disk with no row is harmless (content-addressed), a row without bytes is not.
    wrote = _put(store, path, sha256)
    known = uow.cases.file_known(sha256)
    if not known:
        uow.cases.add_file(sha256, size, now, username)
    linked = False
    if case_id is not None:
        linked = uow.cases.link_file(EvidenceLink(case_id, sha256, path.name, description, username, now, size))
        if linked:
            w.record(action="case.attach", entity="case", key=case_id,
                     after={"sha256": sha256, "filename": path.name, "size": size, "description": description})
    return Attached(path.name, sha256, size, wrote or not known, linked)


@dataclass(frozen=True)
class FileCheck:
    """The result of re-hashing one stored evidence file."""

    sha256: str
    size: int
    status: str  # ok | changed | missing
    cases: tuple[str, ...]
    filenames: tuple[str, ...]


def verify(uow: UnitOfWork, store: Path, case_id: str | None = None) -> list[FileCheck]:
    """Re-hash every stored evidence file (of one case, or all) and say which are intact, changed or missing."""
    with uow:
        if case_id is not None:
            require_case(uow, case_id)
        links = uow.cases.evidence(case_id)
    by_sha: dict[str, list[EvidenceLink]] = {}
    for link in links:
        by_sha.setdefault(link.sha256, []).append(link)
    checks = []
    for sha, group in sorted(by_sha.items()):
        path = stored_path(store, sha)
        status = "missing" if not path.is_file() else "ok" if file_digest(path)[0] == sha else "changed"
        checks.append(FileCheck(sha, group[0].size, status, tuple(sorted({g.case_id for g in group})),
                                tuple(sorted({g.filename for g in group}))))
    return checks
