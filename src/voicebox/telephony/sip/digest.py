"""Digest authentication (RFC 3261 §22, RFC 2617, RFC 8760): the answer to one 401 / 407.

MD5 and SHA-256 (plain and `-sess`), `qop=auth` when the challenge offers it, the legacy
RFC 2069 form when it offers none. `auth-int` is not supported: such a challenge is unanswerable.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
# Our own reading of auth-params: sipmessage's grammar refuses some that trunks send (RFC 7616's
# own example among them).
_PARAM = re.compile(r'\s*([A-Za-z][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*(?:,|$)')


class UnsupportedChallenge(ValueError):
    """A challenge we cannot answer (another scheme, algorithm or qop)."""


def _h(algorithm: str, text: str) -> str:
    return _HASHES[algorithm](text.encode()).hexdigest()


def answer(
    challenge_header: str,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str | None = None,
    nc: int = 1,
) -> str:
    """The Authorization / Proxy-Authorization value answering `challenge_header`."""
    scheme, _, rest = challenge_header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise UnsupportedChallenge(f"auth scheme {scheme or '(none)'} is not Digest")
    params = parse_params(rest)
    realm, nonce = params.get("realm", ""), params.get("nonce")
    if not nonce:
        raise UnsupportedChallenge("digest challenge without a nonce")
    algorithm = params.get("algorithm", "MD5")
    base = algorithm.upper().removesuffix("-SESS")
    if base not in _HASHES:
        raise UnsupportedChallenge(f"digest algorithm {algorithm} is not supported")
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    if qops and "auth" not in qops:
        raise UnsupportedChallenge(f"digest qop {params['qop']} is not supported")
    cnonce = cnonce or secrets.token_hex(8)
    nc_text = f"{nc:08x}"

    ha1 = _h(base, f"{username}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = _h(base, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _h(base, f"{method}:{uri}")
    if qops:
        response = _h(base, f"{ha1}:{nonce}:{nc_text}:{cnonce}:auth:{ha2}")
    else:
        response = _h(base, f"{ha1}:{nonce}:{ha2}")

    fields = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"',
              f'uri="{uri}"', f'response="{response}"', f"algorithm={algorithm}"]
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    if qops:
        fields += ["qop=auth", f"nc={nc_text}", f'cnonce="{cnonce}"']
    return "Digest " + ", ".join(fields)


def parse_params(text: str) -> dict[str, str]:
    """`realm="x", qop="auth,auth-int", algorithm=MD5` as a dict (quotes removed)."""
    params: dict[str, str] = {}
    for match in _PARAM.finditer(text):
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return params
