"""`/about`: a plain page pointing a newcomer at the docs and the README (the web console has
`/`, and links here when it is not built)."""

from __future__ import annotations

from html import escape
from importlib import metadata

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from voicebox.config import checkout_root

router = APIRouter(include_in_schema=False)


def _package_version() -> str:
    try:
        return metadata.version("voicebox")
    except metadata.PackageNotFoundError:
        return "unknown"


def readme_text() -> str:
    """The README of the checkout, or the copy packed into the installed package's metadata."""
    root = checkout_root()
    if root is not None and (root / "README.md").is_file():
        return (root / "README.md").read_text(encoding="utf-8")
    try:
        return metadata.metadata("voicebox").get_payload() or ""  # type: ignore[attr-defined]  # an email.Message underneath
    except metadata.PackageNotFoundError:
        return ""


@router.get("/about")
async def home(request: Request) -> HTMLResponse:
    app = request.app
    links = [
        ("/docs", "Swagger UI: try every operation"),
        ("/redoc", "ReDoc: the API reference"),
        ("/openapi.json", "OpenAPI document"),
        ("/readme", "README: quick start and a curl walk-through"),
    ]
    items = "".join(
        f'<li><a href="{href}">{escape(href)}</a> — {escape(text)}</li>' for href, text in links
    )
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(app.title)}</title>"
        "<style>body{font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"
        "</style></head><body>"
        f"<h1>VoiceBox</h1><p>{escape(app.title)} {escape(app.version)} "
        f"(voicebox {escape(_package_version())}): an open, self-hostable voice-robot platform."
        f"</p><ul>{items}</ul></body></html>"
    )
    return HTMLResponse(body)


@router.get("/readme")
async def readme() -> PlainTextResponse:
    return PlainTextResponse(readme_text(), media_type="text/markdown; charset=utf-8")
