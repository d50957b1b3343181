"""Per-state field rules of the validator: each yields `(field path, message)` pairs."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from voicebox.ids import ascii_int, is_ascii_digits
from voicebox.scenario_language.format import (
    Announcement,
    BaseState,
    ConditionState,
    HTTPRequestState,
    InputState,
    IVRState,
    Keyword,
    OutgoingCallState,
    PauseState,
    RedirectionState,
    ScenarioBody,
    Transition,
    VoiceMessageState,
)
from voicebox.scenario_language.keywords import get_intent
from voicebox.scenario_language.operators import (
    CANONICAL_OPERATORS,
    NUMERIC_OPERATORS,
    VALUELESS_OPERATORS,
    as_date,
    as_number,
    canonical_operator,
)
from voicebox.scenario_language.placeholders import PLACEHOLDER, SYSTEM_VARIABLES

Findings = Iterator[tuple[str, str]]

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
PROTOCOLS = frozenset({"http", "https"})
PARAMETER_TYPES = frozenset({"raw", "json", "form", "query"})
FORWARD_TYPES = frozenset({"number", "sip"})
_DTMF = re.compile(r"[0-9*#]+")
_ABSOLUTE = re.compile(r"(?i)(https?)://([^/?#\s]*)(.*)")
_KEYS = re.compile(r"[0-9*#,wW]+")
_PHONE = re.compile(r"\+?[0-9]{3,15}")
_PHONE_NOISE = re.compile(r"[\s()\-.]")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9-]{1,63})*", re.I
)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
_VARIABLE_NAME = re.compile(r"[^\W\d][\w.\-]*")


def defined_variables(body: ScenarioBody) -> set[str]:
    """Every variable a template may use: custom, Input, HTTP and system ones."""
    names = set(SYSTEM_VARIABLES) | {v for v in body.customVariables if v}
    for state in body.states:
        if isinstance(state, InputState) and state.variable:
            names.add(state.variable)
        elif isinstance(state, HTTPRequestState):
            if state.responseCodeVariable:
                names.add(state.responseCodeVariable)
            names.update(str(key) for key in state.responseBodyVariables)
    return names


def state_problems(state: BaseState, defined: set[str]) -> Findings:
    """Field problems of one state (the graph rules live in validate.py)."""
    yield from _templates(state, defined)
    if isinstance(state, ConditionState):
        for index, rule in enumerate(state.conditions):
            name = rule.variable.strip().removeprefix("{{").removesuffix("}}").strip()
            if name and name not in defined:
                yield f"conditions[{index}].variable", f'variable "{name}" is not defined anywhere'
    check = _KIND_CHECKS.get(type(state))
    if check is not None:
        yield from check(state)


def _templates(state: BaseState, defined: set[str]) -> Findings:
    for field, text in _texts(state):
        # A placeholder with a default (`{{name|default}}`) is optional by design.
        required = {m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(2) is None}
        for name in sorted(required):
            if name not in defined:
                yield field, f'template variable "{name}" is not defined anywhere'


_NOT_TEMPLATES = frozenset({"type", "name", "keywords", "variable", "responseCodeVariable"})


def _texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string holding `{{` inside a state, with its path (transitions and names skipped).

    Walks the models' attributes rather than a dump: validation runs on every save.
    """
    if isinstance(value, str):
        if "{{" in value and path:
            yield path, value
    elif isinstance(value, Transition | Keyword):
        return
    elif isinstance(value, BaseModel):
        items = dict(value.__dict__)
        items.update(value.__pydantic_extra__ or {})
        for key, item in items.items():
            if key not in _NOT_TEMPLATES:
                yield from _texts(item, f"{path}.{key}" if path else key)
    elif isinstance(value, dict):
        if "newState" in value:
            return
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


def _announcement(announcement: Announcement | None, required: bool) -> Findings:
    if announcement is None:
        if required:
            yield "announcement", "the announcement is missing (give a text or a file)"
        return
    if not (announcement.text or "").strip() and not (announcement.file or "").strip():
        yield "announcement", "the announcement has neither text nor file"


