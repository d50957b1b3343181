"""The scenario format (DESIGN.md §3) as typed models.

Input is lenient the way real VoiceBox clients need (numbers as strings and back, `name` for
`title`, the spec's `voicelInput`, bare transition names, unknown fields kept); output uses the
spec's field names and declared types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)

from voicebox.scenario_language.coerce import (
    BoolStr,
    IntStr,
    Mapping,
    Position,
    to_int,
    to_variables,
)
from voicebox.scenario_language.keywords import get_intent
from voicebox.text import refuse_bad_text

# Fields the server owns: ignored when a client sends them back with a scenario.
SERVER_FIELDS = ("id", "createdAt", "updatedAt", "shareLink", "isValid")


class Transition(BaseModel):
    """An edge to another state, `{"title": "", "newState": "<state name>"}`."""

    model_config = ConfigDict(extra="allow")

    title: str = ""
    newState: str | None = None


def _to_transition(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return {"title": "", "newState": value}
    if isinstance(value, dict) and not value.get("newState"):
        return None if not value.get("title") else {**value, "newState": None}
    return value


Next = Annotated[Transition | None, BeforeValidator(_to_transition)]


_ANNOUNCEMENT_KINDS = {"tts": "text", "synthesis": "text", "audio": "file", "record": "file",
                       "recording": "file", "": "text"}


class Announcement(BaseModel):
    """A prompt: synthesised `text`, or an uploaded audio `file` (its id)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["text", "file"] = "text"
    text: str | None = None
    file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        """Read the kind's other spellings; with no kind, a lone file means a file."""
        if not isinstance(value, dict):
            return value
        kind = value.get("type")
        if isinstance(kind, str):
            lowered = kind.strip().lower()
            return value | {"type": _ANNOUNCEMENT_KINDS.get(lowered, lowered)}
        if kind is None and value.get("file") and not value.get("text"):
            return value | {"type": "file"}
        return value

    @field_validator("file", mode="before")
    @classmethod
    def _file_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class Keyword(BaseModel):
    """A reference to an intent of the keyword dictionary; `lost` negates it."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    name: str | None = None
    lost: BoolStr = False

    @field_validator("id", mode="before")
    @classmethod
    def _id_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _complete(self) -> Keyword:
        """Fill the missing half of id / name from the dictionary."""
        intent = get_intent(self.id, self.name)
        if intent is not None:
            self.id = self.id or intent.id
            self.name = self.name or intent.name
        return self


class Branch(BaseModel):
    """One `IVR.inputAnalysis` branch: matches a digit, the author's words or intents."""

    model_config = ConfigDict(extra="allow")

    dtmf: str | None = None
    words: str | None = None
    keywords: list[Keyword] = Field(default_factory=list)
    success: Next = None

    @field_validator("dtmf", mode="before")
    @classmethod
    def _dtmf_str(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        return str(value)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords_list(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value


class ConditionRule(BaseModel):
    """One `Condition.conditions` entry: `variable operator value` → `success`."""

    model_config = ConfigDict(extra="allow")

    variable: str = ""
    operator: str = "eq"
    value: str | None = None
    success: Next = None

    @field_validator("value", mode="before")
    @classmethod
    def _value_str(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, int | float) else value


class BaseState(BaseModel):
    """Fields every state has; unknown fields are kept and returned unchanged."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str
    x: Position = None
    y: Position = None

    @field_validator("name", mode="before")
    @classmethod
    def _name_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_serializer(mode="wrap")
    def _kind_first(self, handler: SerializerFunctionWrapHandler) -> Any:
        """`type`, `name`, `x`, `y` first, the way editors write states."""
        data = handler(self)
        if not isinstance(data, dict):
            return data
        head = {key: data[key] for key in ("type", "name", "x", "y") if key in data}
        return head | {key: value for key, value in data.items() if key not in head}

    @field_validator("type", mode="before", check_fields=False)
    @classmethod
    def _canonical_type(cls, value: Any) -> Any:
        return canonical_kind(value) or value

    def transitions(self) -> dict[str, Transition]:
        """Every outgoing edge by field name (IVR branches as `inputAnalysis[i]`)."""
        return {
            field: value
            for field, value in self.__dict__.items()
            if isinstance(value, Transition) and value.newState
        }


class InitialState(BaseState):
    type: Literal["Initial"] = "Initial"
    success: Next = None


class OutgoingCallState(BaseState):
    type: Literal["OutgoingCall"] = "OutgoingCall"
    phone: str = "{{phone}}"
    success: Next = None
    error: Next = None


class VoiceMessageState(BaseState):
    type: Literal["VoiceMessage"] = "VoiceMessage"
    announcement: Announcement | None = None
    detectAI: BoolStr = False
    onDetectAI: Next = None
    success: Next = None
    error: Next = None


class IVRState(BaseState):
    type: Literal["IVR"] = "IVR"
    announcement: Announcement | None = None
    awaitingTime: IntStr = 5
    repeatCount: IntStr = 1
    voiceInput: BoolStr = Field(
        default=True, validation_alias=AliasChoices("voiceInput", "voicelInput")
    )
    keyboardInput: BoolStr = True
    immediateStt: BoolStr = False
    inputAnalysis: list[Branch] = Field(default_factory=list)
    onNoInput: Next = None
    onInvalidInput: Next = None
    onExpiry: Next = None
    detectAI: BoolStr = False
    onDetectAI: Next = None
    success: Next = None
    error: Next = None

    @field_validator("inputAnalysis", mode="before")
    @classmethod
    def _branches_list(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        return [value] if isinstance(value, dict) else value

    def transitions(self) -> dict[str, Transition]:
        edges = super().transitions()
        for index, branch in enumerate(self.inputAnalysis):
            if branch.success and branch.success.newState:
                edges[f"inputAnalysis[{index}]"] = branch.success
        return edges


class InputState(BaseState):
    type: Literal["Input"] = "Input"
    announcement: Announcement | None = None
    awaitingTime: IntStr = 5
    inputMaxLength: IntStr = None
    voiceInput: BoolStr = Field(
        default=False, validation_alias=AliasChoices("voiceInput", "voicelInput")
    )
    keyboardInput: BoolStr = True
    variable: str = "input"
    onNoInput: Next = None
    success: Next = None
    error: Next = None


class ConditionState(BaseState):
    type: Literal["Condition"] = "Condition"
    conditions: list[ConditionRule] = Field(default_factory=list)
    success: Next = None
    error: Next = None

    @field_validator("conditions", mode="before")
    @classmethod
    def _conditions_list(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        return [value] if isinstance(value, dict) else value

    def transitions(self) -> dict[str, Transition]:
        edges = super().transitions()
        for index, rule in enumerate(self.conditions):
            if rule.success and rule.success.newState:
                edges[f"conditions[{index}]"] = rule.success
        return edges


class HTTPRequestState(BaseState):
    type: Literal["HTTPRequest"] = "HTTPRequest"
    method: str = "GET"
    protocol: str = "https"
    host: str = ""
    port: IntStr = None
    url: str = ""
    headers: Mapping = Field(default_factory=dict)
    requestParameters: Mapping = Field(default_factory=dict)
    requestParametersRaw: str | None = None
    requestParametersType: str = "json"
    responseCodeVariable: str | None = None
    responseBodyVariables: Mapping = Field(default_factory=dict)
    timeout: IntStr = None
    success: Next = None
    error: Next = None


class RedirectionState(BaseState):
    type: Literal["Redirection"] = "Redirection"
    numberB: str | None = None
    extension: str | None = None
    forwardType: str = "number"
    sipUri: str | None = None
    callingPartyDisplay: str | None = None
    success: Next = None
    error: Next = None

    @field_validator("numberB", "extension", mode="before")
    @classmethod
    def _digits_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class PauseState(BaseState):
    type: Literal["Pause"] = "Pause"
    timeout: IntStr = 1
    success: Next = None


class ReleaseCallState(BaseState):
    type: Literal["ReleaseCall"] = "ReleaseCall"


STATE_CLASSES: tuple[type[BaseState], ...] = (
    InitialState,
    OutgoingCallState,
    VoiceMessageState,
    IVRState,
    InputState,
    ConditionState,
    HTTPRequestState,
    RedirectionState,
    PauseState,
    ReleaseCallState,
)
STATE_KINDS: dict[str, str] = {
    cls.model_fields["type"].default.lower(): cls.model_fields["type"].default
    for cls in STATE_CLASSES
}


def canonical_kind(value: Any) -> str | None:
    """The canonical `type` for a state kind written in any case, or None if unknown."""
    if not isinstance(value, str):
        return None
    return STATE_KINDS.get(value.strip().lower())


def _state_tag(value: Any) -> str | None:
    raw = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return canonical_kind(raw)


State = Annotated[
    Annotated[InitialState, Tag("Initial")]
    | Annotated[OutgoingCallState, Tag("OutgoingCall")]
    | Annotated[VoiceMessageState, Tag("VoiceMessage")]
    | Annotated[IVRState, Tag("IVR")]
    | Annotated[InputState, Tag("Input")]
    | Annotated[ConditionState, Tag("Condition")]
    | Annotated[HTTPRequestState, Tag("HTTPRequest")]
    | Annotated[RedirectionState, Tag("Redirection")]
    | Annotated[PauseState, Tag("Pause")]
    | Annotated[ReleaseCallState, Tag("ReleaseCall")],
    Discriminator(
        _state_tag,
        custom_error_type="unknown_state_type",
        custom_error_message="Unknown state type; expected one of "
        + ", ".join(STATE_KINDS.values()),
    ),
]


class Settings(BaseModel):
    """Voice settings (names follow Yandex SpeechKit)."""

    model_config = ConfigDict(extra="allow")

    voice: str = "oksana"
    speed: int = 100
    emotion: str = "neutral"

    @field_validator("speed", mode="before")
    @classmethod
    def _speed_int(cls, value: Any) -> Any:
        if value is None or value == "":
            return 100
        converted = to_int(value)
        if isinstance(converted, str):  # e.g. "1.5" as a multiplier
            try:
                return round(float(converted) * 100)
            except ValueError:
                return value
        return converted


class ScenarioBody(BaseModel):
    """What a client sends: the scenario without server-owned fields."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    title: str = Field(min_length=1, max_length=255, validation_alias=AliasChoices("title", "name"))
    comment: str | None = None
    type: Literal["outgoing", "incoming"] = "outgoing"
    states: list[State] = Field(default_factory=list)
    customVariables: Annotated[list[str], BeforeValidator(to_variables)] = Field(
        default_factory=list
    )
    settings: Settings = Field(default_factory=Settings)

    @model_validator(mode="before")
    @classmethod
    def _client_shape(cls, value: Any) -> Any:
        """Drop server-owned fields and the `name` alias once `title` is known."""
        if not isinstance(value, dict):
            return value
        value = {k: v for k, v in value.items() if k not in SERVER_FIELDS}
        if "name" in value:
            name = value.pop("name")
            value.setdefault("title", name)
        return value

    _no_nul = field_validator("title", "comment")(refuse_bad_text)

    @field_validator("states", mode="before")
    @classmethod
    def _states_list(cls, value: Any) -> Any:
        """The spec types `states` as an object: accept one keyed by state name, too."""
        if value is None or value == "":
            return []
        if isinstance(value, dict):
            return [
                {"name": key, **state} if isinstance(state, dict) else state
                for key, state in value.items()
            ]
        return value

    @field_validator("settings", mode="before")
    @classmethod
    def _settings_default(cls, value: Any) -> Any:
        return {} if value is None or value == "" else value

    @field_validator("type", mode="before")
    @classmethod
    def _scenario_type(cls, value: Any) -> Any:
        if value is None or value == "":
            return "outgoing"
        if isinstance(value, str):
            lowered = value.strip().lower()
            return {"outbound": "outgoing", "inbound": "incoming"}.get(lowered, lowered)
        return value

    def state(self, name: str) -> BaseState | None:
        """The state with this name, if any."""
        for state in self.states:
            if state.name == name:
                return state
        return None

    def initial(self) -> BaseState | None:
        """The first `Initial` state, if any."""
        return next((s for s in self.states if isinstance(s, InitialState)), None)
