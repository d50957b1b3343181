"""The plain HTML of the authorization endpoint: a login/consent form and an error page."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from fastapi.responses import HTMLResponse

# The authorization request's parameters, carried by the form as hidden fields (nothing else).
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # No form-action: browsers apply it to the redirect back to the client as well.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
}

_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.6rem 0}input[type=text],input[type=password]{width:100%}"
    ".error{color:#a00}button{margin-right:.5rem}"
)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def login_page(
    client_name: str, params: Mapping[str, str], *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(params[name])}">'
        for name in AUTHORIZE_PARAMS
        if params.get(name) is not None
    )
    message = f'<p class="error">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>Sign in to VoiceBox</h1><p><strong>{escape(client_name)}</strong> asks to act on "
        f"your behalf.</p>{message}"
        '<form method="post" action="/oauth/authorize">'
        f"{hidden}"
        '<label>Username <input type="text" name="username" autocomplete="username"></label>'
        '<label>Password <input type="password" name="password" '
        'autocomplete="current-password"></label>'
        '<button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form>"
    )
    return HTMLResponse(_document("Sign in", body), status_code=status, headers=PAGE_HEADERS)


def error_page(error: Mapping[str, str], status: int) -> HTMLResponse:
    """An error that must not go back to the client (unknown client, unregistered URI …)."""
    code = error.get("error", "invalid_request")
    description = error.get("error_description", "")
    body = f"<h1>Authorization failed</h1><p><code>{escape(code)}</code></p><p>{escape(description)}</p>"
    return HTMLResponse(
        _document("Authorization failed", body), status_code=status, headers=PAGE_HEADERS
    )
