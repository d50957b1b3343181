"""The SIP layer's pure parts on literal text: messages, digest, SDP, RTP, INFO, settings."""

from __future__ import annotations

import pytest

from voicebox.errors import TelephonyError
from voicebox.telephony.base import CallResult
from voicebox.telephony.sip import digest, message, sdp
from voicebox.telephony.sip.config import SipConfig, parse_bind, parse_trunk
from voicebox.telephony.sip.dialog import Dialog
from voicebox.telephony.sip.inbound_from import parse_inbound_from
from voicebox.telephony.sip.info import parse_info_digit
from voicebox.telephony.sip.ports import parse_range
from voicebox.telephony.sip.results import result_for
from voicebox.telephony.sip.rtp_packet import RtpPacket, event_payload, parse_event, parse_rtp

INVITE = (
    b"INVITE sip:84951234567@10.0.0.5:5060;user=phone SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK776asdhds;rport\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy\r\n"
    b"Max-Forwards: 70\r\n"
    b"Record-Route: <sip:10.0.0.9;lr>\r\n"
    b"Record-Route: <sip:10.0.0.8;lr>\r\n"
    b'f: "Ivan" <sip:79161234567@trunk.example>;tag=1928301774\r\n'
    b"t: <sip:84951234567@trunk.example>\r\n"
    b"i: a84b4c76e66710@pc33.example\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"m: <sip:79161234567@10.0.0.1:5070>\r\n"
    b"Subject: a header\r\n folded over two lines\r\n"
    b"c: application/sdp\r\n"
    b"l: 10\r\n"
    b"\r\n"
    b"v=0\r\no=- 1trailing garbage past Content-Length"
)


def test_invite_with_compact_and_folded_headers() -> None:
    req = message.parse(INVITE)
    assert req.method == "INVITE"
    assert req.uri.user == "84951234567"
    assert req.call_id == "a84b4c76e66710@pc33.example"
    assert (req.cseq.sequence, req.cseq.method) == (314159, "INVITE")
    assert message.branch_of(req) == "z9hG4bK776asdhds"
    assert [v.host for v in req.via] == ["10.0.0.9", "10.0.0.1"]
    assert message.tag_of(req.headers["From"]) == "1928301774"
    assert message.user_of(req.headers["From"]) == "79161234567"
    assert req.headers["Subject"] == "a header folded over two lines"
    assert req.body == b"v=0\r\no=- 1"


