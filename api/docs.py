"""The interactive API documentation, served without the network: ``/docs`` (Swagger UI) and
``/redoc`` (ReDoc) load their scripts and styles from releve itself, from the assets the
``fastapi-offline`` package ships (a town's server often has no internet, and neither has the
integrator's laptop on a train). ``/api/v1`` answers with where everything is, and the
documentation's addresses under ``/api/v1`` redirect to it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
    swagger_ui_default_parameters,
)
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from kernel import __version__

ASSETS = "/docs-assets"
DOCS, REDOC, OPENAPI = "/docs", "/redoc", "/openapi.json"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# The pages may load nothing from elsewhere: what the bundles would still fetch from the web
# (ReDoc's "API docs by Redocly" logo, Swagger UI's validator badge) is refused by the browser
# itself, without trying the network.
OFFLINE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)
# ReDoc's sidebar credits Redocly with an image from its CDN: the link stays, the image goes.
_NO_REMOTE_LOGO = b"<style>img[src^='https:'], img[src^='http:'] { display: none; }</style></head>"


def _offline(page: HTMLResponse, style: bytes = b"") -> HTMLResponse:
    body = bytes(page.body).replace(b"</head>", style, 1) if style else bytes(page.body)
    return HTMLResponse(body, headers={"Content-Security-Policy": OFFLINE_POLICY})


def assets_dir() -> Path:
    """Swagger UI's and ReDoc's files, as the package installed them."""
    return Path(str(files("fastapi_offline").joinpath("static")))


class ApiIndex(BaseModel):
    """Where the API's parts are (no key needed)."""

    name: str = "releve"
    version: str = __version__
    docs: str = Field(default=DOCS, description="interactive documentation (Swagger UI): try the API")
    redoc: str = Field(default=REDOC, description="reference documentation (ReDoc)")
    openapi: str = Field(default=OPENAPI, description="the OpenAPI schema")
    open_data_catalog: str = Field(
        default="/api/v1/open/catalog", description="the open data's DCAT-AP catalog (JSON-LD, public)"
    )
    health: str = "/healthz"


router = APIRouter(prefix="/api/v1", tags=["meta"])


@router.get("", summary="Where the documentation, the OpenAPI schema and the open data are")
def index() -> ApiIndex:
    return ApiIndex()


def install(app: FastAPI) -> None:
    """Serve the documentation pages and their assets (``app`` made with ``docs_url=None`` and
    ``redoc_url=None``), the API's index, and redirects from ``/api/v1/docs`` and kin."""
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.include_router(router)

    def prefix(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = prefix(request)
        page = get_swagger_ui_html(
            openapi_url=f"{root}{OPENAPI}",
            title=f"{app.title} - API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
            # no badge from validator.swagger.io (Swagger UI asks it for any server not on localhost)
            swagger_ui_parameters={**swagger_ui_default_parameters, "validatorUrl": None},
        )
        return _offline(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _offline(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = prefix(request)
        page = get_redoc_html(
            openapi_url=f"{root}{OPENAPI}",
            title=f"{app.title} - API",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        return _offline(page, _NO_REMOTE_LOGO)

    for alias, target in (
        ("/api/v1/docs", DOCS),
        ("/api/v1/redoc", REDOC),
        ("/api/v1/openapi.json", OPENAPI),
    ):
        app.add_api_route(alias, _redirect(target), methods=["GET"], include_in_schema=False)


def _redirect(target: str) -> Callable[[Request], RedirectResponse]:
    def redirect(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{str(request.scope.get('root_path', '')).rstrip('/')}{target}")

    return redirect
