"""G.711 against CPython's audioop (the reference Sun implementation) and by round trip."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from voicebox.media import g711

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    audioop = pytest.importorskip("audioop")  # removed in Python 3.13

ALL_SAMPLES = np.arange(-32768, 32768, dtype="<i2").tobytes()
ALL_CODES = bytes(range(256))


@pytest.mark.parametrize(("law", "lin2", "to_lin"), [
    ("ulaw", "lin2ulaw", "ulaw2lin"), ("alaw", "lin2alaw", "alaw2lin")])
def test_matches_the_reference(law: str, lin2: str, to_lin: str) -> None:
    assert g711.encode(ALL_SAMPLES, law) == getattr(audioop, lin2)(ALL_SAMPLES, 2)
    assert g711.decode(ALL_CODES, law) == getattr(audioop, to_lin)(ALL_CODES, 2)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_round_trip_error_is_within_quantisation(law: str) -> None:
    original = np.arange(-32000, 32000, 7, dtype="<i2")
    back = np.frombuffer(g711.decode(g711.encode(original.tobytes(), law), law), dtype="<i2")
    error = np.abs(back.astype(int) - original.astype(int))
    # Logarithmic companding: error grows with the magnitude, about 1/32 of it at most.
    assert np.all(error <= np.abs(original.astype(int)) / 16 + 16)
    assert len(g711.encode(original.tobytes(), law)) == original.size
