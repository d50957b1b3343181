"""End-to-end tests share the SIP tests' fixtures (sipp peers on loopback)."""

from tests.telephony.sip.conftest import sipp, sipp_runner  # noqa: F401
