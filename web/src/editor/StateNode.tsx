import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { t } from "../i18n";
import { Kind, LIST_FIELD, State, kindOf } from "./kinds";
import { branchLabel, targetOf, transitionFields } from "./mapping";

export interface StateNodeData extends Record<string, unknown> {
  state: State;
  problems?: string[];
  lit?: boolean;
}

function summary(state: State, kind: Kind): string {
  if (state.announcement?.text) return state.announcement.text;
  if (state.announcement?.file) return `♪ ${state.announcement.file}`;
  if (kind === "HTTPRequest") return `${state.method ?? "GET"} ${state.host ?? ""}${state.url ?? ""}`;
  if (kind === "Redirection") return state.numberB || state.sipUri || "";
  if (kind === "Pause") return `${state.timeout ?? 1} s`;
  if (kind === "OutgoingCall") return state.phone ?? "";
  return "";
}

export function fieldLabel(state: State, field: string): string {
  return /\[/.test(field) ? branchLabel(state, field) : t(field);
}

export const StateNode = memo(function StateNode({ data, selected }: NodeProps) {
  const { state, problems, lit } = data as StateNodeData;
  const kind = kindOf(state);
  const fields = transitionFields(state);
  const handles = fields.map((f) => f.field);
  const targets = new Map(fields.map((f) => [f.field, targetOf(f.value) ?? ""]));
  const list = LIST_FIELD[kind];
  if (list) handles.push(`${list}[+]`);
  const classes = ["state-node", `kind-${kind}`];
  if (problems?.length) classes.push("has-problems");
  if (lit) classes.push("lit");
  if (selected) classes.push("selected");
  return (
    <div className={classes.join(" ")} data-state={state.name} title={problems?.join("\n")}>
      <Handle type="target" position={Position.Top} />
      <div className="node-kind">{kind}</div>
      <div className="node-name">{state.name}</div>
      <div className="node-summary">{summary(state, kind)}</div>
      {problems?.length ? (
        <div className="node-problems" role="note">
          ⚠ {problems[0]}
          {problems.length > 1 ? ` (+${problems.length - 1})` : ""}
        </div>
      ) : null}
      <div className="node-handles">
        {handles.map((field) => (
          <div key={field} className="node-handle" data-field={field} data-target={targets.get(field) ?? ""}>
            <span>{field.endsWith("[+]") ? "+" : fieldLabel(state, field)}</span>
            <Handle id={field} type="source" position={Position.Bottom} className={`handle-${field.replace(/\W/g, "_")}`} />
          </div>
        ))}
      </div>
    </div>
  );
});
