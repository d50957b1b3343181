"""Whether a campaign may run now and, if not, why: the one rule behind `Suspended`.

The dialer applies it on every pass (Active → Suspended when a cause appears, Suspended → Active
when none is left); a client's PATCH Suspended → Active asks it too and gets 409 while a cause
remains. The cause is stored as the campaign's `suspendedReason` code.

The number renewal job (numbers/renewal.py) also suspends, with `NUMBER_UNPAID`, the campaigns
of a number it takes back for an unpaid fee: the state is the one `NUMBER` describes, the code
says why. It lifts the same way, when the customer owns the number again.
"""

from __future__ import annotations

from decimal import Decimal

BALANCE = "balance"
NUMBER = "number"
NUMBER_UNPAID = "number_unpaid"
MESSAGES = {
    BALANCE: "the balance is exhausted",
    NUMBER: "its number is no longer the customer's",
    NUMBER_UNPAID: "its number was released: the monthly fee went unpaid past the grace period",
}


def suspension_reason(
    *, available: Decimal, customer_id: int, number_id: int | None, number_owner: int | None
) -> str | None:
    """The `suspendedReason` code that keeps a campaign from calling, None when it may call.

    Args:
        available: the customer's balance plus credit limit.
        customer_id: the campaign's customer.
        number_id: the campaign's caller number (None: it has none — only campaigns written
            straight to the database, e.g. by benchmarks; the API always sets one).
        number_owner: the customer that number belongs to now (None: back in the pool).
    """
    if number_id is not None and number_owner != customer_id:
        return NUMBER
    if available <= 0:
        return BALANCE
    return None
