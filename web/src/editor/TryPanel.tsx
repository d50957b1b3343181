// Run the scenario once on the simulator through the public API, then show the call's trace (the
// path to light on the graph). An outgoing scenario: a one-abonent campaign with a chosen
// subscriber behaviour. An incoming one: an inbound campaign on the chosen number, rung once by a
// simulated caller (`POST …/campaigns/{id}/simulated-calls`) with the inputs given.
import { useEffect, useRef, useState } from "react";
import { ApiError, api, cust, page } from "../api/client";
import type { CampaignCreate } from "../api/types";
import { t } from "../i18n";

export interface TraceStep {
  index: number;
  state: string;
  kind: string;
  transition?: string;
  nextState?: string;
  prompt?: string[];
  heard?: string[];
  detail?: Record<string, unknown>;
  error?: string;
}

export interface CallTrace {
  callId: string;
  status: number | null;
  state?: string;
  trace: TraceStep[];
  variables: Record<string, unknown>;
}

interface OwnedNumber {
  id: number;
  number: number;
}

const TRY_PHONE = "+79990000001";

const pause = () => new Promise((r) => setTimeout(r, 500));
const inputList = (text: string) => text.split(",").map((s) => s.trim()).filter((s, _i, all) => s !== "" || all.length > 1);

interface Props {
  scenarioId: number;
  title: string;
  /** An incoming scenario: tried by a simulated caller ringing an inbound campaign. */
  inbound?: boolean;
  onTrace: (trace: CallTrace | null) => void;
}

export function TryPanel({ scenarioId, title, inbound = false, onTrace }: Props) {
  const [numbers, setNumbers] = useState<OwnedNumber[] | null>(null);
  const [number, setNumber] = useState("");
  const [result, setResult] = useState("answer");
  const [inputs, setInputs] = useState("1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  // The history poll stops when the panel goes (navigation); its campaign is still deleted.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const [trace, setTrace] = useState<CallTrace | null>(null);

  useEffect(() => {
    void api<OwnedNumber[]>(cust("/numbers")).then((items) => {
      setNumbers(items);
      if (items.length) setNumber(String(items[0].id));
    });
  }, []);

  async function run() {
    setBusy(true);
    setError("");
    setTrace(null);
    onTrace(null);
    let campaignId: number | null = null;
    try {
      const name = `${t("tryIt")}: ${title}`.slice(0, 250);
      let callId: string | null = null;
      if (inbound) {
        const body: CampaignCreate = { name, campaignType: "inbound", scenario: { id: String(scenarioId) }, callerNumber: { id: number } };
        campaignId = (await api<{ id: number }>(cust("/campaigns"), "POST", body)).id;
        await api(cust(`/campaigns/${campaignId}/simulated-calls`), "POST", { caller: TRY_PHONE, inputs: inputList(inputs) });
      } else {
        const body: CampaignCreate = {
          name,
          campaignType: "outbound",
          scenario: { id: String(scenarioId) },
          callerNumber: { id: number },
          scheduleCallingCycleStart: "00:00",
          scheduleCallingCycleStop: "00:00",
          scheduleAttempts: 1,
          scheduleMaxPhoneLines: 1,
          simulation: { seed: 1, default: { result, answerDelay: 1, inputs: inputList(inputs) } },
          abonents: [{ phone: TRY_PHONE }],
        };
        campaignId = (await api<{ id: number }>(cust("/campaigns"), "POST", body)).id;
      }
      // The history lists the call from its start; its trace is complete once it has ended.
      for (let i = 0; i < 600 && !callId && mounted.current; i += 1) {
        const found = await page<{ callId: string }>(cust(`/callhistory?campaignId=${campaignId}`), "callhistory", 0, 1);
        callId = found.items[0]?.callId ?? null;
        if (!callId) await pause();
      }
      if (!mounted.current) return;
      if (!callId) throw new Error("no call after 5 minutes");
      let found = await api<CallTrace>(cust(`/calls/${encodeURIComponent(callId)}/trace`));
      for (let i = 0; i < 600 && found.state !== "ended" && mounted.current; i += 1) {
        await pause();
        found = await api<CallTrace>(cust(`/calls/${encodeURIComponent(callId)}/trace`));
      }
      if (!mounted.current) return;
      setTrace(found);
      onTrace(found);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      if (campaignId !== null) await api(cust(`/campaigns/${campaignId}`), "DELETE").catch(() => undefined);
      setBusy(false);
    }
  }

  if (numbers !== null && numbers.length === 0) return <p className="error">{t("noNumber")}</p>;
  return (
    <section className="try-panel" aria-label={t("tryIt")}>
      <h2>{t("tryIt")}</h2>
      <label>
        {inbound ? t("dialledNumber") : t("callerNumber")}{" "}
        <select value={number} onChange={(e) => setNumber(e.target.value)}>
          {(numbers ?? []).map((n) => (
            <option key={n.id} value={n.id}>{n.number}</option>
          ))}
        </select>
      </label>
      {inbound ? (
        <p className="hint">{t("tryInbound")}</p>
      ) : (
        <label>
          {t("behaviour")}{" "}
          <select value={result} onChange={(e) => setResult(e.target.value)} id="try-result">
            {["answer", "busy", "noanswer", "machine", "assistant", "unreachable"].map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t("inputs")} <input id="try-inputs" value={inputs} onChange={(e) => setInputs(e.target.value)} />
      </label>
      <button onClick={() => void run()} disabled={busy || !number} id="try-run">
        {busy ? t("running") : t("run")}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
      {trace && (
        <div className="trace" id="try-trace">
          <p className="ok">
            {t("pathLit")} · {t("status")} {trace.status}
          </p>
          <ol>
            {trace.trace.map((step) => (
              <li key={step.index}>
                <strong>{step.state}</strong> ({step.kind}) {step.transition ? `→ ${step.transition}` : ""}
                {step.prompt?.length ? <div>{t("said")}: {step.prompt.join(" | ")}</div> : null}
                {step.heard?.length ? <div>{t("heard")}: {step.heard.map((h) => h || "…").join(" | ")}</div> : null}
                {step.detail ? <pre>{JSON.stringify(step.detail, null, 1)}</pre> : null}
                {step.error ? <div className="error">{step.error}</div> : null}
              </li>
            ))}
          </ol>
          <h3>{t("variables")}</h3>
          <pre>{JSON.stringify(trace.variables, null, 1)}</pre>
        </div>
      )}
    </section>
  );
}
