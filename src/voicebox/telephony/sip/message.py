"""SIP messages on the wire: parsing datagrams with `sipmessage`, building requests and responses.

`sipmessage` parses headers and typed values; this module adds what a UDP user agent needs
around it: header folding, the body cut at Content-Length, branch / tag generation, and the
response a request gets (Via, From, To, Call-ID and CSeq copied as RFC 3261 §8.2.6 says).
"""

from __future__ import annotations

import secrets

from sipmessage import URI, Address, Request, Response

from voicebox.ids import is_ascii_digits

BRANCH_COOKIE = "z9hG4bK"
USER_AGENT = "VoiceBox"
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE"

REASONS = {
    100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK", 202: "Accepted",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 415: "Unsupported Media Type", 420: "Bad Extension", 407: "Proxy Authentication Required", 408: "Request Timeout",
    410: "Gone", 480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 500: "Server Internal Error", 501: "Not Implemented",
    503: "Service Unavailable", 600: "Busy Everywhere", 603: "Decline",
    604: "Does Not Exist Anywhere",
}

SipMessage = Request | Response


_MANDATORY = ("Via", "Call-ID", "From", "To", "CSeq")


def parse(data: bytes) -> SipMessage:
    """One datagram as a request or response; ValueError when it is not SIP."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep and not data.strip():
            raise ValueError("empty datagram (keep-alive)")
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    unfolded: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and unfolded:
            unfolded[-1] += b" " + line.strip()
        elif line.strip():
            unfolded.append(line)
    message = Request.parse(b"\r\n".join(unfolded) + b"\r\n\r\n")
    length = message.headers.get("Content-Length")
    if length is not None and is_ascii_digits(length.strip()):
        body = body[: int(length)]
    message.body = body
    missing = [name for name in _MANDATORY if message.headers.get(name) is None]
    if missing:
        raise ValueError(f"SIP message without {', '.join(missing)}")
    message.cseq  # noqa: B018 - validates CSeq now rather than deep in a handler
    return message


def new_branch() -> str:
    return BRANCH_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


def branch_of(message: SipMessage) -> str:
    via = message.via[0]
    return via.parameters.get("branch") or ""


def tag_of(header_value: str) -> str | None:
    return Address.parse(header_value).parameters.get("tag")


def with_tag(header_value: str, tag: str) -> str:
    """`header_value` (a From / To) with `tag` added unless it already carries one."""
    if tag_of(header_value):
        return header_value
    return f"{header_value};tag={tag}"


def user_of(header_value: str) -> str:
    return Address.parse(header_value).uri.user or ""


def finish(message: SipMessage, body: bytes = b"", content_type: str | None = None) -> SipMessage:
    """Set the body and the headers every message ends with."""
    message.body = body
    if content_type and body:
        message.headers.set("Content-Type", content_type)
    message.headers.set("Content-Length", str(len(body)))
    return message


def request(
    method: str,
    uri: str,
    *,
    via: str,
    from_: str,
    to: str,
    call_id: str,
    cseq: int,
    contact: str | None = None,
    routes: list[str] | tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> Request:
    message = Request(method, URI.parse(uri))
    message.headers.add("Via", via)
    message.headers.add("Max-Forwards", "70")
    for route in routes:
        message.headers.add("Route", route)
    message.headers.add("From", from_)
    message.headers.add("To", to)
    message.headers.add("Call-ID", call_id)
    message.headers.add("CSeq", f"{cseq} {method}")
    _close(message, "User-Agent", contact, headers, body, content_type)
    return message


def response(
    req: Request,
    code: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    contact: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """The response to `req`; `to_tag` is added to To (dialog-forming and final responses)."""
    message = Response(code, reason or REASONS.get(code, "Unknown"))
    for via in req.headers.getlist("Via"):
        message.headers.add("Via", via)
    if code in range(101, 300):
        for route in req.headers.getlist("Record-Route"):
            message.headers.add("Record-Route", route)
    message.headers.add("From", req.headers["From"])
    to = req.headers["To"]
    message.headers.add("To", with_tag(to, to_tag) if to_tag and code != 100 else to)
    message.headers.add("Call-ID", req.headers["Call-ID"])
    message.headers.add("CSeq", req.headers["CSeq"])
    _close(message, "Server", contact, headers, body, content_type)
    return message


def _close(
    message: SipMessage,
    agent_header: str,
    contact: str | None,
    headers: dict[str, str] | None,
    body: bytes,
    content_type: str | None,
) -> None:
    """The headers a request and a response end alike with (Contact, who we are as
    `agent_header`, the caller's extra headers), then the body."""
    if contact:
        message.headers.add("Contact", contact)
    message.headers.add(agent_header, USER_AGENT)
    for name, value in (headers or {}).items():
        message.headers.add(name, value)
    finish(message, body, content_type)


def uri_host_port(uri: URI, default_port: int = 5060) -> tuple[str, int]:
    """Where to send a request for `uri` (`maddr` wins over the host)."""
    host = uri.parameters.get("maddr") or uri.host
    return host.strip("[]"), uri.port or default_port
