// Campaigns: the list with status and progress, the create form (CSV / XLSX upload with a
// preview and the API's per-row errors), status buttons, and a live dashboard.
import { useEffect, useState } from "react";
import { ApiError, Problem, api, cust, download } from "../api/client";
import type { components } from "../api/schema";
import type { Scenario } from "../editor/kinds";
import { Column, PagedTable, usePaged } from "../components/PagedTable";
import { t } from "../i18n";
import { go } from "../route";
import {
  Behaviour,
  CampaignFormState,
  CampaignKind,
  RESULTS,
  SimulationRule,
  campaignBody,
  emptyForm,
} from "./campaignBody";

interface Progress {
  total: number;
  pending: number;
  calling: number;
  done: number;
  failed: number;
  cancelled: number;
}

export interface Campaign {
  id: number;
  name: string;
  status: string;
  campaignType: string;
  scenarioid?: string | null;
  scenario?: { id: string } | null;
  callerNumber?: string | { id: string; number: string } | null;
  suspendedReason?: string | null;
  scheduleCallingCycleStart: string;
  scheduleCallingCycleStop: string;
  scheduleTimezone: string;
  scheduleMaxPhoneLines: string;
  scheduleAttempts: string;
  scheduleAttemptsInterval: string;
  progress: Progress;
  entryPoint?: { id: string; url: string } | null;
}

// The moves a client may ask for (docs/api.md, campaign status rules).
const MOVES: Record<string, string[]> = {
  Active: ["Paused", "Stopped"],
  Paused: ["Active", "Stopped"],
  Suspended: ["Paused", "Active", "Stopped"],
  Stopped: [],
};
const MOVE_LABEL: Record<string, string> = { Active: "resume", Paused: "pause", Stopped: "stop" };

export function Campaigns({ id }: { id?: string }) {
  if (id === "new") return <CampaignForm />;
  if (id) return <Dashboard id={Number(id)} />;
  return <CampaignList />;
}

function Bar({ progress }: { progress: Progress }) {
  const total = Math.max(progress.total, 1);
  const part = (n: number, cls: string) => <span className={cls} style={{ width: `${(100 * n) / total}%` }} />;
  return (
    <span className="bar" role="img" aria-label={`${progress.done + progress.failed + progress.cancelled}/${progress.total}`}>
      {part(progress.done, "done")}
      {part(progress.failed, "failed")}
      {part(progress.cancelled, "cancelled")}
      {part(progress.calling, "calling")}
    </span>
  );
}

export function StatusButtons({ campaign, onChange }: { campaign: Campaign; onChange: () => void }) {
  const [error, setError] = useState("");
  return (
    <span className="status-buttons">
      {(MOVES[campaign.status] ?? []).map((target) => (
        <button
          key={target}
          onClick={async () => {
            setError("");
            try {
              await api(cust(`/campaigns/${campaign.id}/statuses`), "PATCH", { status: target });
              onChange();
            } catch (e) {
              setError(e instanceof Error ? e.message : String(e));
            }
          }}
        >
          {t(MOVE_LABEL[target])}
        </button>
      ))}
      {error && <span className="error">{error}</span>}
    </span>
  );
}

function CampaignList() {
  const { rows, paging, reload } = usePaged<Campaign>(cust("/campaigns"), "campaigns", 200);
  const columns: Column<Campaign>[] = [
    { header: "ID", cell: (c) => c.id },
    { header: t("name"), cell: (c) => <a href={`#/campaigns/${c.id}`}>{c.name}</a> },
    { header: t("status"), cell: (c) => t(c.status) },
    {
      header: t("progress"),
      cell: (c) => (
        <>
          <Bar progress={c.progress} /> {c.progress.done + c.progress.failed + c.progress.cancelled}/{c.progress.total}
        </>
      ),
    },
    { header: "", cell: (c) => <StatusButtons campaign={c} onChange={reload} /> },
  ];
  return (
    <section>
      <h1>{t("campaigns")}</h1>
      <p>
        <a className="button" href="#/campaigns/new">{t("create")}</a>{" "}
        <button onClick={reload}>{t("reload")}</button>
      </p>
      <PagedTable
        label={t("campaigns")}
        columns={columns}
        rows={rows}
        rowKey={(c) => c.id}
        paging={paging}
        onOpen={(c) => go(`campaigns/${c.id}`)}
      />
    </section>
  );
}

