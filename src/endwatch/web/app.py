"""The web application: built by `create_app(settings)`."""

from __future__ import annotations

from fastapi import FastAPI

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.settings import Settings


def create_app(settings: Settings, *, endwatch: Endwatch | None = None) -> FastAPI:
    """The FastAPI application over the configured database."""
    ew = endwatch or bootstrap(settings)
    app = FastAPI(title="endwatch")
    app.state.endwatch = ew
    return app
