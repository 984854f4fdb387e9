"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, and can be stopped and restarted."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Collect:
    def __init__(self, inbox: list[Message]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.inbox.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class LocalSmtp:
    """Start with start(); messages received are in `inbox` (kept across restarts)."""

    def __init__(self, **smtp_options: Any) -> None:
        self.port = free_port()
        self.inbox: list[Message] = []
        self._controller: Controller | None = None
        self._options = smtp_options  # passed to aiosmtpd's SMTP: tls_context, authenticator, ...

    def start(self) -> None:
        self._controller = Controller(_Collect(self.inbox), hostname="127.0.0.1", port=self.port,
                                      server_hostname="127.0.0.1", **self._options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
