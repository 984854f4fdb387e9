"""Limits before work: what a request may weigh, checked before anything is parsed or looked up.

An ASGI middleware, outermost but for the security headers, so that every answer it gives has them:

1. the query string: at most `max_query_bytes` (414, code `too_large`);
2. a request that carries a body to a route that needs a signed-in caller (every method but GET, HEAD and
   OPTIONS, except the sign-in form) is refused 401 *before its body is read* when it brings no valid token or
   session: an anonymous body costs the server nothing;
3. the body: `Content-Length` over the limit is refused at once (413, code `too_large`); a body without one
   is counted while it is read and refused as soon as it passes the limit, so no more than the limit is ever
   held. JSON and forms: `max_body_bytes`; multipart uploads (photos, evidence): `max_upload_bytes`, and
   their files are spooled to disk by the form parser, never held whole in memory;
4. a JSON body nested deeper than `max_json_depth` is refused (422, `invalid_input`) before it is parsed
   (Python's parser would otherwise recurse once per level).

Headers are limited by the server (uvicorn's `h11_max_incomplete_event_size`, set by `endwatch serve`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyio import to_thread
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endwatch.errors import EndwatchError, InvalidInput, Problem
from endwatch.services.accounts.users import AuthenticationFailed
from endwatch.settings import Settings
from endwatch.web.errors import TooLarge, error_response
from endwatch.web.security import SAFE_METHODS, resolve_caller

# Writes that anyone may send: the sign-in form (it is how one becomes someone).
ANONYMOUS_WRITES = frozenset({"/signin"})
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


@dataclass(frozen=True)
class RequestLimits:
    """The limits (ENDWATCH_MAX_BODY_BYTES, ENDWATCH_MAX_UPLOAD_BYTES, ENDWATCH_MAX_QUERY_BYTES,
    ENDWATCH_MAX_JSON_DEPTH)."""

    max_body_bytes: int
    max_upload_bytes: int
    max_query_bytes: int
    max_json_depth: int

    @classmethod
    def of(cls, settings: Settings) -> RequestLimits:
        return cls(settings.max_body_bytes, settings.max_upload_bytes, settings.max_query_bytes,
                   settings.max_json_depth)


def json_depth(body: bytes) -> int:
    """How deeply a JSON text nests arrays and objects (strings skipped), without parsing it."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class _Exceeded(Exception):
    """The body passed its limit while being read."""


class LimitRequests:
    """The middleware applying RequestLimits (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = await self._refusal(request)
        if refused is not None:
            await self._answer(request, refused, receive, send)
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = request.headers.get("content-type", "")
        upload = content_type.startswith("multipart/form-data")
        limit = self.limits.max_upload_bytes if upload else self.limits.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._answer(request, self._too_large(limit), receive, send)
            return
        if upload:
            await self._streamed(request, limit, receive, send)
            return
        # JSON and forms are small: read them whole (at most `limit` bytes), check them, then hand them on.
        try:
            body = await self._read(receive, limit)
        except _Exceeded:
            await self._answer(request, self._too_large(limit), receive, send)
            return
        if "json" in content_type and json_depth(body) > self.limits.max_json_depth:
            await self._answer(request, InvalidInput([Problem(
                f"the JSON body is nested more than {self.limits.max_json_depth} levels deep", column="body")]),
                receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refusal(self, request: Request) -> EndwatchError | None:
        if len(request.scope.get("query_string", b"")) > self.limits.max_query_bytes:
            err = TooLarge(f"the query string is longer than {self.limits.max_query_bytes} bytes")
            err.status = 414
            return err
        if request.method in SAFE_METHODS or request.url.path in ANONYMOUS_WRITES:
            return None
        return await to_thread.run_sync(_unauthenticated, request)

    def _too_large(self, limit: int) -> TooLarge:
        return TooLarge(f"the request body is larger than {limit} bytes")

    async def _read(self, receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Exceeded  # nothing more will come; nobody hears the answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Exceeded
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _streamed(self, request: Request, limit: int, receive: Receive, send: Send) -> None:
        """Hand the body on as it comes, counting; past the limit, whatever the route says becomes 413."""
        size = 0
        exceeded = False
        started = False

        async def counting() -> Message:
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    raise _Exceeded
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                if not started:
                    started = True
                    response = error_response(request, self._too_large(limit))
                    response.headers["Connection"] = "close"
                    await response(request.scope, receive, send)
                return  # the route's own answer to the broken stream is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(request.scope, counting, guarded)
        except _Exceeded:
            if not started:
                await guarded({"type": "http.response.start", "status": 413, "headers": []})

    async def _answer(self, request: Request, exc: EndwatchError, receive: Receive, send: Send) -> None:
        response = error_response(request, exc)
        if isinstance(exc, TooLarge):
            response.status_code = exc.status
            # The rest of the body is never read: the connection closes after the answer.
            response.headers["Connection"] = "close"
        await response(request.scope, receive, send)


def _unauthenticated(request: Request) -> EndwatchError | None:
    """AuthenticationFailed when the request brings no live token or session (checked before its body)."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=secret.strip()) \
        if scheme.lower() == "bearer" and secret.strip() else None
    try:
        caller = resolve_caller(request, credentials)
    except EndwatchError as exc:
        return exc
    if caller.principal.is_public:
        return AuthenticationFailed("sign in first: this needs a signed-in caller")
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the app the body already read, then waits for the client to leave."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # blocks until the client disconnects, as the server's own would

    return replay
