import { describe, expect, it } from "vitest";
import { KINDS, LIST_FIELD, Scenario, State, TRANSITIONS, newState } from "../src/editor/kinds";
import { autoLayout } from "../src/editor/layout";
import {
  connect,
  disconnect,
  edgesOf,
  graphToScenario,
  problemTarget,
  removeStates,
  renameState,
  scenarioToGraph,
} from "../src/editor/mapping";
import { previewCsv } from "../src/pages/Campaigns";
import { python } from "./python";

const FIXTURES: Record<string, Scenario> = python("fixtures");

function withoutPositions(scenario: Scenario): Scenario {
  return {
    ...scenario,
    states: scenario.states.map(({ x: _x, y: _y, ...rest }) => rest as State),
  };
}

describe("scenario ⇄ graph", () => {
  it("has the fixtures: every catalog template and the 46-state scenario", () => {
    expect(Object.keys(FIXTURES).filter((k) => k.startsWith("template ")).length).toBeGreaterThanOrEqual(5);
    expect(FIXTURES["46 states"].states.length).toBe(46);
  });

  for (const [name, scenario] of Object.entries(FIXTURES)) {
    it(`round-trips ${name} (JSON → graph → JSON, positions aside)`, () => {
      const { nodes, edges } = scenarioToGraph(scenario);
      expect(withoutPositions(graphToScenario(scenario, nodes, edges))).toEqual(withoutPositions(scenario));
      // Laid out anew, still the same scenario.
      const laidOut = autoLayout(nodes, edges);
      expect(withoutPositions(graphToScenario(scenario, laidOut, edges))).toEqual(withoutPositions(scenario));
    });
  }

  it("draws every transition of the 46-state scenario as a labelled edge", () => {
    const scenario = FIXTURES["46 states"];
    const { edges } = scenarioToGraph(scenario);
    const ivr = scenario.states.find((s) => s.type === "IVR")!;
    const fields = edges.filter((e) => e.source === "s1").map((e) => e.sourceHandle);
    expect(ivr.name).toBe("q0");
    expect(fields.sort()).toEqual(["inputAnalysis[0]", "inputAnalysis[1]", "onInvalidInput", "onNoInput", "success"]);
    expect(edges.find((e) => e.id === "s1:inputAnalysis[0]")!.label).toBe("1 / да");
  });
});