/** The first rows of a CSV, for the preview (the server does the real parsing). */
export function previewCsv(text: string, rows = 5): string[][] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
  const separator = (lines[0] ?? "").includes(";") ? ";" : ",";
  return lines.slice(0, rows + 1).map((l) => l.split(separator).map((c) => c.trim().replace(/^"|"$/g, "")));
}

function CampaignForm() {
  const [scenarios, setScenarios] = useState<Scenario[]>([]);
  const [numbers, setNumbers] = useState<{ id: number; number: number }[]>([]);
  const [form, setForm] = useState<CampaignFormState>(emptyForm);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string[][]>([]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api<Scenario[]>(cust("/scenarios")).then((s) => {
      setScenarios(s);
      const outgoing = s.filter((one) => one.type !== "incoming");
      if (outgoing.length) setForm((f) => ({ ...f, scenario: String(outgoing[outgoing.length - 1].id) }));
    });
    void api<{ id: number; number: number }[]>(cust("/numbers")).then((n) => {
      setNumbers(n);
      if (n.length) setForm((f) => ({ ...f, callerNumber: String(n[0].id) }));
    });
  }, []);

  type TextKey = { [K in keyof CampaignFormState]: CampaignFormState[K] extends string ? K : never }[keyof CampaignFormState];
  const field = (key: TextKey, label: string, type = "text") => (
    <label>
      {label} <input name={key} type={type} value={form[key]} onChange={(e) => { const value = e.target.value; setForm((f) => ({ ...f, [key]: value })); }} />
    </label>
  );
  const wantedType = form.kind === "inbound" ? "incoming" : "outgoing";
  const fitting = scenarios.filter((s) => (s.type ?? "outgoing") === wantedType);
  const setBehaviour = (patch: Partial<Behaviour>) => setForm((f) => ({ ...f, behaviour: { ...f.behaviour, ...patch } }));
  const setRule = (i: number, patch: Partial<SimulationRule>) =>
    setForm((f) => ({ ...f, rules: f.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  async function submit() {
    setBusy(true);
    setProblems([]);
    const body = new FormData();
    body.append("campaign", JSON.stringify(campaignBody(form)));
    if (file && form.kind === "list") body.append("abonents", file, file.name);
    try {
      const created = await api<Campaign>(cust("/campaigns"), "POST", body);
      go(`campaigns/${created.id}`);
    } catch (e) {
      setProblems(e instanceof ApiError ? e.problems : [{ name: "error", message: String(e), status: 0 }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>
        {t("campaigns")}: {t("create")}
      </h1>
      <form
        className="campaign-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {field("name", t("name"))}
        <label>
          {t("campaignKind")}{" "}
          <select
            name="kind"
            value={form.kind}
            onChange={(e) => {
              const kind = e.target.value as CampaignKind;
              const type = kind === "inbound" ? "incoming" : "outgoing";
              const first = scenarios.filter((s) => (s.type ?? "outgoing") === type).at(-1);
              setForm((f) => ({ ...f, kind, scenario: first ? String(first.id) : "" }));
            }}
          >
            <option value="list">{t("kindList")}</option>
            <option value="http">{t("kindHttp")}</option>
            <option value="inbound">{t("kindInbound")}</option>
          </select>
        </label>
        <label>
          {t("scenario")}{" "}
          <select name="scenario" value={form.scenario} onChange={(e) => { const value = e.target.value; setForm((f) => ({ ...f, scenario: value })); }}>
            {fitting.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}: {s.title} {s.isValid === "true" ? "" : "✗"}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("callerNumber")}{" "}
          <select name="callerNumber" value={form.callerNumber} onChange={(e) => { const value = e.target.value; setForm((f) => ({ ...f, callerNumber: value })); }}>
            {numbers.map((n) => (
              <option key={n.id} value={n.id}>{n.number}</option>
            ))}
          </select>
        </label>
        {!numbers.length && <p className="error">{t("noNumber")}</p>}
        {field("startDate", t("startDate"), "datetime-local")}
        {field("stopDate", t("stopDate"), "datetime-local")}
        {form.kind !== "inbound" && (
          <>
            {field("scheduleCallingCycleStart", `${t("window")} ${t("from")}`, "time")}
            {field("scheduleCallingCycleStop", `${t("window")} ${t("to")}`, "time")}
            {field("scheduleTimezone", t("timezone"))}
            {field("scheduleMaxPhoneLines", t("lines"), "number")}
            {field("scheduleAttempts", t("attempts"), "number")}
            {field("scheduleAttemptsInterval", t("interval"), "number")}
          </>
        )}
        {form.kind === "list" && (
          <label>
            {t("abonentsFile")}{" "}
            <input
              name="abonents"
              type="file"
              accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => {
                const chosen = e.target.files?.[0] ?? null;
                setFile(chosen);
                setPreview([]);
                // An XLSX is read by the API; its per-row errors name the sheet's rows.
                // Only the file's start is read: the preview shows a few rows of a file of any size.
                if (chosen && !chosen.name.toLowerCase().endsWith(".xlsx"))
                  void chosen.slice(0, 64 * 1024).text().then((text) => setPreview(previewCsv(text)));
              }}
            />
          </label>
        )}
        {form.kind === "list" && preview.length > 0 && (
          <table className="preview" aria-label={t("preview")}>
            <tbody>
              {preview.map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) => (i === 0 ? <th key={j}>{cell}</th> : <td key={j}>{cell}</td>))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <fieldset className="simulation">
          <legend>{t("simulation")}</legend>
          <label>
            <input type="checkbox" name="simulate" checked={form.simulate} onChange={(e) => { const checked = e.target.checked; setForm((f) => ({ ...f, simulate: checked })); }} />{" "}
            {t("simulateCustom")}
          </label>
          {form.simulate && (
            <>
              {field("seed", t("seed"), "number")}
              <BehaviourFields prefix="default" value={form.behaviour} onChange={setBehaviour} />
              {form.rules.map((rule, i) => (
                <div className="sim-rule" key={i} role="group" aria-label={`${t("rule")} ${i + 1}`}>
                  <label>
                    {t("match")}{" "}
                    <input name={`rules[${i}].match`} value={rule.match} placeholder="+7999*" onChange={(e) => setRule(i, { match: e.target.value })} />
                  </label>
                  <BehaviourFields prefix={`rules[${i}]`} value={rule} onChange={(patch) => setRule(i, patch)} />
                  <button type="button" onClick={() => setForm((f) => ({ ...f, rules: f.rules.filter((_, j) => j !== i) }))}>
                    {t("remove")}
                  </button>
                </div>
              ))}
              <button
                type="button"
                onClick={() => setForm((f) => ({ ...f, rules: [...f.rules, { match: "", result: "busy", answerDelay: "", inputs: "" }] }))}
              >
                + {t("rule")}
              </button>
            </>
          )}
        </fieldset>
        {problems.length > 0 && (
          <ul className="field-problems" role="alert">
            {problems.map((p, i) => (
              <li key={i} className="error">
                {p.name}: {p.message}
              </li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={busy}>{t("create")}</button>
      </form>
    </section>
  );
}

function BehaviourFields({ prefix, value, onChange }: { prefix: string; value: Behaviour; onChange: (patch: Partial<Behaviour>) => void }) {
  return (
    <>
      <label>
        {t("behaviour")}{" "}
        <select name={`${prefix}.result`} value={value.result} onChange={(e) => onChange({ result: e.target.value })}>
          {RESULTS.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        {t("answerDelay")}{" "}
        <input name={`${prefix}.answerDelay`} type="number" min={0} value={value.answerDelay} onChange={(e) => onChange({ answerDelay: e.target.value })} />
      </label>
      <label>
        {t("inputs")}{" "}
        <input name={`${prefix}.inputs`} value={value.inputs} placeholder="1, да" onChange={(e) => onChange({ inputs: e.target.value })} />
      </label>
    </>
  );
}

type Stats = components["schemas"]["CampaignStats"];

/** A branch's label on the dashboard: `inputAnalysis[1]` of an IVR reads as its digits / words. */
export function branchLabel(scenario: Scenario | null, state: string, transition: string): string {
  const match = /^inputAnalysis\[(\d+)\]$/.exec(transition);
  if (!match) return t(transition);
  const branch = scenario?.states.find((s) => s.name === state)?.inputAnalysis;
  const item = Array.isArray(branch) ? branch[Number(match[1])] : undefined;
  if (!item || typeof item !== "object" || Array.isArray(item)) return transition;
  const said = [item.dtmf, item.words, item.keywords].filter((v) => typeof v === "string" && v).join(" / ");
  return said || transition;
}

function Dashboard({ id }: { id: number }) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [scenario, setScenario] = useState<Scenario | null>(null);
  const [error, setError] = useState("");

  // Live: the campaign and its figures (counters the database keeps as calls end: milliseconds
  // whatever the campaign's size) without reloading the page, asked again two seconds after each
  // answer (never two requests at once); a status change asks at once.
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): Promise<void> =>
      Promise.all([api<Campaign>(cust(`/campaigns/${id}`)), api<Stats>(cust(`/campaigns/${id}/stats`))])
        .then(
          ([current, figures]) => {
            if (!live) return;
            setCampaign(current);
            setStats(figures);
          },
          (e: unknown) => {
            if (live) setError(e instanceof Error ? e.message : String(e));
          },
        )
        .finally(() => {
          if (live) timer = setTimeout(() => void load(), 2000);
        });
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, asked]);
  const scenarioId = campaign?.scenario?.id;
  useEffect(() => {
    if (scenarioId) void api<Scenario>(cust(`/scenarios/${scenarioId}`)).then(setScenario).catch(() => undefined);
  }, [scenarioId]);

  if (!campaign) return <p>{error || t("loading")}</p>;
  const p = campaign.progress;
  const finished = p.pending === 0 && p.calling === 0 && p.total > 0;
  const outcomes = stats?.outcomes ?? [];
  const max = Math.max(1, ...outcomes.map((o) => o.calls));
  const questions = new Map<string, { label: string; calls: number }[]>();
  for (const b of stats?.answers ?? []) {
    const rows = questions.get(b.state) ?? [];
    rows.push({ label: branchLabel(scenario, b.state, b.transition), calls: b.calls });
    questions.set(b.state, rows);
  }
  return (
    <section className="dashboard">
      <p>
        <a href="#/campaigns">← {t("campaigns")}</a>
      </p>
      <h1>
        {campaign.name} <small className={`status status-${campaign.status}`}>{t(campaign.status)}</small>
      </h1>
      {campaign.suspendedReason && <p className="error">{campaign.suspendedReason}</p>}
      {campaign.entryPoint?.url && (
        <p>
          {t("entryPoint")}: <code>POST {campaign.entryPoint.url}</code>
        </p>
      )}
      <p>
        <StatusButtons campaign={campaign} onChange={() => setAsked((n) => n + 1)} />{" "}
        <button onClick={() => void download(cust(`/reports/${id}/download?format=csv`), `report-${id}.csv`)} id="report-csv">
          {t("report")} CSV
        </button>{" "}
        <button onClick={() => void download(cust(`/reports/${id}/download`), `report-${id}.xlsx`)}>{t("report")} XLSX</button>{" "}
        <a href={`#/history?campaign=${id}`}>{t("history")}</a>
      </p>
      <div className="tiles" aria-live="polite">
        <div className="tile"><span>{t("inFlight")}</span><strong id="tile-calling">{p.calling}</strong></div>
        <div className="tile"><span>{t("waiting")}</span><strong id="tile-pending">{p.pending}</strong></div>
        <div className="tile"><span>{t("done")}</span><strong id="tile-done">{p.done}</strong></div>
        <div className="tile"><span>{t("failed")}</span><strong id="tile-failed">{p.failed}</strong></div>
        <div className="tile"><span>{t("cancelled")}</span><strong>{p.cancelled}</strong></div>
        <div className="tile"><span>{t("total")}</span><strong id="tile-total">{p.total}</strong></div>
        <div className="tile"><span>{t("spent")}</span><strong id="tile-spent">{stats ? stats.spent : "—"}</strong></div>
      </div>
      <p id="campaign-finished">{finished ? `✓ ${t("done")}` : ""}</p>
      <h2>{t("outcomes")} ({stats?.callsEnded ?? 0})</h2>
      <div className="chart" role="img" aria-label={t("outcomes")}>
        {outcomes.map((o) => (
          <div key={o.status} className="chart-row">
            <span className="chart-label">{o.status}</span>
            <span className={`chart-bar status-${o.status}`} style={{ width: `${(100 * o.calls) / max}%` }} />
            <span>{o.calls}</span>
          </div>
        ))}
      </div>
      {questions.size > 0 && (
        <>
          <h2>{t("branches")}</h2>
          <div className="chart" id="answers">
            {[...questions].map(([question, rows]) => {
              const top = Math.max(1, ...rows.map((r) => r.calls));
              return (
                <div key={question}>
                  <h3>{question}</h3>
                  {rows.map((r) => (
                    <div key={r.label} className="chart-row">
                      <span className="chart-label">{r.label}</span>
                      <span className="chart-bar" style={{ width: `${(100 * r.calls) / top}%` }} />
                      <span>{r.calls}</span>
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </>
      )}
    </section>
  );
}
