"""How `endwatch serve` runs the application: uvicorn with its C HTTP parser (httptools) and event loop
(uvloop, where it builds: not on Windows), and the request head bounded as uvicorn's pure-Python parser bounds it.

uvicorn bounds the request line and headers (`ENDWATCH_MAX_HEADER_BYTES`) only with its h11 parser; its
httptools parser buffers whatever comes. BoundedHttpTools keeps the same promise with the faster parser: a
head past the bound is refused with the same 400 and the connection closed, before the application sees it.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _HeadTooLarge(Exception):
    """Raised in a parser callback: httptools turns it into a parse error, which uvicorn answers with 400."""


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with the request head (request line and headers) bounded by
    `config.h11_max_incomplete_event_size` bytes, the bound uvicorn's h11 protocol applies.

    Two counts: the bytes received since the current head began, checked after each chunk is parsed (so a
    head sent in many pieces, or one endless header, is refused once past the bound: memory stays within the
    bound and one chunk), and the head's own parts (target and headers) as the parser reports them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit: int = self.config.h11_max_incomplete_event_size or 16 << 10
        self._received = 0  # bytes received towards the current head (never more than it has)
        self._parts = 0  # bytes of its target and headers so far
        self._in_head = True  # reading a head, or between requests (not a body)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._received += len(data)
        super().data_received(data)
        if self._in_head and self._received > self._limit and not self.transport.is_closing():
            self._refuse()

    def _refuse(self) -> None:
        msg = "Invalid HTTP request received."  # uvicorn's words for a head h11 refuses as too large
        self.logger.warning("%s (request head over %d bytes)", msg, self._limit)
        self.send_400_response(msg)

    def _grow(self, size: int) -> None:
        self._parts += size
        if self._parts > self._limit:
            raise _HeadTooLarge

    def on_message_begin(self) -> None:
        self._parts = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._grow(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._grow(len(name) + len(value) + 4)  # "name: value\r\n"
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        # The next request's head starts here; the bytes of it already in this chunk are not counted, so
        # the count never exceeds the head's true size.
        self._in_head, self._received = True, 0
        super().on_message_complete()


def loop_name() -> str:
    """uvloop where it is installed (it has no Windows build), else asyncio's own loop."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


# How long a worker process may take to answer its supervisor's health check before it is killed and started
# again. uvicorn's 5 s is shorter than a worker's start (it imports the whole command line) on a busy machine,
# where workers were killed before they could listen, over and over, and the server never answered.
WORKER_HEALTHCHECK_SECONDS = 120


def server_options(max_header_bytes: int) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for the HTTP protocol, loop and worker supervision `endwatch serve` uses."""
    return {"http": BoundedHttpTools, "loop": loop_name(), "h11_max_incomplete_event_size": max_header_bytes,
            "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS}

