"""Extension: a simulated inbound call placed from the API process (the console's *Try it* of an
inbound scenario). It rings the embedded dialer's simulator, whose inbound handler answers it with
the number's active inbound campaign exactly as a real caller's call (history row, charge,
recording); the caller polls the call's trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def place_simulated_inbound(dialer: Any, *, to: str, caller: str, inputs: Sequence[str]
                            ) -> str | None:
    """Ring `to` (E.164) from `caller` with the subscriber's `inputs`; the call's id, or None when
    this process runs no dialer with a simulator (`voicebox serve --no-dialer`)."""
    simulator = getattr(getattr(dialer, "gateway", None), "simulator", None)
    if simulator is None:
        return None
    call = simulator.incoming(to=to, caller=caller, inputs=list(inputs))
    return str(call.id)
