"""The SIP driver: an asyncio user agent on a trunk (SIP over UDP, G.711 RTP, RFC 4733 DTMF)."""

from voicebox.telephony.sip.call import SipCall
from voicebox.telephony.sip.config import SipConfig
from voicebox.telephony.sip.gateway import SipGateway, create

__all__ = ["SipCall", "SipConfig", "SipGateway", "create"]
