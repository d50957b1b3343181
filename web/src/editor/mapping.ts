// Scenario JSON ⇄ graph. The scenario stays the source of truth: nodes carry their state,
// edges are derived from transition fields, and writing back touches only what changed, so
// JSON → graph → JSON gives the same scenario (positions aside).
import { Json, Kind, LIST_FIELD, Scenario, State, TRANSITIONS, kindOf } from "./kinds";

export interface GraphNode {
  id: string;
  position: { x: number; y: number };
  data: { state: State };
  type: "state";
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string; // the transition field: "success", "inputAnalysis[2]" …
  label: string;
  ariaLabel: string; // "start → bye: success"
}

/** The target name of a transition value (`{newState}`, a bare name, or none). */
export function targetOf(value: Json): string | null {
  if (!value) return null;
  if (typeof value === "string") return value;
  if (typeof value === "object" && typeof value.newState === "string" && value.newState) {
    return value.newState;
  }
  return null;
}

/** Every transition field of a state with its current value, in a stable order. */
export function transitionFields(state: State): { field: string; value: Json }[] {
  const kind = kindOf(state);
  const fields = TRANSITIONS[kind].map((field) => ({ field, value: state[field] }));
  // Unknown extra fields that hold a transition object (real clients send more) are edges too.
  for (const [key, value] of Object.entries(state)) {
    if (TRANSITIONS[kind].includes(key) || key === "announcement") continue;
    if (value && typeof value === "object" && !Array.isArray(value) && "newState" in value) {
      fields.push({ field: key, value });
    }
  }
  const list = LIST_FIELD[kind];
  if (list && Array.isArray(state[list])) {
    state[list].forEach((item: Json, index: number) =>
      fields.push({ field: `${list}[${index}]`, value: item?.success }),
    );
  }
  return fields;
}

export function branchLabel(state: State, field: string): string {
  const match = /^(inputAnalysis|conditions)\[(\d+)\]$/.exec(field);
  if (!match) return field;
  const item = state[match[1]]?.[Number(match[2])] ?? {};
  if (match[1] === "conditions") {
    return `${item.variable ?? ""} ${item.operator ?? "eq"} ${item.value ?? ""}`.trim();
  }
  const keywords = (item.keywords ?? []).map((k: Json) => (k.lost ? "¬" : "") + (k.name ?? k.id));
  const parts = [item.dtmf, item.words, ...keywords].filter((p) => p !== undefined && p !== null && p !== "");
  return parts.join(" / ") || `#${Number(match[2]) + 1}`;
}

let counter = 0;
export function newId(): string {
  counter += 1;
  return `n${Date.now().toString(36)}${counter}`;
}

export function scenarioToGraph(
  scenario: Scenario,
  label: (state: State, field: string) => string = branchLabel,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = scenario.states.map((state, index) => ({
    id: `s${index}`,
    type: "state",
    position: { x: Number(state.x ?? 0), y: Number(state.y ?? 0) },
    data: { state },
  }));
  return { nodes, edges: edgesOf(nodes, label) };
}

export function edgesOf(
  nodes: GraphNode[],
  label: (state: State, field: string) => string = branchLabel,
): GraphEdge[] {
  const byName = new Map<string, string>();
  for (const node of nodes) if (!byName.has(node.data.state.name)) byName.set(node.data.state.name, node.id);
  const edges: GraphEdge[] = [];
  for (const node of nodes) {
    for (const { field, value } of transitionFields(node.data.state)) {
      const target = byName.get(targetOf(value) ?? "");
      if (!target) continue;
      edges.push({
        id: `${node.id}:${field}`,
        source: node.id,
        target,
        sourceHandle: field,
        label: label(node.data.state, field),
        // Read out by screen readers and shown nowhere else: names, not the graph's internal ids.
        ariaLabel: `${node.data.state.name} → ${targetOf(value)}: ${label(node.data.state, field)}`,
      });
    }
  }
  return edges;
}

/** The transition value for `target`, keeping the old value's shape and title when unchanged. */
function transitionValue(old: Json, target: string | null): Json {
  if (targetOf(old) === target) return old;
  if (target === null) return null;
  const title = old && typeof old === "object" ? (old.title ?? "") : "";
  return { ...(old && typeof old === "object" ? old : {}), title, newState: target };
}