def _voice_message(state: VoiceMessageState) -> Findings:
    yield from _announcement(state.announcement, required=True)


# Bounds for the numeric fields, in seconds or counts: beyond them a call misbehaves.
LIMITS: dict[str, tuple[int, int]] = {
    "awaitingTime": (1, 300),
    "repeatCount": (0, 20),
    "inputMaxLength": (1, 64),
    "pauseTimeout": (0, 3600),
    "httpTimeout": (1, 300),
}


def _within(field: str, value: int | None, limit: str | None = None) -> Findings:
    low, high = LIMITS[limit or field]
    if value is not None and not low <= value <= high:
        yield field, f"{field} must be between {low} and {high}, not {value}"


def _ivr(state: IVRState) -> Findings:
    yield from _announcement(state.announcement, required=False)
    yield from _within("awaitingTime", state.awaitingTime)
    yield from _within("repeatCount", state.repeatCount)
    if not state.voiceInput and not state.keyboardInput:
        yield "keyboardInput", "both voice and keyboard input are off, so no answer can be heard"
    digits: dict[str, int] = {}
    for index, branch in enumerate(state.inputAnalysis):
        where = f"inputAnalysis[{index}]"
        if branch.dtmf is not None:
            if not _DTMF.fullmatch(branch.dtmf):
                yield f"{where}.dtmf", f'"{branch.dtmf}" is not a key (0-9, * or #)'
            elif branch.dtmf in digits:
                yield (
                    f"{where}.dtmf",
                    f'key "{branch.dtmf}" is already used by inputAnalysis[{digits[branch.dtmf]}]',
                )
            else:
                digits[branch.dtmf] = index
        for k, keyword in enumerate(branch.keywords):
            if get_intent(keyword.id, keyword.name) is None:
                label = keyword.name or keyword.id
                yield f"{where}.keywords[{k}]", f'unknown keyword "{label}"'
        by_key = branch.dtmf is not None and state.keyboardInput
        spoken = bool((branch.words or "").strip()) or bool(branch.keywords)
        by_voice = state.voiceInput and spoken
        if not by_key and not by_voice:
            yield where, "the branch has no way to match (no usable key, words or keywords)"


def _input(state: InputState) -> Findings:
    yield from _announcement(state.announcement, required=False)
    if not state.voiceInput and not state.keyboardInput:
        yield "keyboardInput", "both voice and keyboard input are off, so nothing can be entered"
    if not _VARIABLE_NAME.fullmatch(state.variable or ""):
        yield "variable", f'"{state.variable}" is not a valid variable name'
    yield from _within("awaitingTime", state.awaitingTime)
    yield from _within("inputMaxLength", state.inputMaxLength)


def _condition(state: ConditionState) -> Findings:
    for index, rule in enumerate(state.conditions):
        where = f"conditions[{index}]"
        if not rule.variable.strip():
            yield f"{where}.variable", "the condition names no variable"
        operator = canonical_operator(rule.operator)
        if operator is None:
            yield (
                f"{where}.operator",
                f'unknown operator "{rule.operator}"; use one of ' + ", ".join(CANONICAL_OPERATORS),
            )
            continue
        value = rule.value
        if operator in VALUELESS_OPERATORS or (value and _PLACEHOLDER.search(value)):
            continue
        text = value or ""
        if operator in NUMERIC_OPERATORS and as_number(text) is None and as_date(text) is None:
            yield (
                f"{where}.value",
                f'"{value}" is neither a number nor a date, so it cannot be compared',
            )
        elif operator == "matches":
            try:
                re.compile(value or "")
            except re.error as error:
                yield f"{where}.value", f"not a valid regular expression: {error}"


