"""Whether a campaign may run now and, if not, why: the one rule behind `Suspended`.

The dialer applies it on every pass (Active → Suspended when a cause appears, Suspended → Active
when none is left); a client's PATCH Suspended → Active asks it too and gets 409 while a cause
remains. The cause is stored as the campaign's `suspendedReason` code.
"""

from __future__ import annotations

from decimal import Decimal

BALANCE = "balance"
NUMBER = "number"
MESSAGES = {
    BALANCE: "the balance is exhausted",
    NUMBER: "its number is no longer the customer's",
}


def suspension_reason(*, available: Decimal, number_owned: bool) -> str | None:
    """The `suspendedReason` code that keeps a campaign from calling, None when it may call.

    Args:
        available: the customer's balance plus credit limit.
        number_owned: the campaign's caller number still belongs to its customer.
    """
    if not number_owned:
        return NUMBER
    if available <= 0:
        return BALANCE
    return None