def test_response_and_non_sip() -> None:
    resp = message.parse(b"SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                         b"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\n"
                         b"CSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n")
    assert (resp.code, resp.phrase) == (486, "Busy Here")
    for junk in (b"\r\n\r\n", b"hello", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n"):
        with pytest.raises(ValueError):
            message.parse(junk)


def test_response_copies_the_request_and_tags_to() -> None:
    req = message.parse(INVITE)
    trying = message.response(req, 100, to_tag="abc")
    ok = message.response(req, 200, to_tag="abc", contact="<sip:voicebox@10.0.0.5>")
    busy = message.response(req, 486, to_tag="abc")
    assert message.tag_of(trying.headers["To"]) is None  # 100 Trying never carries a tag
    assert message.tag_of(ok.headers["To"]) == "abc"
    assert ok.headers.getlist("Via") == req.headers.getlist("Via")
    assert ok.headers.getlist("Record-Route") == req.headers.getlist("Record-Route")
    assert busy.headers.getlist("Record-Route") == []
    again = message.parse(bytes(ok))
    assert again.code == 200 and again.cseq.sequence == 314159


def test_dialogs_take_the_route_set_in_the_right_order() -> None:
    req = message.parse(INVITE)
    uas = Dialog.as_uas(req, "abc")
    assert uas.route_set == ["<sip:10.0.0.9;lr>", "<sip:10.0.0.8;lr>"]
    assert uas.remote_target == "sip:79161234567@10.0.0.1:5070"
    assert uas.destination() == ("10.0.0.9", 5060)
    ok = message.parse(bytes(message.response(req, 200, to_tag="abc",
                                              contact="<sip:trunk@10.0.0.7:5080>")))
    uac = Dialog.as_uac(req, ok)
    assert uac.route_set == ["<sip:10.0.0.8;lr>", "<sip:10.0.0.9;lr>"]
    assert uac.remote_tag == "abc" and uac.local_tag == "1928301774"


RFC7616 = dict(method="GET", uri="/dir/index.html", username="Mufasa", password="Circle of Life",
               cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
CHALLENGE_7616 = ('Digest realm="http-auth@example.org", qop="auth, auth-int", '
                  'algorithm={}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
                  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')


@pytest.mark.parametrize(("algorithm", "expected"), [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_digest_matches_rfc_7616(algorithm: str, expected: str) -> None:
    value = digest.answer(CHALLENGE_7616.format(algorithm), **RFC7616)
    assert f'response="{expected}"' in value
    assert "qop=auth," in value and "nc=00000001" in value and 'opaque="FQhe' in value


def test_digest_matches_rfc_2617_and_the_legacy_form() -> None:
    challenge = 'Digest realm="testrealm@host.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'
    value = digest.answer(challenge, method="GET", uri="/dir/index.html", username="Mufasa",
                          password="Circle Of Life", cnonce="0a4f113b")
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    legacy = digest.answer('Digest realm="r", nonce="n"', method="INVITE", uri="sip:1@h",
                           username="u", password="p")
    assert "qop" not in legacy and "cnonce" not in legacy
    for bad in ('Basic realm="r"', 'Digest realm="r", nonce="n", qop="auth-int"',
                'Digest realm="r", nonce="n", algorithm=SHA-512-256', 'Digest realm="r"'):
        with pytest.raises(digest.UnsupportedChallenge):
            digest.answer(bad, method="INVITE", uri="sip:1@h", username="u", password="p")


def test_sdp_answer_takes_the_offers_first_g711_and_its_event_type() -> None:
    offer = (b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
             b"m=audio 40000 RTP/AVP 18 0 8 96\r\nc=IN IP4 10.0.0.2\r\n"
             b"a=rtpmap:18 G729/8000\r\na=rtpmap:96 telephone-event/8000\r\n"
             b"m=video 40002 RTP/AVP 99\r\nc=IN IP4 10.0.0.3\r\n")
    media = sdp.parse(offer)
    assert media == sdp.Media(host="10.0.0.2", port=40000, codec_pt=0, event_pt=96)
    answer = sdp.LocalSession(host="127.0.0.1", port=30000).answer(media).decode()
    assert "m=audio 30000 RTP/AVP 0 96\r\n" in answer
    assert "a=rtpmap:96 telephone-event/8000" in answer
    ours = sdp.parse(sdp.LocalSession(host="127.0.0.1", port=30002).offer())
    assert (ours.codec_pt, ours.event_pt) == (sdp.PCMA, 101)
    with pytest.raises(sdp.SdpError):
        sdp.parse(b"v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18\r\n")
    with pytest.raises(sdp.SdpError):
        sdp.parse(b"")


def test_sdp_direction_is_read_and_answered_per_rfc_3264_with_a_rising_version() -> None:
    head = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    audio = b"m=audio 4000 RTP/AVP 8\r\n"
    assert sdp.parse(head + audio).direction == "sendrecv"
    assert sdp.parse(head + audio + b"a=sendonly\r\n").direction == "sendonly"
    assert sdp.parse(head + b"a=inactive\r\n" + audio).direction == "inactive"  # session level
    assert sdp.parse(head + b"a=inactive\r\n" + audio + b"a=recvonly\r\n").direction == "recvonly"
    session = sdp.LocalSession(host="127.0.0.1", port=30000)
    first = session.answer(sdp.Media("10.0.0.1", 4000, sdp.PCMA, None))
    again = session.answer(sdp.Media("10.0.0.1", 4000, sdp.PCMA, None))
    held = session.answer(sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, "sendonly")).decode()
    assert first == again and b"a=sendrecv" in first  # nothing changed: the same version
    assert "a=recvonly" in held and f" {session.session_id + 1} IN IP4" in held
    for theirs, ours in (("recvonly", "sendonly"), ("inactive", "inactive")):
        answer = session.answer(sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, theirs)).decode()
        assert f"a={ours}\r\n" in answer
    assert not sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, "sendonly").wants_audio
    assert not sdp.Media("0.0.0.0", 4000, sdp.PCMA, None).wants_audio
    assert sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, "recvonly").wants_audio
    assert not sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, "inactive").sends_audio
    assert sdp.Media("10.0.0.1", 4000, sdp.PCMA, None, "sendonly").sends_audio


