"""The one error table: which EndwatchError becomes which HTTP status, as JSON under /api/ and HTML elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from endwatch.errors import (
    Busy,
    EndwatchError,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    RuleViolation,
    TooManyAttempts,
)
from endwatch.services.accounts.users import AuthenticationFailed


class CsrfRejected(Forbidden):
    """A form came without the session's CSRF token."""

    code = "csrf_rejected"


class TooLarge(EndwatchError):
    """A request larger than the limits allow (its body 413; its query string 414): see web/limits.py."""

    code = "too_large"
    status = 413


class RateLimited(TooManyAttempts):
    """Too many requests of one kind (searches) from one principal: wait `retry_after` seconds (429)."""

    code = "rate_limited"


class InternalError(EndwatchError):
    """Something endwatch did not expect: answered 500 in the error shape, with the security headers; the
    details go to the server's log, never to the caller."""

    code = "internal_error"


# First match wins (subclasses before their bases).
ERROR_TABLE: tuple[tuple[type[EndwatchError], int], ...] = (
    (InternalError, 500),
    (TooLarge, 413),
    (AuthenticationFailed, 401),
    (TooManyAttempts, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (InvalidInput, 422),
    (RuleViolation, 409),
    (Busy, 503),
    (EndwatchError, 400),
)


def status_for(exc: EndwatchError) -> int:
    """The HTTP status of an endwatch error."""
    for kind, status in ERROR_TABLE:
        if isinstance(exc, kind):
            return status
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, exc: EndwatchError) -> Response:
    """The response for an endwatch error: JSON {code, message, ...} for the API, a page otherwise."""
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts | Busy):
        headers["Retry-After"] = str(exc.retry_after)
    if is_api(request):
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(exc.to_dict(), status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    from endwatch.web.render import render

    return render(request, "error.html", {"error": exc, "status": status}, status_code=status, headers=headers)


def invalid_input(errors: Sequence[Any]) -> InvalidInput:
    """InvalidInput listing pydantic's errors, each with where it was found (`body.quantity`, `query.serial`)."""
    problems = [Problem(str(e.get("msg", "invalid")), column=".".join(str(p) for p in e.get("loc", ())))
                for e in errors]
    return InvalidInput(problems or [Problem("invalid request")])


def install(app: FastAPI) -> None:
    """Register the handlers that apply the error table."""

    @app.exception_handler(EndwatchError)
    async def _endwatch(request: Request, exc: EndwatchError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, invalid_input(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _model(request: Request, exc: ValidationError) -> Response:
        # A form checked against an API schema by hand (pages.application_submit): the same answer.
        return error_response(request, invalid_input(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        err: EndwatchError
        if exc.status_code == 404:
            err = NotFound("page", request.url.path)
        elif exc.status_code == 405:
            err = EndwatchError(f"method {request.method} is not allowed here")
            err.code = "method_not_allowed"
        else:
            err = EndwatchError(str(exc.detail))
            err.code = "bad_request"  # a body that could not be parsed at all, say
        response = error_response(request, err)
        if exc.status_code in (404, 405):
            response.status_code = exc.status_code
        return response


def error_schema() -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the errors every API endpoint can return."""
    from endwatch.web.schemas import ErrorBody

    return {
        400: {"model": ErrorBody, "description": "The request could not be read at all (a body that is not JSON)"},
        401: {"model": ErrorBody, "description": "Not signed in, or the token is invalid or revoked"},
        403: {"model": ErrorBody, "description": "The caller's role may not do this"},
        404: {"model": ErrorBody, "description": "No such record, or not one the caller may see"},
        422: {"model": ErrorBody, "description": "Invalid parameters; `problems` lists each one"},
    }


def links(field: str, parameter: str, *targets: tuple[str, str, str]) -> dict[str, Any]:
    """`openapi_extra` giving a 201 answer OpenAPI links: each target (link name, method, path) takes the new
    record's `field` from the answer's body as its path `parameter`, so clients and stateful fuzzers
    (tests/security/test_fuzz_stateful.py) can follow a created record to the operations on it."""
    def ref(method: str, path: str) -> str:
        return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method

    return {"responses": {"201": {"links": {
        name: {"operationRef": ref(method, path), "parameters": {parameter: f"$response.body#/{field}"}}
        for name, method, path in targets}}}}
