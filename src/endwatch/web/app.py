"""The web application: `create_app(settings)` builds pages, the REST API (/api/v1) and static assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.services.accounts.signin_limits import SignInLimiter
from endwatch.settings import Settings
from endwatch.web import (
    api,
    api_cases,
    api_checks,
    api_partners,
    api_proposals,
    api_requests,
    api_screening,
    errors,
    pages,
    pages_cases,
    pages_casework,
    pages_checks,
    pages_deliveries,
    pages_glossary,
    pages_intake,
    pages_partners,
    pages_proposals,
    pages_requests,
    pages_screening,
    search,
)
from endwatch.web.cache import VersionedCache
from endwatch.web.fields import address_without_nul
from endwatch.web.limits import LimitRequests, RequestLimits
from endwatch.web.published import Published
from endwatch.web.ratelimit import RateLimiter

STATIC = Path(__file__).with_name("static")

# Everything the pages load comes from this application; no script runs at all.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, *, endwatch: Endwatch | None = None) -> FastAPI:
    """The web application over the configured database (or over `endwatch`, already bootstrapped)."""
    ew = endwatch or bootstrap(settings)
    app = FastAPI(
        title="endwatch",
        version="1",
        description="Export permits, deliveries down to serial numbers, and the audit trail. "
        "Authenticate with `Authorization: Bearer <token>` (tokens from `endwatch user token`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load scripts from the internet
        redoc_url=None,
        dependencies=[Depends(address_without_nul)],
    )
    app.state.endwatch = ew
    # Counted where every server worker and `endwatch login` see them, on the clock the registry keeps.
    app.state.signin_limiter = SignInLimiter(clock=lambda: ew.clock().timestamp(), counts=ew.signin_counts)
    app.state.cache = VersionedCache()
    # The public figures: kept until replaced, refreshed in the background (web/published.py).
    app.state.published = Published(ew.settings.public_refresh_seconds)
    # Searches are counted in the same shared store: the limit holds across workers and server processes.
    # (On the wall clock, not the registry's: a demonstration's fixed "today" must not freeze the minute.)
    app.state.search_limiter = RateLimiter(ew.settings.search_per_minute, counts=ew.signin_counts)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(api_cases.router)
    app.include_router(api_proposals.router)
    app.include_router(api_screening.router)
    app.include_router(api_partners.router)
    app.include_router(api_checks.router)
    app.include_router(pages.router)
    app.include_router(pages_intake.router)  # before pages_cases: /sightings/upload is not a sighting's id
    app.include_router(pages_cases.router)
    app.include_router(pages_proposals.router)
    app.include_router(search.router)
    app.include_router(pages_screening.router)
    app.include_router(pages_partners.router)
    app.include_router(pages_glossary.router)
    app.include_router(pages_casework.router)
    app.include_router(pages_deliveries.router)
    app.include_router(api_requests.router)
    app.include_router(pages_requests.router)
    app.include_router(pages_checks.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(LimitRequests, limits=RequestLimits.of(ew.settings))
    app.add_middleware(SecurityHeaders)  # outermost: every answer has the headers, limits' refusals too
    return app


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response, and `Cache-Control: no-store` to the API's, to every
    answer of a method other than GET and to every answer to a signed-in caller (a session cookie or a
    token: the back button after sign-out shows nothing), unless the route set them itself.

    A plain ASGI middleware: it edits the response's first message as it passes, where one built on
    BaseHTTPMiddleware would copy every response through a stream and a task of its own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers_in = dict(scope.get("headers", ()))
        signed_in = b"authorization" in headers_in or b"endwatch_session=" in headers_in.get(b"cookie", b"")
        no_store = scope["path"].startswith("/api/") or scope["method"] != "GET" or (
            signed_in and not scope["path"].startswith("/static/"))

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An error no handler explained: the caller gets the error shape (JSON under /api/, the error page
            # elsewhere) with these headers; the server's error middleware then logs the traceback.
            if not started:
                request = Request(scope)
                response = errors.error_response(request, errors.InternalError(
                    "an internal error occurred; it has been logged"))
                await response(scope, receive, send_with_headers)
            raise


def app_from_environment() -> FastAPI:
    """The application configured from ENDWATCH_* variables (the factory `endwatch serve --workers N` uses)."""
    from endwatch.settings import load_settings

    return create_app(load_settings())