@pytest.mark.parametrize(("m_line", "c_line", "why"), [
    ("m=audio 99999 RTP/AVP 0", "c=IN IP4 10.0.0.1", "port"),
    ("m=audio 0 RTP/AVP 0", "c=IN IP4 10.0.0.1", "port"),  # a refused stream
    ("m=audio abc RTP/AVP 0", "c=IN IP4 10.0.0.1", "port"),
    ("m=audio \u00b2 RTP/AVP 0", "c=IN IP4 10.0.0.1", "port"),  # not an ASCII digit
    ("m=audio 4000 RTP/AVP 0", "c=IN IP6 ::1", "IPv4"),
    ("m=audio 4000 RTP/AVP 0", "c=IN IP4 media.example.invalid", "IPv4"),
])
def test_sdp_we_cannot_send_to_is_refused_not_half_accepted(
        m_line: str, c_line: str, why: str) -> None:
    """A far end's SDP whose port or address we cannot send to is unusable (the caller gets
    488): a port past 65535 broke every call's sending, a host name was looked up per packet."""
    body = f"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n{c_line}\r\nt=0 0\r\n{m_line}\r\n"
    with pytest.raises(sdp.SdpError, match=why):
        sdp.parse(body.encode())
    assert sdp.parse(b"c=IN IP4 10.0.0.1\r\nm=audio 4000/2 RTP/AVP 8\r\n").port == 4000


@pytest.mark.parametrize("names", [(b"via", b"v"), (b"call-id", b"i"), (b"from", b"f"),
                                   (b"to", b"t"), (b"cseq",)])
def test_a_request_without_a_mandatory_header_is_not_sip(names: tuple[bytes, ...]) -> None:
    """Dropped at parsing: without From or To the handlers failed on it and answered nothing."""
    lines = [line for line in INVITE.split(b"\r\n")
             if line.split(b":")[0].strip().lower() not in names]
    with pytest.raises(ValueError):
        message.parse(b"\r\n".join(lines))


def test_rtp_packets_with_csrc_extension_and_padding() -> None:
    packet = RtpPacket(8, 65535, 0xFFFFFF60, 0xDEADBEEF, b"\xd5" * 160, marker=True)
    assert parse_rtp(bytes(packet)) == packet
    raw = bytearray(bytes(RtpPacket(0, 1, 2, 3, b"")))
    raw[0] = 0x80 | 0x20 | 0x10 | 1  # padding, extension, one CSRC
    data = bytes(raw) + b"CSRC" + b"\xbe\xde\x00\x01" + b"EXT!" + b"\xff" * 80 + b"\x00\x00\x03"
    parsed = parse_rtp(data)
    assert parsed is not None and parsed.payload == b"\xff" * 80
    assert parse_rtp(b"\x00" * 20) is None  # version 0
    assert parse_rtp(bytes(RtpPacket(72, 1, 2, 3, b"rtcp"))) is None
    event = parse_event(event_payload("#", end=True, duration=800))
    assert event is not None and (event.digit, event.end, event.duration) == ("#", True, 800)
    assert parse_event(bytes([16, 0x80, 0, 1])) is None  # flash is not a digit


def _info(content_type: str, body: str) -> message.Request:
    return message.request("INFO", "sip:a@h", via="SIP/2.0/UDP h;branch=z9hG4bK1",
                           from_="<sip:a@h>;tag=1", to="<sip:b@h>;tag=2", call_id="c", cseq=2,
                           body=body.encode(), content_type=content_type)


