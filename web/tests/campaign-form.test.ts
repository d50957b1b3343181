// The campaign create form's body: every kind (list, HTTP, inbound), dates and the simulation's
// default behaviour and per-number rules, in the fields and types the API checks.
import { describe, expect, it } from "vitest";
import { campaignBody, emptyForm, splitInputs } from "../src/pages/campaignBody";
import { python } from "./python";

describe("campaign form body", () => {
  const base = { ...emptyForm(), name: "n", scenario: "3", callerNumber: "7" };

  it("writes the kind, the dates and the simulation as the API expects", () => {
    const list = campaignBody({
      ...base,
      startDate: "2026-12-01T09:00",
      stopDate: "2026-12-31T18:30",
      simulate: true,
      seed: "5",
      behaviour: { result: "answer", answerDelay: "2", inputs: "1, да" },
      rules: [
        { match: "+79990000001", result: "busy", answerDelay: "", inputs: "" },
        { match: "+7999*", result: "machine", answerDelay: "4", inputs: "2" },
      ],
    });
    expect(list).toMatchObject({ campaignType: "outbound", launchBy: "list", scenario: { id: "3" }, callerNumber: { id: "7" } });
    expect(new Date(String(list.scheduleStartDate)).getTime()).toBe(new Date("2026-12-01T09:00").getTime());
    expect(list.simulation).toEqual({
      seed: 5,
      default: { result: "answer", answerDelay: 2, inputs: ["1", "да"] },
      rules: [
        { match: "+79990000001", result: "busy", inputs: [] },
        { match: "+7999*", result: "machine", answerDelay: 4, inputs: ["2"] },
      ],
    });
    const http = campaignBody({ ...base, kind: "http" });
    expect(http).toMatchObject({ campaignType: "outbound", launchBy: "http" });
    expect(http.simulation).toBeUndefined(); // the simulator's realistic defaults
    const inbound = campaignBody({ ...base, kind: "inbound" });
    expect(inbound.campaignType).toBe("inbound");
    expect(inbound.launchBy).toBeUndefined();
    expect(inbound.scheduleStartDate).toBeUndefined();

    // The API's own checks find nothing wrong with any of them; a bad rule is named by its path.
    const bad = campaignBody({ ...base, simulate: true, rules: [{ match: "", result: "answer", answerDelay: "-1", inputs: "" }] });
    const [listProblems, httpProblems, inboundProblems, badProblems] = python("campaign", [list, http, inbound, bad]);
    expect([listProblems, httpProblems, inboundProblems]).toEqual([[], [], []]);
    expect(badProblems.join("\n")).toContain("simulation.rules[0]");
  });

  it("reads inputs separated by commas, an empty one being silence", () => {
    expect(splitInputs("")).toEqual([]);
    expect(splitInputs("1, , да")).toEqual(["1", "", "да"]);
  });
});
