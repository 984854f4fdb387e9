"""The command line's session file: the token `endwatch login` issued, kept under ENDWATCH_HOME for later
commands, readable and writable by its owner only (mode 0600, checked on every read). It holds the token,
never the password.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from endwatch.errors import EndwatchError

NAME = "session.json"


class SessionFileRefused(EndwatchError):
    """The session file cannot be trusted: others may read it, another user owns it, or it is damaged."""

    code = "session_file_refused"


@dataclass(frozen=True)
class SavedSession:
    """What `endwatch login` keeps: the bearer token (a secret), its id, whose it is and when it expires."""

    token: str
    token_id: str
    username: str
    expires_at: str
    database: str


def path_in(home: Path) -> Path:
    """Where the session file of ENDWATCH_HOME is."""
    return home / NAME


def save(home: Path, session: SavedSession) -> Path:
    """Write the session file, replacing any, created with mode 0600 from its first byte (never readable by
    others, even for a moment)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = path_in(home)
    temporary = final.with_name(f".{NAME}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(session), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, final)
    return final


def load(home: Path, *, exposed_ok: bool = False) -> SavedSession | None:
    """The saved session, or None without one. SessionFileRefused when others may read or write the file
    (unless `exposed_ok`: `endwatch logout` still revokes its token), when another user owns it, or when it
    is damaged; the message says what to do."""
    path = path_in(home)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if st.st_uid != os.getuid():
        raise SessionFileRefused(f"the session file {path} belongs to another user: remove it, then `endwatch login`")
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO) and not exposed_ok:
        raise SessionFileRefused(
            f"the session file {path} can be read by other users (mode {stat.S_IMODE(st.st_mode):04o}), so its"
            " token may have leaked: run `endwatch logout` (it revokes the token) and `endwatch login` again"
            f" (or, if no one else could have read it, `chmod 600 {path}`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SavedSession(**{k: str(data[k]) for k in SavedSession.__dataclass_fields__})
    except (ValueError, KeyError, TypeError):
        raise SessionFileRefused(f"the session file {path} is damaged: remove it and `endwatch login` again") from None


def remove(home: Path) -> bool:
    """Delete the session file; False when there was none."""
    try:
        path_in(home).unlink()
    except FileNotFoundError:
        return False
    return True
