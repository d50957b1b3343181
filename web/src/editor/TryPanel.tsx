// Run the scenario once on the simulator through the public API: a one-abonent campaign with a
// chosen subscriber behaviour, then the call's trace (the path to light on the graph).
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
  trace: TraceStep[];
  variables: Record<string, unknown>;
}

interface OwnedNumber {
  id: number;
  number: number;
}

const TRY_PHONE = "+79990000001";

export function TryPanel({ scenarioId, title, onTrace }: { scenarioId: number; title: string; onTrace: (trace: CallTrace | null) => void }) {
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
      const body: CampaignCreate = {
        name: `${t("tryIt")}: ${title}`.slice(0, 250),
        campaignType: "outbound",
        scenario: { id: String(scenarioId) },
        callerNumber: { id: number },
        scheduleCallingCycleStart: "00:00",
        scheduleCallingCycleStop: "00:00",
        scheduleAttempts: 1,
        scheduleMaxPhoneLines: 1,
        simulation: {
          seed: 1,
          default: {
            result,
            answerDelay: 1,
            inputs: inputs.split(",").map((s) => s.trim()).filter((s, _i, all) => s !== "" || all.length > 1),
          },
        },
        abonents: [{ phone: TRY_PHONE }],
      };
      const campaign = await api<{ id: number }>(cust("/campaigns"), "POST", body);
      campaignId = campaign.id;
      let callId: string | null = null;
      for (let i = 0; i < 600 && !callId && mounted.current; i += 1) {
        const found = await page<{ callId: string }>(cust(`/callhistory?campaignId=${campaignId}`), "callhistory", 0, 1);
        callId = found.items[0]?.callId ?? null;
        if (!callId) await new Promise((r) => setTimeout(r, 500));
      }
      if (!mounted.current) return;
      if (!callId) throw new Error("no call after 5 minutes");
      const found = await api<CallTrace>(cust(`/calls/${encodeURIComponent(callId)}/trace`));
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
        {t("callerNumber")}{" "}
        <select value={number} onChange={(e) => setNumber(e.target.value)}>
          {(numbers ?? []).map((n) => (
            <option key={n.id} value={n.id}>{n.number}</option>
          ))}
        </select>
      </label>
      <label>
        {t("behaviour")}{" "}
        <select value={result} onChange={(e) => setResult(e.target.value)} id="try-result">
          {["answer", "busy", "noanswer", "machine", "assistant", "unreachable"].map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
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
