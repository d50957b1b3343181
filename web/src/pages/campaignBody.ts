// The create form's state and the `POST …/campaigns` body it makes (pure, so Vitest checks the
// fields the API expects without a browser).
import type { CampaignCreate } from "../api/types";

/** outbound from a list of abonents, outbound started by HTTP calls, or inbound. */
export type CampaignKind = "list" | "http" | "inbound";

export interface Behaviour {
  result: string;
  answerDelay: string;
  inputs: string;
}

export interface SimulationRule extends Behaviour {
  match: string;
}

export interface CampaignFormState {
  name: string;
  kind: CampaignKind;
  scenario: string;
  callerNumber: string;
  startDate: string; // datetime-local, the browser's zone; "" = none
  stopDate: string;
  scheduleCallingCycleStart: string;
  scheduleCallingCycleStop: string;
  scheduleTimezone: string;
  scheduleMaxPhoneLines: string;
  scheduleAttempts: string;
  scheduleAttemptsInterval: string;
  simulate: boolean; // false: the simulator's realistic defaults
  seed: string;
  behaviour: Behaviour;
  rules: SimulationRule[];
}

export const RESULTS = ["answer", "busy", "noanswer", "unreachable", "failed", "machine", "assistant"];

export function emptyForm(): CampaignFormState {
  return {
    name: "",
    kind: "list",
    scenario: "",
    callerNumber: "",
    startDate: "",
    stopDate: "",
    scheduleCallingCycleStart: "09:00",
    scheduleCallingCycleStop: "21:00",
    scheduleTimezone: "Europe/Moscow",
    scheduleMaxPhoneLines: "10",
    scheduleAttempts: "3",
    scheduleAttemptsInterval: "30",
    simulate: false,
    seed: "1",
    behaviour: { result: "answer", answerDelay: "3", inputs: "" },
    rules: [],
  };
}

/** "1, да, " → ["1", "да"]; a lone empty entry between commas is silence (""). */
export function splitInputs(text: string): string[] {
  if (!text.trim()) return [];
  return text.split(",").map((s) => s.trim());
}

function behaviourBody(b: Behaviour): Record<string, unknown> {
  const body: Record<string, unknown> = { result: b.result, inputs: splitInputs(b.inputs) };
  if (b.answerDelay.trim() !== "") body.answerDelay = Number(b.answerDelay);
  return body;
}

/** A datetime-local value as ISO 8601 with the browser's offset (the API reads no zone as UTC). */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

export function campaignBody(form: CampaignFormState): CampaignCreate {
  const body: CampaignCreate = {
    name: form.name,
    campaignType: form.kind === "inbound" ? "inbound" : "outbound",
    scenario: { id: form.scenario },
    callerNumber: { id: form.callerNumber },
    scheduleCallingCycleStart: form.scheduleCallingCycleStart,
    scheduleCallingCycleStop: form.scheduleCallingCycleStop,
    scheduleTimezone: form.scheduleTimezone,
    scheduleMaxPhoneLines: form.scheduleMaxPhoneLines,
    scheduleAttempts: form.scheduleAttempts,
    scheduleAttemptsInterval: form.scheduleAttemptsInterval,
  };
  if (form.kind !== "inbound") body.launchBy = form.kind;
  const start = instant(form.startDate);
  const stop = instant(form.stopDate);
  if (start) body.scheduleStartDate = start;
  if (stop) body.scheduleStopDate = stop;
  if (form.simulate) {
    body.simulation = {
      seed: Number(form.seed || 0),
      default: behaviourBody(form.behaviour),
      rules: form.rules.map((r) => ({ match: r.match.trim(), ...behaviourBody(r) })),
    };
  }
  return body;
}