/** Set one transition field (plain or `list[i]`) of a state to point at `target`. */
export function withTransition(state: State, field: string, target: string | null): State {
  const match = /^(inputAnalysis|conditions)\[(\d+)\]$/.exec(field);
  if (!match) return { ...state, [field]: transitionValue(state[field], target) };
  const list = [...(state[match[1]] ?? [])];
  const index = Number(match[2]);
  list[index] = { ...list[index], success: transitionValue(list[index]?.success, target) };
  return { ...state, [match[1]]: list };
}

/** The scenario the graph shows: states in node order, positions and edges written back. */
export function graphToScenario(base: Scenario, nodes: GraphNode[], edges: GraphEdge[]): Scenario {
  const nameOf = new Map(nodes.map((n) => [n.id, n.data.state.name]));
  const states = nodes.map((node) => {
    let state: State = { ...node.data.state };
    const outgoing = new Map(
      edges.filter((e) => e.source === node.id).map((e) => [e.sourceHandle, nameOf.get(e.target) ?? null]),
    );
    for (const { field, value } of transitionFields(state)) {
      const target = outgoing.get(field) ?? null;
      // A dangling name (no such state yet) is the author's to fix: keep it for validation.
      const dangling = target === null && targetOf(value) !== null && ![...nameOf.values()].includes(targetOf(value)!);
      if (!dangling) state = withTransition(state, field, target);
    }
    state.x = Math.round(node.position.x);
    state.y = Math.round(node.position.y);
    return state;
  });
  return { ...base, states };
}

/** Rename a state and every transition that points at it. */
export function renameState(nodes: GraphNode[], id: string, name: string): GraphNode[] {
  const old = nodes.find((n) => n.id === id)?.data.state.name;
  return nodes.map((node) => {
    let state = node.id === id ? { ...node.data.state, name } : node.data.state;
    if (old !== undefined && old !== name) {
      for (const { field, value } of transitionFields(state)) {
        if (targetOf(value) === old) state = withTransition(state, field, name);
      }
    }
    return state === node.data.state ? node : { ...node, data: { state } };
  });
}

/** Point `field` of node `source` at node `target` (what drawing an edge does). */
export function connect(nodes: GraphNode[], source: string, field: string, target: string): GraphNode[] {
  const targetName = nodes.find((n) => n.id === target)?.data.state.name ?? null;
  return nodes.map((node) => {
    if (node.id !== source) return node;
    let state = node.data.state;
    const kind: Kind = kindOf(state);
    const list = LIST_FIELD[kind];
    let key = field;
    if (list && field === `${list}[+]`) {
      const items = [...(state[list] ?? []), list === "inputAnalysis" ? { dtmf: "" } : { variable: "", operator: "eq", value: "" }];
      state = { ...state, [list]: items };
      key = `${list}[${items.length - 1}]`;
    }
    return { ...node, data: { state: withTransition(state, key, targetName) } };
  });
}

/** Remove a transition (what deleting an edge does). */
export function disconnect(nodes: GraphNode[], source: string, field: string): GraphNode[] {
  return nodes.map((node) =>
    node.id === source ? { ...node, data: { state: withTransition(node.data.state, field, null) } } : node,
  );
}

/** Remove states and every transition that pointed at them. */
export function removeStates(nodes: GraphNode[], ids: Set<string>): GraphNode[] {
  const gone = new Set(nodes.filter((n) => ids.has(n.id)).map((n) => n.data.state.name));
  return nodes
    .filter((n) => !ids.has(n.id))
    .map((node) => {
      let state = node.data.state;
      for (const { field, value } of transitionFields(state)) {
        if (gone.has(targetOf(value) ?? "")) state = withTransition(state, field, null);
      }
      return state === node.data.state ? node : { ...node, data: { state } };
    });
}

/** Which node and field a validation problem names (`states[3].inputAnalysis[0].dtmf`). */
export function problemTarget(name: string): { index: number; field: string } | null {
  const match = /^states\[(\d+)\](?:\.(.+))?$/.exec(name);
  return match ? { index: Number(match[1]), field: match[2] ?? "" } : null;
}

/** True when some state has no position: such scenarios get an automatic layout. */
export function needsLayout(scenario: Scenario): boolean {
  return scenario.states.some((s) => s.x === undefined || s.x === null || s.y === undefined || s.y === null);
}
