"""Every router; `create_app` includes them in this order."""

from voicebox.api.routers import (
    audio,
    callhistory,
    callrecord,
    campaigns,
    catalogs,
    console,
    customers,
    numbers,
    oauth,
    reports,
    sb,
    scenarios,
    speech,
)

ROUTERS = [
    oauth.router,
    customers.router,
    scenarios.router,
    catalogs.router,
    campaigns.router,
    callhistory.router,
    numbers.router,
    audio.router,
    sb.router,
    callrecord.router,
    reports.router,
    speech.router,
    console.router,  # last: its catch-all serves the single-page app
]
