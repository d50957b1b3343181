// Call history: filters, paging through the API's Range, a recording player and the call's path.
import { useEffect, useRef, useState } from "react";
import { accessToken } from "../api/auth";
import { api, cust } from "../api/client";
import { Column, PagedTable, usePaged } from "../components/PagedTable";
import type { CallTrace } from "../editor/TryPanel";
import { formatDateTime, t } from "../i18n";
import { routeQuery } from "../route";
import { toUnix } from "../time";

// Rows per Range request: the table draws only those in view, so a page can be long.
const PAGE = 200;

interface Call {
  startCallDT: number;
  status: number;
  callDuration: number;
  callType: string;
  campaignId: number | null;
  campaignName: string | null;
  cgPN: string;
  cdPN: string;
  callId: string;
  callRecord: boolean;
}

const baseColumns = (): Column<Call>[] => [
  { header: t("date"), cell: (c) => formatDateTime(c.startCallDT * 1000) },
  { header: t("campaign"), cell: (c) => c.campaignName, className: "narrow-hide" },
  { header: t("callee"), cell: (c) => c.cdPN },
  { header: t("status"), cell: (c) => c.status },
  { header: t("duration"), cell: (c) => `${c.callDuration} s`, className: "narrow-hide" },
];

export function History() {
  const [campaigns, setCampaigns] = useState<{ id: number; name: string }[]>([]);
  const [campaign, setCampaign] = useState(routeQuery().get("campaign") ?? "");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [status, setStatus] = useState("");
  const [open, setOpen] = useState<Call | null>(null);

  useEffect(() => {
    void api<{ id: number; name: string }[]>(cust("/callhistory/campaigns")).then(setCampaigns);
  }, []);
  const query = new URLSearchParams();
  if (campaign) query.set("campaignId", campaign);
  if (from) query.set("from", toUnix(from));
  if (to) query.set("to", toUnix(to));
  if (status) query.set("status", status); // filtered by the API, so paging counts it too
  const { rows, paging } = usePaged<Call>(cust(`/callhistory?${query}`), "callhistory", PAGE);
  const columns: Column<Call>[] = [
    ...baseColumns(),
    { header: "", cell: (c) => <button onClick={() => setOpen(c)} className="open-call">{t("open")}</button> },
  ];

  return (
    <section className="history">
      <h1>{t("history")}</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("campaign")}{" "}
          <select value={campaign} onChange={(e) => setCampaign(e.target.value)}>
            <option value="">{t("all")}</option>
            {campaigns.map((c) => (
              <option key={c.id} value={c.id}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          {t("from")} <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t("to")} <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          {t("status")}{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t("all")}</option>
            {["200", "486", "480", "404", "487", "503"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <div className="history-body">
        <PagedTable
          label={t("history")}
          className="calls"
          columns={columns}
          rows={rows}
          rowKey={(c) => c.callId}
          paging={paging}
          current={open?.callId}
          onOpen={setOpen}
        />
        {open && <CallDetail key={open.callId} call={open} onClose={() => setOpen(null)} />}
      </div>
    </section>
  );
}

function CallDetail({ call, onClose }: { call: Call; onClose: () => void }) {
  const [trace, setTrace] = useState<CallTrace | null>(null);
  const [audio, setAudio] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [scenario, setScenario] = useState<string | null>(null);

  useEffect(() => {
    void api<CallTrace>(cust(`/calls/${encodeURIComponent(call.callId)}/trace`)).then(setTrace).catch(() => undefined);
    if (call.campaignId !== null) {
      // A deleted campaign (a try-it run) no longer says which scenario it ran: no link then.
      void api<{ scenario?: { id: string } | null }>(cust(`/campaigns/${call.campaignId}`))
        .then((c) => setScenario(c.scenario?.id ?? null))
        .catch(() => setScenario(null));
    }
  }, [call.callId, call.campaignId]);

  // The player streams from the API and seeks with byte ranges: an <audio> element sends no
  // Authorization header, so the token rides in `access_token` (accepted by GET /v1/callRecord
  // only; docs/api.md). When it has been renewed since, a failed range request is retried with
  // the current one at the same position.
  const player = useRef<HTMLAudioElement | null>(null);
  function recordingUrl(): string | null {
    const token = accessToken();
    if (!token) return null;
    const query = new URLSearchParams({ call_id: call.callId, access_token: token });
    return `/v1/callRecord?${query}`;
  }
  function load() {
    setError("");
    setAudio(recordingUrl());
  }
  function retryWithCurrentToken() {
    const fresh = recordingUrl();
    const element = player.current;
    if (!fresh || !element || fresh === audio) {
      setError(t("recordingFailed"));
      return;
    }
    const at = element.currentTime;
    setAudio(fresh);
    element.addEventListener("loadedmetadata", () => (element.currentTime = at), { once: true });
  }

  return (
    <aside className="call-detail" aria-label={call.callId}>
      <button className="close" onClick={onClose} aria-label={t("close")}>×</button>
      <h2>{t("callId")}: {call.callId}</h2>
      <p>
        {call.cgPN} → {call.cdPN}, {t("status")} {call.status}, {call.callDuration} s
      </p>
      {call.callRecord &&
        (audio ? (
          <audio controls preload="metadata" src={audio} id="recording" aria-label={t("recording")} ref={player} onError={retryWithCurrentToken} />
        ) : (
          <button onClick={() => void load()} id="play">▶ {t("play")}</button>
        ))}
      {error && <p className="error">{error}</p>}
      {trace && (
        <>
          <h3>{t("trace")}</h3>
          {scenario && (
            <p>
              <a href={`#/scenarios/${scenario}?call=${encodeURIComponent(call.callId)}`} id="trace-on-graph">
                {t("onGraph")}
              </a>
            </p>
          )}
          <ol className="trace-steps">
            {trace.trace.map((s) => (
              <li key={s.index}>
                <strong>{s.state}</strong> ({s.kind}) {s.transition ? `→ ${t(s.transition)}` : ""}
                {s.prompt?.length ? <div>{t("said")}: {s.prompt.join(" | ")}</div> : null}
                {s.heard?.length ? <div>{t("heard")}: {s.heard.map((h) => h || "…").join(" | ")}</div> : null}
              </li>
            ))}
          </ol>
          <h3>{t("variables")}</h3>
          <pre>{JSON.stringify(trace.variables, null, 1)}</pre>
        </>
      )}
    </aside>
  );
}