describe("editing", () => {
  const base: Scenario = { title: "t", type: "outgoing", states: [], customVariables: [] };

  it("builds a scenario with one state of every kind that the API's validator accepts", () => {
    let nodes = KINDS.map((kind, i) => ({
      id: `k${i}`,
      type: "state" as const,
      position: { x: 0, y: i * 100 },
      data: { state: newState(kind, kind.toLowerCase(), 0, i * 100) },
    }));
    const id = (kind: string) => `k${KINDS.indexOf(kind as (typeof KINDS)[number])}`;
    const chain = ["Initial", "OutgoingCall", "VoiceMessage", "IVR", "Input", "Condition", "HTTPRequest", "Redirection", "Pause", "ReleaseCall"];
    for (let i = 0; i + 1 < chain.length; i += 1) nodes = connect(nodes, id(chain[i]), "success", id(chain[i + 1]));
    for (const kind of chain.slice(1, -1)) {
      if (TRANSITIONS[kind as (typeof KINDS)[number]].includes("error")) nodes = connect(nodes, id(kind), "error", id("ReleaseCall"));
    }
    nodes = connect(nodes, id("IVR"), "inputAnalysis[+]", id("Input"));
    nodes = connect(nodes, id("Condition"), "conditions[+]", id("Pause"));
    nodes = nodes.map((n) => {
      const s = n.data.state;
      if (s.type === "IVR") return { ...n, data: { state: { ...s, announcement: { type: "text", text: "1?" }, inputAnalysis: [{ ...s.inputAnalysis[0], dtmf: "1" }] } } };
      if (s.type === "VoiceMessage" || s.type === "Input") return { ...n, data: { state: { ...s, announcement: { type: "text", text: "Здравствуйте, {{phone}}" } } } };
      if (s.type === "Condition") return { ...n, data: { state: { ...s, conditions: [{ ...s.conditions[0], variable: "input", value: "1" }] } } };
      if (s.type === "HTTPRequest") return { ...n, data: { state: { ...s, host: "crm.example.ru", url: "/x" } } };
      if (s.type === "Redirection") return { ...n, data: { state: { ...s, numberB: "74951234567" } } };
      return n;
    });
    const scenario = graphToScenario(base, nodes, edgesOf(nodes));
    expect(scenario.states.find((s) => s.type === "IVR")!.inputAnalysis[0].success).toEqual({ title: "", newState: "input" });
    const [problems] = python("validate", [scenario]);
    expect(problems).toEqual([]);

    // One broken field is named in the API's path syntax and maps back to its node and field.
    const broken = graphToScenario(base, disconnect(nodes, id("Pause"), "success"), edgesOf(disconnect(nodes, id("Pause"), "success")));
    const [found] = python("validate", [broken]);
    const target = problemTarget(String(found[0]).split(":")[0]);
    expect(target).toEqual({ index: KINDS.indexOf("Pause"), field: "" });
  });

  it("renames a state together with the transitions into it, and deletes with them", () => {
    const scenario = FIXTURES["46 states"];
    const { nodes } = scenarioToGraph(scenario);
    const renamed = renameState(nodes, "s2", "yes-zero");
    expect(renamed[1].data.state.inputAnalysis[0].success.newState).toBe("yes-zero");
    const removed = removeStates(renamed, new Set(["s2"]));
    expect(removed.length).toBe(nodes.length - 1);
    expect(removed[1].data.state.inputAnalysis[0].success).toBeNull();
  });

  it("maps API problem names to a state and field", () => {
    expect(problemTarget("states[3].inputAnalysis[0].dtmf")).toEqual({ index: 3, field: "inputAnalysis[0].dtmf" });
    expect(problemTarget("states[12]")).toEqual({ index: 12, field: "" });
    expect(problemTarget("title")).toBeNull();
    expect(LIST_FIELD.IVR).toBe("inputAnalysis");
  });

  it("previews a CSV with either separator", () => {
    expect(previewCsv("\uFEFFphone;fio\n+79990000001;Иван\n")).toEqual([["phone", "fio"], ["+79990000001", "Иван"]]);
    expect(previewCsv("phone,fio\n1,2\n3,4\n", 1)).toEqual([["phone", "fio"], ["1", "2"]]);
  });
});

describe("dashboard answers per IVR branch", () => {
  it("labels a branch by its digits and words, other ways out by their field", async () => {
    const { branchLabel } = await import("../src/pages/Campaigns");
    const scenario = {
      id: "1", title: "s", type: "outgoing", customVariables: [],
      states: [{ type: "IVR", name: "ask", inputAnalysis: [{ dtmf: "1", words: "да" }, { keywords: "confirm" }] }],
    } as never;
    expect(branchLabel(scenario, "ask", "inputAnalysis[0]")).toBe("1 / да");
    expect(branchLabel(scenario, "ask", "inputAnalysis[1]")).toBe("confirm");
    expect(branchLabel(scenario, "ask", "inputAnalysis[7]")).toBe("inputAnalysis[7]");
    expect(branchLabel(null, "ask", "inputAnalysis[0]")).toBe("inputAnalysis[0]");
    expect(branchLabel(scenario, "ask", "onNoInput")).toBe("нет ввода");
  });
});

describe("graph accessibility", () => {
  it("names each edge by its states and field, not by the graph's internal ids", () => {
    const scenario = {
      title: "a11y",
      type: "outgoing",
      states: [
        { type: "Initial", name: "start", success: { title: "", newState: "bye" } },
        { type: "ReleaseCall", name: "bye" },
      ],
    } as unknown as Scenario;
    const { edges } = scenarioToGraph(scenario);
    expect(edges.map((e) => e.ariaLabel)).toEqual(["start → bye: success"]);
  });
});
