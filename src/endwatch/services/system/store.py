"""What the system area needs from storage: the installation's settings, by key (`uow.system`)."""

from __future__ import annotations

from typing import Protocol


class SystemRepository(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
