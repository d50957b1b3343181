"""Every router; `create_app` includes them in this order."""

from voicebox.api.routers import catalogs, customers, oauth, scenarios

ROUTERS = [
    oauth.router,
    customers.router,
    scenarios.router,
    catalogs.router,
]
