// The side panel: one form for every field of the selected state's kind.
import { useState } from "react";
import { raw, cust } from "../api/client";
import { fieldName, t } from "../i18n";
import { FIELDS, FieldSpec, Json, OPERATORS, State, kindOf } from "./kinds";
import { targetOf, transitionFields } from "./mapping";
import { fieldLabel } from "./StateNode";

export interface Keyword {
  id: string;
  name: string;
}

interface Props {
  state: State;
  names: string[];
  problems: { field: string; message: string }[];
  variables: string[];
  keywords: Keyword[];
  voice: Record<string, unknown>;
  onChange: (state: State) => void;
  onRename: (name: string) => void;
  onTarget: (field: string, target: string | null) => void;
  onDelete: () => void;
}

const SYSTEM_VARIABLES = ["phone", "callId", "campaignId", "attempt", "lastInput", "now"];

function FieldProblems({ items }: { items: string[] }) {
  if (!items.length) return null;
  return (
    <ul className="field-problems">
      {items.map((m, i) => (
        <li key={i} className="error">{m}</li>
      ))}
    </ul>
  );
}

function MapEditor({ value, onChange, id }: { value: Record<string, string>; onChange: (v: Record<string, string>) => void; id: string }) {
  const entries = Object.entries(value ?? {});
  const set = (rows: [string, string][]) => onChange(Object.fromEntries(rows));
  return (
    <div className="map-editor" id={id}>
      {entries.map(([k, v], i) => (
        <div key={i} className="row">
          <input aria-label={t("key")} value={k} onChange={(e) => set(entries.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <input aria-label={t("value")} value={String(v ?? "")} onChange={(e) => set(entries.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button type="button" onClick={() => set(entries.filter((_, j) => j !== i))} aria-label={t("remove")}>×</button>
        </div>
      ))}
      <button type="button" onClick={() => set([...entries, [`key${entries.length + 1}`, ""]])}>{t("add")}</button>
    </div>
  );
}

export function StateForm(props: Props) {
  const { state, names, problems, variables, keywords, voice, onChange, onRename, onTarget, onDelete } = props;
  const [preview, setPreview] = useState<{ url?: string; error?: string }>({});

  async function listen(text: string) {
    setPreview({});
    try {
      const response = await raw(cust("/speech/preview"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text, settings: voice }),
      });
      setPreview({ url: URL.createObjectURL(await response.blob()) });
    } catch (e) {
      setPreview({ error: e instanceof Error ? e.message : String(e) });
    }
  }
  const kind = kindOf(state);
  const problemsOf = (prefix: string) =>
    problems.filter((p) => p.field === prefix || p.field.startsWith(prefix + ".") || p.field.startsWith(prefix + "[")).map((p) => p.message);
  const set = (key: string, value: Json) => onChange({ ...state, [key]: value });
  const hints = [...variables, ...SYSTEM_VARIABLES];

  function renderField(spec: FieldSpec) {
    const id = `field-${spec.key}`;
    const value = state[spec.key];
    const label = <label htmlFor={id}>{fieldName(spec.key)} <code className="api-key">{spec.key}</code></label>;
    switch (spec.type) {
      case "bool":
        return (
          <label className="check">
            <input id={id} type="checkbox" checked={value === true || value === "true"} onChange={(e) => set(spec.key, e.target.checked)} /> {fieldName(spec.key)} <code className="api-key">{spec.key}</code>
          </label>
        );
      case "number":
        return (
          <>
            {label}
            <input id={id} type="number" value={value ?? ""} onChange={(e) => set(spec.key, e.target.value === "" ? null : Number(e.target.value))} />
          </>
        );
      case "select":
        return (
          <>
            {label}
            <select id={id} value={value ?? spec.options![0]} onChange={(e) => set(spec.key, e.target.value)}>
              {spec.options!.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </>
        );
      case "textarea":
        return (
          <>
            {label}
            <textarea id={id} value={value ?? ""} onChange={(e) => set(spec.key, e.target.value)} />
          </>
        );
      case "map":
        return (
          <>
            {label}
            <MapEditor id={id} value={value} onChange={(v) => set(spec.key, v)} />
          </>
        );
      case "announcement": {
        const a = value ?? { type: "text", text: "" };
        return (
          <fieldset>
            <legend>{fieldName("announcement")} <code className="api-key">announcement</code></legend>
            <select aria-label={t("type")} value={a.type ?? "text"} onChange={(e) => set("announcement", { ...a, type: e.target.value })}>
              <option value="text">{t("text")}</option>
              <option value="file">{t("file")}</option>
            </select>
            {a.type === "file" ? (
              <input aria-label={t("file")} id="field-announcement-file" value={a.file ?? ""} onChange={(e) => set("announcement", { ...a, file: e.target.value })} />
            ) : (
              <textarea aria-label={t("text")} id="field-announcement-text" value={a.text ?? ""} onChange={(e) => set("announcement", { ...a, text: e.target.value })} />
            )}
            {a.type !== "file" && (
              <button type="button" onClick={() => void listen(a.text ?? "")} disabled={!a.text} id="listen">
                {t("listen")}
              </button>
            )}
            {preview.url && <audio controls autoPlay src={preview.url} id="preview-audio" />}
            {preview.error && <p className="error">{preview.error}</p>}
            <div className="hints" aria-label={t("hint")}>
              {hints.map((v) => (
                <button type="button" key={v} className="chip" onClick={() => set("announcement", { ...a, type: "text", text: `${a.text ?? ""}{{${v}}}` })}>
                  {`{{${v}}}`}
                </button>
              ))}
            </div>
          </fieldset>
        );
      }
      case "branches": {
        const items: Json[] = value ?? [];
        const update = (i: number, patch: Json) => set("inputAnalysis", items.map((b, j) => (j === i ? { ...b, ...patch } : b)));
        return (
          <fieldset>
            <legend>{fieldName("inputAnalysis")} <code className="api-key">inputAnalysis</code></legend>
            {items.map((b, i) => (
              <div key={i} className="branch">
                <label>
                  {t("dtmf")} <input className="branch-dtmf" value={b.dtmf ?? ""} onChange={(e) => update(i, { dtmf: e.target.value })} />
                </label>
                <label>
                  {t("words")} <input value={b.words ?? ""} onChange={(e) => update(i, { words: e.target.value })} />
                </label>
                <label>
                  {t("keywords")}{" "}
                  <select
                    multiple
                    value={(b.keywords ?? []).map((k: Json) => String(k.id ?? k.name))}
                    onChange={(e) => update(i, { keywords: [...e.target.selectedOptions].map((o) => ({ id: o.value, name: o.text, lost: false })) })}
                  >
                    {keywords.map((k) => (
                      <option key={k.id} value={k.id}>{k.name}</option>
                    ))}
                  </select>
                </label>
                <FieldProblems items={problemsOf(`inputAnalysis[${i}]`)} />
                <button type="button" onClick={() => set("inputAnalysis", items.filter((_, j) => j !== i))}>{t("remove")}</button>
              </div>
            ))}
            <button type="button" onClick={() => set("inputAnalysis", [...items, { dtmf: String(items.length + 1), words: "", keywords: [], success: null }])}>{t("add")}</button>
          </fieldset>
        );
      }
      case "conditions": {
        const items: Json[] = value ?? [];
        const update = (i: number, patch: Json) => set("conditions", items.map((c, j) => (j === i ? { ...c, ...patch } : c)));
        return (
          <fieldset>
            <legend>{fieldName("conditions")} <code className="api-key">conditions</code></legend>
            {items.map((c, i) => (
              <div key={i} className="branch">
                <input aria-label="variable" value={c.variable ?? ""} onChange={(e) => update(i, { variable: e.target.value })} />
                <select aria-label="operator" value={c.operator ?? "eq"} onChange={(e) => update(i, { operator: e.target.value })}>
                  {OPERATORS.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
                <input aria-label={t("value")} value={c.value ?? ""} onChange={(e) => update(i, { value: e.target.value })} />
                <FieldProblems items={problemsOf(`conditions[${i}]`)} />
                <button type="button" onClick={() => set("conditions", items.filter((_, j) => j !== i))}>{t("remove")}</button>
              </div>
            ))}
            <button type="button" onClick={() => set("conditions", [...items, { variable: "", operator: "eq", value: "", success: null }])}>{t("add")}</button>
          </fieldset>
        );
      }
      default:
        return (
          <>
            {label}
            <input id={id} value={value ?? ""} onChange={(e) => set(spec.key, e.target.value)} />
          </>
        );
    }
  }

  return (
    <form className="state-form" onSubmit={(e) => e.preventDefault()} aria-label={`${kind} ${state.name}`}>
      <h2>
        {kind}: {state.name}
      </h2>
      <FieldProblems items={problems.filter((p) => p.field === "" || p.field === "type").map((p) => p.message)} />
      <label htmlFor="field-name">{t("name")}</label>
      <input id="field-name" value={state.name} onChange={(e) => onRename(e.target.value)} />
      <FieldProblems items={problemsOf("name")} />
      {FIELDS[kind].map((spec) => (
        <div key={spec.key} className="field">
          {renderField(spec)}
          {spec.type !== "branches" && spec.type !== "conditions" && <FieldProblems items={problemsOf(spec.key)} />}
        </div>
      ))}
      <fieldset>
        <legend>{t("trace")}</legend>
        {transitionFields(state).map(({ field, value }) => (
          <div key={field} className="field">
            <label htmlFor={`target-${field}`}>{fieldLabel(state, field)}</label>
            <select id={`target-${field}`} value={targetOf(value) ?? ""} onChange={(e) => onTarget(field, e.target.value || null)}>
              <option value="">—</option>
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
            <FieldProblems items={problems.filter((p) => p.field === field).map((p) => p.message)} />
          </div>
        ))}
      </fieldset>
      <button type="button" className="danger" onClick={onDelete}>{t("delete")}</button>
    </form>
  );
}