def test_info_digits() -> None:
    assert parse_info_digit(_info("application/dtmf-relay", "Signal=5\r\nDuration=250\r\n")) == (
        "5", 0.25)
    assert parse_info_digit(_info("application/dtmf-relay", "Signal= #\r\n")) == ("#", 0.0)
    assert parse_info_digit(_info("application/dtmf", "11\r\n")) == ("#", 0.0)
    assert parse_info_digit(_info("application/dtmf", "*")) == ("*", 0.0)
    assert parse_info_digit(_info("application/media_control+xml", "<xml/>")) is None
    assert parse_info_digit(_info("application/dtmf-relay", "Signal=X")) is None
    # Digits that are not ASCII are not digits (int() refused them inside the handler).
    assert parse_info_digit(_info("application/dtmf", "\u00b2\u00b2")) is None
    assert parse_info_digit(_info("application/dtmf-relay", "Signal=5\r\nDuration=\u00b2\r\n")) == (
        "5", 0.0)


def test_final_codes_map_to_results() -> None:
    assert [result_for(c) for c in (200, 486, 600, 603, 480, 408, 404, 410, 484, 604, 487,
                                    403, 500, 503)] == [
        CallResult.ANSWERED, *[CallResult.BUSY] * 3, *[CallResult.NO_ANSWER] * 2,
        *[CallResult.UNREACHABLE] * 4, CallResult.CANCELLED, *[CallResult.FAILED] * 3]


class _Settings:
    sip_trunk = "sip:alice:s%40cret@trunk.example:5080"
    sip_bind = "127.0.0.1:5070"
    rtp_ports = "40000-40100"
    sip_register = "on"
    sip_strip_plus = "true"
    home_region = "RU"


def test_settings_are_read_and_bad_values_name_their_variable() -> None:
    config = SipConfig.from_settings(_Settings())
    assert (config.trunk_host, config.trunk_port) == ("trunk.example", 5080)
    assert (config.username, config.password) == ("alice", "s@cret")
    assert (config.bind_host, config.bind_port, config.rtp_ports) == ("127.0.0.1", 5070,
                                                                       (40000, 40100))
    assert config.register and config.strip_plus
    assert parse_trunk("trunk.example") == ("trunk.example", 5060, None, None)
    for variable, bad in [("VOICEBOX_SIP_TRUNK", {"sip_trunk": None}),
                          ("VOICEBOX_SIP_TRUNK", {"sip_trunk": "sip:@@"}),
                          ("VOICEBOX_SIP_BIND", {"sip_bind": "0.0.0.0:99999"}),
                          ("VOICEBOX_SIP_BIND", {"sip_bind": "host:port"}),
                          ("VOICEBOX_RTP_PORTS", {"rtp_ports": "30000"}),
                          ("VOICEBOX_RTP_PORTS", {"rtp_ports": "9-30"}),
                          ("VOICEBOX_SIP_REGISTER", {"sip_register": "maybe"}),
                          ("VOICEBOX_SIP_STRIP_PLUS", {"sip_strip_plus": "2"})]:
        settings = _Settings()
        for name, value in bad.items():
            setattr(settings, name, value)
        with pytest.raises(TelephonyError) as raised:
            SipConfig.from_settings(settings)
        assert raised.value.name == variable and variable in raised.value.message
    assert parse_bind("0.0.0.0:5060") == ("0.0.0.0", 5060)
    assert parse_range("30000-30999") == (30000, 30999)


def test_inbound_from_is_the_trunk_by_default_and_names_its_variable_when_wrong() -> None:
    default = parse_inbound_from("trunk")
    assert default.allows("10.0.0.5", {"10.0.0.5"}) and not default.allows("10.0.0.6", {"10.0.0.5"})
    assert parse_inbound_from("any").allows("198.51.100.7", set())
    listed = parse_inbound_from(" trunk , 203.0.113.0/24,198.51.100.9")
    assert listed.allows("203.0.113.200", set()) and listed.allows("198.51.100.9", set())
    assert listed.allows("10.0.0.5", {"10.0.0.5"}) and not listed.allows("198.51.100.10", set())
    assert not parse_inbound_from("203.0.113.0/24").allows("10.0.0.5", {"10.0.0.5"})
    for bad in ("", "trunk, nowhere", "::1", "300.1.1.1"):
        with pytest.raises(TelephonyError) as caught:
            parse_inbound_from(bad)
        assert caught.value.name == "VOICEBOX_SIP_INBOUND_FROM"
