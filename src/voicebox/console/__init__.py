"""The web console: a single-page app built from `web/` by scripts/setup.sh into `static/`.

It speaks only the public API, signing in as the public OAuth client registered here.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
CLIENT_ID = "voicebox-console"
CLIENT_NAME = "VoiceBox console"
# Loopback redirect URIs match on any port (RFC 8252 §7.3); other origins come from
# VOICEBOX_CONSOLE_URL.
LOOPBACK_REDIRECT_URIS = ("http://127.0.0.1/", "http://localhost/", "http://[::1]/")
