import { useEffect, useState } from "react";
import { ApiError, api, cust } from "../api/client";
import type { Scenario } from "../editor/kinds";
import { PagedTable } from "../components/PagedTable";
import { t } from "../i18n";
import { go } from "../route";

interface Template {
  id: string;
  name: string;
  description: string;
  type: string;
}

export function Scenarios() {
  const [items, setItems] = useState<Scenario[] | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState("outgoing");
  const [template, setTemplate] = useState("");
  const [share, setShare] = useState("");
  const [error, setError] = useState("");

  useEffect(() => {
    void api<Scenario[]>(cust("/scenarios")).then(setItems);
    void api<Template[]>("/v1/catalogs/templates").then(setTemplates);
  }, []);

  async function attempt(work: () => Promise<Scenario>) {
    setError("");
    try {
      const created = await work();
      go(`scenarios/${created.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }

  return (
    <section>
      <h1>{t("scenarios")}</h1>
      <div className="cards">
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(() =>
              api(cust("/scenarios"), "POST", {
                title: title || t("newScenario"),
                type: kind,
                states: [
                  { type: "Initial", name: "start", x: 40, y: 40, success: { title: "", newState: "bye" } },
                  { type: "ReleaseCall", name: "bye", x: 40, y: 240 },
                ],
                customVariables: [],
              }),
            );
          }}
        >
          <h2>{t("newScenario")}</h2>
          <label>
            {t("title")} <input value={title} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <label>
            {t("type")}{" "}
            <select value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="outgoing">outgoing</option>
              <option value="incoming">incoming</option>
            </select>
          </label>
          <button type="submit">{t("create")}</button>
        </form>
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(() => api(cust("/scenarios/from-template"), "POST", { templateId: template }));
          }}
        >
          <h2>{t("fromTemplate")}</h2>
          <label>
            {t("fromTemplate")}{" "}
            <select value={template} onChange={(e) => setTemplate(e.target.value)} required>
              <option value="">—</option>
              {templates.map((tpl) => (
                <option key={tpl.id} value={tpl.id} title={tpl.description}>
                  {tpl.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!template}>{t("create")}</button>
        </form>
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(() => api(cust("/scenarios/import"), "POST", { shareLink: share }));
          }}
        >
          <h2>{t("importShare")}</h2>
          <label>
            shareLink <input value={share} onChange={(e) => setShare(e.target.value)} required />
          </label>
          <button type="submit">{t("create")}</button>
        </form>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <PagedTable
        label={t("scenarios")}
        columns={[
          { header: "ID", cell: (s) => s.id },
          { header: t("title"), cell: (s) => <a href={`#/scenarios/${s.id}`}>{s.title}</a> },
          { header: t("type"), cell: (s) => s.type },
          { header: t("state"), cell: (s) => `${s.isValid === "true" ? "✓" : "✗"} ${s.states.length}` },
          { header: t("created"), cell: (s) => String(s.createdAt ?? "") },
        ]}
        rows={items}
        rowKey={(s) => s.id ?? s.title}
        onOpen={(s) => go(`scenarios/${s.id}`)}
      />
    </section>
  );
}
