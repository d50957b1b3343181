"""OAuth scopes: `read` lets a token read; `write` lets it create, change, launch, delete or buy.

Every token may read. Any /v1 request that is not GET/HEAD/OPTIONS needs `write`, checked in
one place (`voicebox.api.deps`), so a new mutating route cannot forget it.
"""

from __future__ import annotations

READ = "read"
WRITE = "write"
SCOPES = {
    READ: "Read customers, numbers, scenarios, campaigns, call history, records and reports",
    WRITE: "Create, change, launch, delete and buy (implies nothing without a valid token)",
}
FULL = f"{READ} {WRITE}"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allows(scope: str, method: str) -> bool:
    """Whether a token with `scope` may make a request with this HTTP method."""
    return method.upper() in SAFE_METHODS or WRITE in scope.split()
