// Every state kind of the scenario format (docs/scenario-format.md): its transition fields and
// the form fields of the side panel.

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export type State = Record<string, Json> & { type: string; name: string; x?: number | null; y?: number | null };
export interface Scenario {
  id?: number;
  title: string;
  type?: string;
  comment?: string | null;
  states: State[];
  customVariables?: string[];
  settings?: { voice?: string; speed?: number; emotion?: string };
  [key: string]: Json;
}

export const KINDS = [
  "Initial",
  "OutgoingCall",
  "VoiceMessage",
  "IVR",
  "Input",
  "Condition",
  "HTTPRequest",
  "Redirection",
  "Pause",
  "ReleaseCall",
] as const;
export type Kind = (typeof KINDS)[number];

/** The plain transition fields of each kind (IVR branches and condition rules come on top). */
export const TRANSITIONS: Record<Kind, string[]> = {
  Initial: ["success"],
  OutgoingCall: ["success", "error"],
  VoiceMessage: ["success", "error", "onDetectAI"],
  IVR: ["success", "error", "onNoInput", "onInvalidInput", "onExpiry", "onDetectAI"],
  Input: ["success", "error", "onNoInput"],
  Condition: ["success", "error"],
  HTTPRequest: ["success", "error"],
  Redirection: ["success", "error"],
  Pause: ["success"],
  ReleaseCall: [],
};

/** Lists whose items each carry a `success` transition: IVR branches, condition rules. */
export const LIST_FIELD: Partial<Record<Kind, "inputAnalysis" | "conditions">> = {
  IVR: "inputAnalysis",
  Condition: "conditions",
};

export function kindOf(state: State): Kind {
  const lowered = String(state.type ?? "").toLowerCase();
  return KINDS.find((k) => k.toLowerCase() === lowered) ?? "ReleaseCall";
}

export type FieldType =
  | "text"
  | "textarea"
  | "number"
  | "bool"
  | "select"
  | "announcement"
  | "branches"
  | "conditions"
  | "map";

export interface FieldSpec {
  key: string;
  type: FieldType;
  options?: string[];
}

const announcement: FieldSpec = { key: "announcement", type: "announcement" };
const detect: FieldSpec[] = [{ key: "detectAI", type: "bool" }];

export const FIELDS: Record<Kind, FieldSpec[]> = {
  Initial: [],
  OutgoingCall: [
    { key: "phone", type: "text" },
    { key: "callingPartyDisplay", type: "text" },
  ],
  VoiceMessage: [announcement, ...detect],
  IVR: [
    announcement,
    { key: "awaitingTime", type: "number" },
    { key: "repeatCount", type: "number" },
    { key: "voiceInput", type: "bool" },
    { key: "keyboardInput", type: "bool" },
    { key: "immediateStt", type: "bool" },
    ...detect,
    { key: "inputAnalysis", type: "branches" },
  ],
  Input: [
    announcement,
    { key: "awaitingTime", type: "number" },
    { key: "inputMaxLength", type: "number" },
    { key: "voiceInput", type: "bool" },
    { key: "keyboardInput", type: "bool" },
    { key: "variable", type: "text" },
  ],
  Condition: [{ key: "conditions", type: "conditions" }],
  HTTPRequest: [
    { key: "method", type: "select", options: ["GET", "POST", "PUT", "PATCH", "DELETE"] },
    { key: "protocol", type: "select", options: ["https", "http"] },
    { key: "host", type: "text" },
    { key: "port", type: "number" },
    { key: "url", type: "text" },
    { key: "headers", type: "map" },
    { key: "requestParametersType", type: "select", options: ["json", "form", "query", "raw"] },
    { key: "requestParameters", type: "map" },
    { key: "requestParametersRaw", type: "textarea" },
    { key: "timeout", type: "number" },
    { key: "responseCodeVariable", type: "text" },
    { key: "responseBodyVariables", type: "map" },
  ],
  Redirection: [
    { key: "forwardType", type: "select", options: ["number", "sip"] },
    { key: "numberB", type: "text" },
    { key: "sipUri", type: "text" },
    { key: "extension", type: "text" },
    { key: "callingPartyDisplay", type: "text" },
  ],
  Pause: [{ key: "timeout", type: "number" }],
  ReleaseCall: [],
};

export const OPERATORS = [
  "eq", "ne", "gt", "ge", "lt", "le", "contains", "startsWith", "matches", "empty", "notEmpty",
];

/** A new state of a kind with the defaults a person would start from. */
export function newState(kind: Kind, name: string, x: number, y: number): State {
  const base: State = { type: kind, name, x: Math.round(x), y: Math.round(y) };
  const text = { type: "text", text: "" };
  switch (kind) {
    case "OutgoingCall":
      return { ...base, phone: "{{phone}}" };
    case "VoiceMessage":
      return { ...base, announcement: { ...text } };
    case "IVR":
      return { ...base, awaitingTime: 5, repeatCount: 1, voiceInput: true, keyboardInput: true, inputAnalysis: [] };
    case "Input":
      return { ...base, awaitingTime: 5, voiceInput: false, keyboardInput: true, variable: "input" };
    case "Condition":
      return { ...base, conditions: [] };
    case "HTTPRequest":
      return { ...base, method: "GET", protocol: "https", host: "", url: "", headers: {} };
    case "Redirection":
      return { ...base, forwardType: "number", numberB: "" };
    case "Pause":
      return { ...base, timeout: 1 };
    default:
      return base;
  }
}