def _http(state: HTTPRequestState) -> Findings:
    yield from _within("timeout", state.timeout, "httpTimeout")
    if state.method.upper() not in METHODS:
        yield "method", f'unknown method "{state.method}"; use one of ' + ", ".join(sorted(METHODS))
    if state.protocol.lower() not in PROTOCOLS:
        yield "protocol", f'unknown protocol "{state.protocol}"; use http or https'
    if state.port is not None and not 1 <= state.port <= 65535:
        yield "port", f"port {state.port} is outside 1-65535"
    if state.requestParametersType.lower() not in PARAMETER_TYPES:
        yield (
            "requestParametersType",
            f'unknown parameters type "{state.requestParametersType}"; '
            "use raw, json, form or query",
        )
    yield from _http_target(state)
    raw = state.requestParametersRaw
    if raw and state.requestParametersType.lower() == "json" and not _PLACEHOLDER.search(raw):
        try:
            json.loads(raw)
        except ValueError:
            yield "requestParametersRaw", "the raw JSON body is not valid JSON"


def _http_target(state: HTTPRequestState) -> Findings:
    """Host and URL as the engine joins them: an absolute `url` wins, `host` may carry a scheme."""
    url = state.url.strip()
    absolute = _ABSOLUTE.fullmatch(url)
    field, host = ("url", absolute.group(2)) if absolute else ("host", state.host.strip())
    if not absolute:
        if "://" in url:
            yield "url", "only http:// and https:// URLs can be called"
            return
        scheme = _ABSOLUTE.fullmatch(host.rstrip("/"))
        if scheme is not None:
            host = scheme.group(2)
        elif "://" in host:
            yield "host", "only http:// and https:// hosts can be called"
            return
    if re.search(r"\s", _PLACEHOLDER.sub("x", url)):
        yield "url", "the URL contains spaces"
    if not host:
        yield "host", "no host: give a host, or an absolute http(s) URL in url"
        return
    if _PLACEHOLDER.search(host):
        return
    if ":" in host and not host.startswith("["):
        host, _, port = host.rpartition(":")
        if not is_ascii_digits(port) or ascii_int(port, low=1, high=65535) is None:
            yield field, f'bad port "{port}" in the host'
    if not _valid_host(host.strip("[]")):
        yield field, f'"{host}" is not a valid host name or IP address'


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host)) and not is_ascii_digits(host.replace(".", ""))
    return True


def _redirection(state: RedirectionState) -> Findings:
    forward = (state.forwardType or "number").lower()
    if forward not in FORWARD_TYPES:
        yield "forwardType", f'unknown forward type "{state.forwardType}"; use number or sip'
    elif forward == "sip":
        uri = (state.sipUri or "").strip()
        if not re.fullmatch(r"(?i)sips?:[^\s@]+@?[^\s]*", uri):
            yield "sipUri", "a SIP transfer needs a sipUri like sip:user@host"
    else:
        number = (state.numberB or "").strip()
        if not number:
            yield "numberB", "the transfer has no number (numberB)"
        elif not _PLACEHOLDER.fullmatch(number) and not _PHONE.fullmatch(
            _PHONE_NOISE.sub("", number)
        ):
            yield "numberB", f'"{number}" is not a phone number'
    extension = state.extension
    if extension and not _PLACEHOLDER.search(extension) and not _KEYS.fullmatch(extension):
        yield "extension", f'"{extension}" is not a sequence of keys to dial'


def _pause(state: PauseState) -> Findings:
    yield from _within("timeout", state.timeout, "pauseTimeout")


def _outgoing_call(state: OutgoingCallState) -> Findings:
    if not state.phone.strip():
        yield "phone", "the number to dial is empty (usually {{phone}})"


_KIND_CHECKS: dict[type[BaseState], Callable[[Any], Findings]] = {
    VoiceMessageState: _voice_message,
    IVRState: _ivr,
    InputState: _input,
    ConditionState: _condition,
    HTTPRequestState: _http,
    RedirectionState: _redirection,
    OutgoingCallState: _outgoing_call,
    PauseState: _pause,
}
