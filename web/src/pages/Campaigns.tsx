// Campaigns: the list with status and progress, the create form (CSV / XLSX upload with a
// preview and the API's per-row errors), status buttons, and a live dashboard.
import { useEffect, useState } from "react";
import { ApiError, Problem, api, cust, download, page, raw } from "../api/client";
import type { Scenario } from "../editor/kinds";
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
import { ReportSummary, summarise } from "./report";

// Above this many abonents the dashboard stops re-reading the whole report every few seconds.
const LIVE_REPORT_LIMIT = 5000;

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
  const [items, setItems] = useState<Campaign[] | null>(null);
  const [offset, setOffset] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const size = 50;
  const load = () =>
    void page<Campaign>(cust("/campaigns"), "campaigns", offset, size).then((p) => {
      setItems(p.items);
      setTotal(p.total);
    });
  useEffect(load, [offset]);
  return (
    <section>
      <h1>{t("campaigns")}</h1>
      <p>
        <a className="button" href="#/campaigns/new">{t("create")}</a>{" "}
        <button onClick={load}>{t("reload")}</button>
      </p>
      {items === null ? (
        <p>{t("loading")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>ID</th>
              <th>{t("name")}</th>
              <th>{t("status")}</th>
              <th>{t("progress")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{c.id}</td>
                <td>
                  <a href={`#/campaigns/${c.id}`}>{c.name}</a>
                </td>
                <td>{c.status}</td>
                <td>
                  <Bar progress={c.progress} /> {c.progress.done + c.progress.failed + c.progress.cancelled}/{c.progress.total}
                </td>
                <td>
                  <StatusButtons campaign={c} onChange={load} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} size={size} total={total} count={items?.length ?? 0} onOffset={setOffset} />
    </section>
  );
}

export function Pager(props: { offset: number; size: number; total: number | null; count: number; onOffset: (n: number) => void }) {
  const { offset, size, total, count, onOffset } = props;
  return (
    <nav className="pager" aria-label="pages">
      <button disabled={offset === 0} onClick={() => onOffset(0)} aria-label={t("first")}>⇤</button>
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - size))}>{t("prev")}</button>
      <span>
        {count ? `${offset + 1}–${offset + count}` : "0"} / {total ?? "…"}
      </span>
      <button disabled={count < size || (total !== null && offset + size >= total)} onClick={() => onOffset(offset + size)}>
        {t("next")}
      </button>
      {/* A list of 100,000 rows is one Range request away from its end (the API counts it). */}
      <button
        disabled={total === null || offset + size >= total}
        onClick={() => total !== null && onOffset(Math.max(0, Math.floor((total - 1) / size) * size))}
        aria-label={t("last")}
      >
        ⇥
      </button>
    </nav>
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
      {label} <input name={key} type={type} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </label>
  );
  const wantedType = form.kind === "inbound" ? "incoming" : "outgoing";
  const fitting = scenarios.filter((s) => (s.type ?? "outgoing") === wantedType);
  const setBehaviour = (patch: Partial<Behaviour>) => setForm({ ...form, behaviour: { ...form.behaviour, ...patch } });
  const setRule = (i: number, patch: Partial<SimulationRule>) =>
    setForm({ ...form, rules: form.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) });

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
              setForm({ ...form, kind, scenario: first ? String(first.id) : "" });
            }}
          >
            <option value="list">{t("kindList")}</option>
            <option value="http">{t("kindHttp")}</option>
            <option value="inbound">{t("kindInbound")}</option>
          </select>
        </label>
        <label>
          {t("scenario")}{" "}
          <select name="scenario" value={form.scenario} onChange={(e) => setForm({ ...form, scenario: e.target.value })}>
            {fitting.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}: {s.title} {s.isValid === "true" ? "" : "✗"}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("callerNumber")}{" "}
          <select name="callerNumber" value={form.callerNumber} onChange={(e) => setForm({ ...form, callerNumber: e.target.value })}>
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
            <input type="checkbox" name="simulate" checked={form.simulate} onChange={(e) => setForm({ ...form, simulate: e.target.checked })} />{" "}
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
                  <button type="button" onClick={() => setForm({ ...form, rules: form.rules.filter((_, j) => j !== i) })}>
                    {t("remove")}
                  </button>
                </div>
              ))}
              <button
                type="button"
                onClick={() => setForm({ ...form, rules: [...form.rules, { match: "", result: "busy", answerDelay: "", inputs: "" }] })}
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

interface HistoryRow {
  status: number;
  callDuration: number;
}

function Dashboard({ id }: { id: number }) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, number>>({});
  const [calls, setCalls] = useState(0);
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [error, setError] = useState("");

  const load = async () => {
    try {
      const current = await api<Campaign>(cust(`/campaigns/${id}`));
      setCampaign(current);
      if (current.progress.total <= LIVE_REPORT_LIMIT) {
        const csv = await raw(cust(`/reports/${id}/download?format=csv`));
        setReport(summarise(await csv.text()));
      }
      // Outcomes from the call history's first 1,000 rows (the dashboard's chart).
      const history = await page<HistoryRow>(cust(`/callhistory?campaignId=${id}`), "callhistory", 0, 1000);
      const counts: Record<string, number> = {};
      for (const row of history.items) counts[row.status] = (counts[row.status] ?? 0) + 1;
      setOutcomes(counts);
      setCalls(history.total ?? history.items.length);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [id]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!campaign) return <p>{error || t("loading")}</p>;
  const p = campaign.progress;
  const finished = p.pending === 0 && p.calling === 0 && p.total > 0;
  const max = Math.max(1, ...Object.values(outcomes));
  return (
    <section className="dashboard">
      <p>
        <a href="#/campaigns">← {t("campaigns")}</a>
      </p>
      <h1>
        {campaign.name} <small className={`status status-${campaign.status}`}>{campaign.status}</small>
      </h1>
      {campaign.suspendedReason && <p className="error">{campaign.suspendedReason}</p>}
      {campaign.entryPoint?.url && (
        <p>
          {t("entryPoint")}: <code>POST {campaign.entryPoint.url}</code>
        </p>
      )}
      <p>
        <StatusButtons campaign={campaign} onChange={() => void load()} />{" "}
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
        <div className="tile"><span>{t("spent")}</span><strong id="tile-spent">{report ? report.spent.toFixed(2) : "—"}</strong></div>
      </div>
      <p id="campaign-finished">{finished ? `✓ ${t("done")}` : ""}</p>
      <h2>{t("outcomes")} ({calls})</h2>
      <div className="chart" role="img" aria-label={t("outcomes")}>
        {Object.entries(outcomes).map(([status, n]) => (
          <div key={status} className="chart-row">
            <span className="chart-label">{status}</span>
            <span className={`chart-bar status-${status}`} style={{ width: `${(100 * n) / max}%` }} />
            <span>{n}</span>
          </div>
        ))}
      </div>
      {report && Object.keys(report.answers).length > 0 && (
        <>
          <h2>{t("branches")}</h2>
          <div className="chart" id="answers">
            {Object.entries(report.answers).map(([question, counts]) => {
              const top = Math.max(1, ...Object.values(counts));
              return (
                <div key={question}>
                  <h3>{question}</h3>
                  {Object.entries(counts).map(([answer, n]) => (
                    <div key={answer} className="chart-row">
                      <span className="chart-label">{answer}</span>
                      <span className="chart-bar" style={{ width: `${(100 * n) / top}%` }} />
                      <span>{n}</span>
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </>
      )}
      {p.total > LIVE_REPORT_LIMIT && <p>{t("report")}: CSV / XLSX</p>}
    </section>
  );
}
