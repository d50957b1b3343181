"""A SIP dialog (RFC 3261 §12): the identifiers and route that in-dialog requests carry."""

from __future__ import annotations

from dataclasses import dataclass, field

from sipmessage import Address as SipAddress
from sipmessage import Request, Response

from voicebox.telephony.sip import message
from voicebox.telephony.sip.endpoint import Address, SipEndpoint


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # our From (with tag) on requests we send
    remote_uri: str  # their To (with tag) on requests we send
    remote_target: str  # the far end's Contact URI
    route_set: list[str] = field(default_factory=list)
    local_cseq: int = 1
    remote_cseq: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.call_id, self.local_tag, self.remote_tag)

    @classmethod
    def as_uac(cls, invite: Request, resp: Response) -> Dialog:
        """The dialog our INVITE and its 2xx `resp` established."""
        return cls(
            call_id=invite.call_id,
            local_tag=message.tag_of(invite.headers["From"]) or "",
            remote_tag=message.tag_of(resp.headers["To"]) or "",
            local_uri=invite.headers["From"],
            remote_uri=resp.headers["To"],
            remote_target=_contact_uri(resp) or str(invite.uri),
            route_set=list(reversed(_all(resp, "Record-Route"))),
            local_cseq=invite.cseq.sequence,
        )

    @classmethod
    def as_uas(cls, invite: Request, local_tag: str) -> Dialog:
        """The dialog we establish by answering `invite` with To tag `local_tag`."""
        return cls(
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=message.tag_of(invite.headers["From"]) or "",
            local_uri=message.with_tag(invite.headers["To"], local_tag),
            remote_uri=invite.headers["From"],
            remote_target=_contact_uri(invite) or str(invite.from_address.uri),
            route_set=_all(invite, "Record-Route"),
            remote_cseq=invite.cseq.sequence,
        )

    def destination(self) -> Address:
        """Where in-dialog requests go: the first route (loose routing) or the target."""
        uri = SipAddress.parse(self.route_set[0]).uri if self.route_set else (
            SipAddress.parse(f"<{self.remote_target}>").uri)
        return message.uri_host_port(uri)

    def request(self, endpoint: SipEndpoint, method: str, *, contact: str | None = None,
                headers: dict[str, str] | None = None, body: bytes = b"",
                content_type: str | None = None, cseq: int | None = None) -> Request:
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        return message.request(
            method, self.remote_target, via=endpoint.via(), from_=self.local_uri,
            to=self.remote_uri, call_id=self.call_id, cseq=cseq, contact=contact,
            routes=self.route_set, headers=headers, body=body, content_type=content_type)


def _all(msg: message.SipMessage, name: str) -> list[str]:
    values: list[str] = []
    for value in msg.headers.getlist(name):
        values += [str(a) for a in SipAddress.parse_many(value)]
    return values


def _contact_uri(msg: message.SipMessage) -> str | None:
    contacts = msg.contact
    return str(contacts[0].uri) if contacts else None
