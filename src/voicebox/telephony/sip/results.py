"""Final SIP responses as `CallResult`s, and the error text a failed attempt is recorded with."""

from __future__ import annotations

from voicebox.telephony.base import CallResult

_RESULTS = {
    486: CallResult.BUSY, 600: CallResult.BUSY, 603: CallResult.BUSY,
    480: CallResult.NO_ANSWER, 408: CallResult.NO_ANSWER,
    404: CallResult.UNREACHABLE, 410: CallResult.UNREACHABLE, 484: CallResult.UNREACHABLE,
    604: CallResult.UNREACHABLE,
    487: CallResult.CANCELLED,
}

# What we answer an inbound INVITE with when the engine hangs up before answering.
RESPONSE_FOR = {
    CallResult.BUSY: 486, CallResult.NO_ANSWER: 480, CallResult.UNREACHABLE: 404,
    CallResult.CANCELLED: 487, CallResult.FAILED: 503, CallResult.ANSWERED: 480,
}


def result_for(code: int) -> CallResult:
    if 200 <= code < 300:
        return CallResult.ANSWERED
    return _RESULTS.get(code, CallResult.FAILED)
