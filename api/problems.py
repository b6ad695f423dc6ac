"""Errors as RFC 9457 ``application/problem+json``, translated at the API boundary."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.climate.errors import NoOutdoorTemperature
from domain.consumption.errors import ConsumptionError
from registry.errors import Conflict, DatabaseUnavailable, Invalid, NotFound
from store.errors import StoreUnavailable

PROBLEM = "application/problem+json"


class Problem(Exception):
    """An API error with a status, a short title and a detail for the user."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def _response(status: int, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return _response(exc.status, exc.title, exc.detail, request, **exc.extra)

    @app.exception_handler(ConsumptionError)
    async def _consumption(request: Request, exc: ConsumptionError) -> JSONResponse:
        return _response(
            404 if isinstance(exc, LookupError) else 422, exc.title, str(exc), request, **exc.extra
        )

    @app.exception_handler(NoOutdoorTemperature)
    async def _no_outdoor(request: Request, exc: NoOutdoorTemperature) -> JSONResponse:
        return _response(409, "No outdoor temperature", str(exc), request)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _response(404, "Not found", str(exc), request)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return _response(409, "Conflict", str(exc), request)

    @app.exception_handler(Invalid)
    async def _refused(request: Request, exc: Invalid) -> JSONResponse:
        return _response(422, "Invalid change", str(exc), request)

    @app.exception_handler(DatabaseUnavailable)
    async def _unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return _response(503, "Database unavailable", "the registry database is unreachable", request)

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return _response(503, "Store unavailable", "the time-series store is unreachable", request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return _response(422, "Invalid request", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _response(exc.status_code, str(exc.detail), str(exc.detail), request)


class FieldError(BaseModel):
    loc: list[str]
    msg: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document, the body of every error."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="per-field reasons of a 422")


def document(app: FastAPI) -> None:
    """Declare in the OpenAPI schema what ``install`` does: errors are problem+json documents.

    Every operation gets a ``4XX`` response (and FastAPI's 422 is rewritten) with the problem
    schema, plus 503 for a database that cannot be reached, so that the schema says what the
    API really answers.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        for name, sub in (
            ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
            .get("$defs", {})
            .items()
        ):
            components[name] = sub
        components["ProblemDetails"] = {
            k: v
            for k, v in ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}").items()
            if k != "$defs"
        }
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        problem = {
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        for methods in spec.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request", **problem}
                responses.setdefault("4XX", {"description": "Client error (problem document)", **problem})
                responses.setdefault(
                    "503", {"description": "A database is unreachable; retry later", **problem}
                )
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
