"""The web application: `create_app(settings)` builds pages, the REST API (/api/v1) and static assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.services.accounts.signin_limits import SignInLimiter
from endwatch.settings import Settings
from endwatch.web import api, api_cases, api_proposals, errors, pages, pages_cases, pages_proposals
from endwatch.web.cache import VersionedCache
from endwatch.web.fields import address_without_nul

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
    app.state.signin_limiter = SignInLimiter()
    app.state.cache = VersionedCache()
    errors.install(app)
    app.include_router(api.router)
    app.include_router(api_cases.router)
    app.include_router(api_proposals.router)
    app.include_router(pages.router)
    app.include_router(pages_cases.router)
    app.include_router(pages_proposals.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response, and `Cache-Control: no-store` to the API's and to every
    answer of a method other than GET, unless the route set them itself.

    A plain ASGI middleware: it edits the response's first message as it passes, where one built on
    BaseHTTPMiddleware would copy every response through a stream and a task of its own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith("/api/") or scope["method"] != "GET"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def app_from_environment() -> FastAPI:
    """The application configured from ENDWATCH_* variables (the factory `endwatch serve --workers N` uses)."""
    from endwatch.settings import load_settings

    return create_app(load_settings())
