"""Every router; `create_app` includes them in this order."""

from voicebox.api.routers import customers, oauth

ROUTERS = [
    oauth.router,
    customers.router,
]
