"""The web console's files at `/` (a single-page app: unknown paths get its index.html)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from voicebox.console import STATIC_DIR
from voicebox.errors import NotFound

router = APIRouter(include_in_schema=False)

# Paths the API owns: a miss there is the API's 404, never the console's page.
_API_PREFIXES = ("v1/", "oauth/", "docs", "redoc", "openapi.json", "static-docs/", "about",
                 "readme")
_NOT_BUILT = (
    "<!doctype html><meta charset='utf-8'><title>VoiceBox</title>"
    "<p>The web console is not built: run <code>scripts/setup.sh</code> "
    "(it needs Node.js 20 and npm). The API is at <a href='/docs'>/docs</a>; "
    "<a href='/about'>/about</a> links the rest.</p>"
)


def _index() -> Response:
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


@router.get("/")
async def console_index() -> Response:
    return _index()


@router.get("/{path:path}")
async def console_file(path: str) -> Response:
    if path.startswith(_API_PREFIXES) or path == "v1" or path == "oauth":
        raise NotFound(f"no such resource: /{path}")
    candidate = (STATIC_DIR / path).resolve()
    if candidate.is_file() and candidate.is_relative_to(STATIC_DIR.resolve()):
        # Vite names assets by content hash, so they never change under the same name.
        immutable = path.startswith("assets/")
        headers = {"Cache-Control": "public, max-age=31536000, immutable"} if immutable else {}
        return FileResponse(candidate, headers=headers)
    if path.startswith("assets/"):
        raise NotFound(f"no such file: /{path}")
    return _index()
