// The scenario editor: the graph (React Flow), a palette, the side panel, save / validate /
// undo / redo / layout / JSON, and a try-it run that lights the path the call took.
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, Problem, api, cust, saveBlob } from "../api/client";
import { KINDS, Kind, Scenario, State, newState } from "../editor/kinds";
import { autoLayout } from "../editor/layout";
import {
  GraphNode,
  connect,
  disconnect,
  edgesOf,
  graphToScenario,
  needsLayout,
  newId,
  problemTarget,
  removeStates,
  renameState,
  scenarioToGraph,
  withTransition,
} from "../editor/mapping";
import { Keyword, StateForm } from "../editor/StateForm";
import { StateNode, fieldLabel } from "../editor/StateNode";
import { CallTrace, TryPanel } from "../editor/TryPanel";
import { t, useLanguage } from "../i18n";
import { routeQuery } from "../route";

const nodeTypes = { state: StateNode };
const SERVER_FIELDS = ["id", "createdAt", "updatedAt", "shareLink", "isValid"];

function clientBody(scenario: Scenario): Scenario {
  return Object.fromEntries(Object.entries(scenario).filter(([k]) => !SERVER_FIELDS.includes(k))) as Scenario;
}

function loaded(scenario: Scenario): GraphNode[] {
  const { nodes, edges } = scenarioToGraph(scenario, fieldLabel);
  return needsLayout(scenario) ? autoLayout(nodes, edges) : nodes;
}

export function ScenarioEditor({ id }: { id: number }) {
  return (
    <ReactFlowProvider>
      <Editor id={id} />
    </ReactFlowProvider>
  );
}

function Editor({ id }: { id: number }) {
  const flow = useReactFlow();
  const language = useLanguage(); // edge and handle labels are translated
  const [base, setBase] = useState<Scenario | null>(null);
  const [nodes, setNodes] = useState<GraphNode[]>([]);
  const [past, setPast] = useState<GraphNode[][]>([]);
  const [future, setFuture] = useState<GraphNode[][]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [message, setMessage] = useState("");
  const [dirty, setDirty] = useState(false);
  const [trace, setTrace] = useState<CallTrace | null>(null);
  const [showTry, setShowTry] = useState(false);
  const [keywords, setKeywords] = useState<Keyword[]>([]);
  const dragOrigin = useRef<GraphNode[] | null>(null);
  const uploadRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void api<Scenario>(cust(`/scenarios/${id}`)).then((s) => {
      setBase(s);
      setNodes(loaded(s));
    });
    void api<Keyword[]>("/v1/catalogs/keywords").then(setKeywords);
    // Opened from the call history: light the path that call took.
    const call = routeQuery().get("call");
    if (call) void api<CallTrace>(cust(`/calls/${encodeURIComponent(call)}/trace`)).then(setTrace).catch(() => undefined);
  }, [id]);

  const edges = useMemo(() => edgesOf(nodes, fieldLabel), [nodes, language]); // eslint-disable-line react-hooks/exhaustive-deps
  const scenario = useMemo(() => (base ? graphToScenario(base, nodes, edges) : null), [base, nodes, edges]);

  const commit = useCallback(
    (next: GraphNode[]) => {
      setPast((p) => [...p.slice(-99), nodes]);
      setFuture([]);
      setNodes(next);
      setDirty(true);
      setTrace(null);
    },
    [nodes],
  );
  const undo = useCallback(() => {
    if (!past.length) return;
    setFuture((f) => [nodes, ...f]);
    setNodes(past[past.length - 1]);
    setPast((p) => p.slice(0, -1));
    setDirty(true);
  }, [past, nodes]);
  const redo = useCallback(() => {
    if (!future.length) return;
    setPast((p) => [...p, nodes]);
    setNodes(future[0]);
    setFuture((f) => f.slice(1));
    setDirty(true);
  }, [future, nodes]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, textarea, select")) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") {
        e.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo]);

  // Problems from the API, checked a moment after each change.
  useEffect(() => {
    if (!scenario) return;
    const timer = setTimeout(() => {
      // `/problems` answers 200 with the list `/validate` would answer as a 400: a draft's
      // problems are not failed requests (no error in the browser console while drawing).
      api<Problem[]>(cust("/scenarios/problems"), "POST", clientBody(scenario))
        .then(setProblems)
        .catch(() => undefined);
    }, 500);
    return () => clearTimeout(timer);
  }, [scenario]);

  const byNode = useMemo(() => {
    const map = new Map<string, { field: string; message: string }[]>();
    for (const p of problems ?? []) {
      const where = problemTarget(p.name);
      const node = where ? nodes[where.index] : undefined;
      if (!node) continue;
      map.set(node.id, [...(map.get(node.id) ?? []), { field: where!.field, message: p.message }]);
    }
    return map;
  }, [problems, nodes]);
  const general = (problems ?? []).filter((p) => {
    const where = problemTarget(p.name);
    return !where || !nodes[where.index];
  });

  const lit = useMemo(() => {
    const states = new Set<string>();
    const edgeIds = new Set<string>();
    if (trace) {
      const idOf = new Map(nodes.map((n) => [n.data.state.name, n.id]));
      for (const step of trace.trace) {
        states.add(step.state);
        if (step.transition) edgeIds.add(`${idOf.get(step.state)}:${step.transition}`);
      }
    }
    return { states, edgeIds };
  }, [trace, nodes]);

  const flowNodes: Node[] = useMemo(
    () =>
      nodes.map((n) => ({
        ...n,
        selected: n.id === selected,
        data: {
          state: n.data.state,
          problems: byNode.get(n.id)?.map((p) => p.message),
          lit: lit.states.has(n.data.state.name),
          language,
        },
      })),
    [nodes, selected, byNode, lit, language],
  );
  const flowEdges: Edge[] = useMemo(
    () =>
      edges.map((e) => ({
        ...e,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: lit.edgeIds.has(e.id) ? "lit" : e.sourceHandle === "error" ? "edge-error" : undefined,
        animated: lit.edgeIds.has(e.id),
        labelBgPadding: [4, 2] as [number, number],
      })),
    [edges, lit],
  );

  function onNodesChange(changes: NodeChange[]) {
    let next = nodes;
    for (const change of changes) {
      if (change.type === "position" && change.position) {
        next = next.map((n) => (n.id === change.id ? { ...n, position: change.position! } : n));
      } else if (change.type === "select") {
        if (change.selected) setSelected(change.id);
        else setSelected((s) => (s === change.id ? null : s));
      }
    }
    if (next !== nodes) {
      setNodes(next);
      setDirty(true);
    }
  }

  function uniqueName(kind: Kind): string {
    const names = new Set(nodes.map((n) => n.data.state.name));
    let i = 1;
    while (names.has(`${kind.toLowerCase()}${i}`)) i += 1;
    return `${kind.toLowerCase()}${i}`;
  }

  function add(kind: Kind, position: { x: number; y: number }) {
    const node: GraphNode = { id: newId(), type: "state", position, data: { state: newState(kind, uniqueName(kind), position.x, position.y) } };
    commit([...nodes, node]);
    setSelected(node.id);
  }

  function addAtCenter(kind: Kind) {
    const box = document.querySelector(".canvas")?.getBoundingClientRect();
    const point = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 }) : { x: 0, y: 0 };
    add(kind, { x: Math.round(point.x + nodes.length * 12), y: Math.round(point.y + nodes.length * 12) });
  }

  async function save() {
    if (!scenario) return;
    setMessage("");
    try {
      const stored = await api<Scenario>(cust(`/scenarios/${id}`), "PUT", clientBody(scenario));
      setBase(stored);
      setDirty(false);
      setMessage(`${t("saved")} ✓`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setProblems(e.problems);
      setMessage(e instanceof Error ? e.message : String(e));
    }
  }

  function upload(file: File) {
    void file.text().then((text) => {
      try {
        const data = JSON.parse(text) as Scenario;
        if (!Array.isArray(data.states)) throw new Error("states must be an array");
        setBase({ ...base!, ...clientBody(data) });
        commit(loaded(data));
        setTimeout(() => flow.fitView({ maxZoom: 1 }), 50);
      } catch (e) {
        setMessage(String(e));
      }
    });
  }

  if (!base || !scenario) return <p>{t("loading")}</p>;
  const chosen = nodes.find((n) => n.id === selected);
  const names = nodes.map((n) => n.data.state.name);

  return (
    <div className="editor">
      <div className="toolbar" role="toolbar" aria-label={t("scenario")}>
        <a href="#/scenarios">← {t("scenarios")}</a>
        <strong className="scenario-title">{base.title}</strong>
        <button onClick={() => void save()} id="save">{t("save")}{dirty ? " •" : ""}</button>
        <button onClick={undo} disabled={!past.length} id="undo">{t("undo")}</button>
        <button onClick={redo} disabled={!future.length} id="redo">{t("redo")}</button>
        <button
          onClick={() => {
            commit(autoLayout(nodes, edges));
            setTimeout(() => flow.fitView({ maxZoom: 1 }), 50);
          }}
        >
          {t("layout")}
        </button>
        <button onClick={() => saveBlob(new Blob([JSON.stringify(clientBody(scenario), null, 2)], { type: "application/json" }), `scenario-${id}.json`)}>
          {t("download")}
        </button>
        <button onClick={() => uploadRef.current?.click()}>{t("upload")}</button>
        <input ref={uploadRef} type="file" accept="application/json,.json" hidden onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])} aria-label={t("upload")} />
        <button onClick={() => setShowTry((v) => !v)} id="try-open">{t("tryIt")}</button>
        <span className={problems?.length ? "error" : "ok"} id="validity" aria-live="polite">
          {problems === null ? "" : problems.length ? `${t("problems")}: ${problems.length}` : t("valid")}
        </span>
        {message && <span className="message" aria-live="polite">{message}</span>}
      </div>
      <div className="editor-body">
        <aside className="palette" aria-label={t("palette")}>
          <h2>{t("palette")}</h2>
          {KINDS.map((kind) => (
            <button
              key={kind}
              className={`palette-item kind-${kind}`}
              draggable
              data-kind={kind}
              onDragStart={(e) => {
                e.dataTransfer.setData("application/voicebox-kind", kind);
                e.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => addAtCenter(kind)}
            >
              {kind}
            </button>
          ))}
        </aside>
        <div
          className="canvas"
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = "move";
          }}
          onDrop={(e) => {
            e.preventDefault();
            const kind = e.dataTransfer.getData("application/voicebox-kind") as Kind;
            if (!KINDS.includes(kind)) return;
            const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
            add(kind, { x: Math.round(p.x), y: Math.round(p.y) });
          }}
        >
          <ReactFlow
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStart={() => (dragOrigin.current = nodes)}
            onNodeDragStop={() => {
              if (dragOrigin.current) setPast((p) => [...p.slice(-99), dragOrigin.current!]);
              setFuture([]);
              dragOrigin.current = null;
            }}
            onConnect={(c: Connection) => c.sourceHandle && commit(connect(nodes, c.source, c.sourceHandle, c.target))}
            onEdgesDelete={(gone) => commit(gone.reduce((acc, e) => disconnect(acc, e.source, e.sourceHandle!), nodes))}
            onNodesDelete={(gone) => {
              commit(removeStates(nodes, new Set(gone.map((n) => n.id))));
              setSelected(null);
            }}
            onPaneClick={() => setSelected(null)}
            deleteKeyCode={["Delete", "Backspace"]}
            connectOnClick={false}
            fitView
            fitViewOptions={{ maxZoom: 1 }}
            minZoom={0.1}
          >
            <Background />
            <Controls fitViewOptions={{ maxZoom: 1 }} />
          </ReactFlow>
        </div>
        <aside className="side" aria-label={t("settings")}>
          {showTry && <TryPanel scenarioId={id} title={base.title} inbound={base.type === "incoming"} onTrace={setTrace} />}
          {general.length > 0 && (
            <ul className="field-problems" id="general-problems">
              {general.map((p, i) => (
                <li key={i} className="error">{p.name}: {p.message}</li>
              ))}
            </ul>
          )}
          {chosen ? (
            <StateForm
              key={chosen.id}
              state={chosen.data.state}
              names={names}
              problems={byNode.get(chosen.id) ?? []}
              variables={base.customVariables ?? []}
              keywords={keywords}
              voice={base.settings ?? {}}
              onChange={(state: State) => commit(nodes.map((n) => (n.id === chosen.id ? { ...n, data: { state } } : n)))}
              onRename={(name) => commit(renameState(nodes, chosen.id, name))}
              onTarget={(field, target) => commit(nodes.map((n) => (n.id === chosen.id ? { ...n, data: { state: withTransition(n.data.state, field, target) } } : n)))}
              onDelete={() => {
                commit(removeStates(nodes, new Set([chosen.id])));
                setSelected(null);
              }}
            />
          ) : (
            <ScenarioSettings base={base} onChange={(b) => { setBase(b); setDirty(true); }} />
          )}
        </aside>
      </div>
    </div>
  );
}

function ScenarioSettings({ base, onChange }: { base: Scenario; onChange: (b: Scenario) => void }) {
  const settings = base.settings ?? {};
  return (
    <form className="state-form" onSubmit={(e) => e.preventDefault()}>
      <p className="hint">{t("selectState")}</p>
      <label htmlFor="sc-title">{t("title")}</label>
      <input id="sc-title" value={base.title} onChange={(e) => onChange({ ...base, title: e.target.value })} />
      <label htmlFor="sc-comment">{t("comment")}</label>
      <textarea id="sc-comment" value={base.comment ?? ""} onChange={(e) => onChange({ ...base, comment: e.target.value })} />
      <label htmlFor="sc-vars">{t("customVariables")}</label>
      <input
        id="sc-vars"
        value={(base.customVariables ?? []).join(", ")}
        onChange={(e) => onChange({ ...base, customVariables: e.target.value.split(",").map((s) => s.trim()).filter(Boolean) })}
      />
      <label htmlFor="sc-voice">{t("voice")}</label>
      <select id="sc-voice" value={settings.voice ?? "oksana"} onChange={(e) => onChange({ ...base, settings: { ...settings, voice: e.target.value } })}>
        {["oksana", "jane", "alena", "omazh", "filipp", "ermil", "zahar"].map((v) => (
          <option key={v}>{v}</option>
        ))}
      </select>
      <label htmlFor="sc-speed">{t("speed")}</label>
      <input id="sc-speed" type="number" value={settings.speed ?? 100} onChange={(e) => onChange({ ...base, settings: { ...settings, speed: Number(e.target.value) } })} />
      <label htmlFor="sc-emotion">{t("emotion")}</label>
      <select id="sc-emotion" value={settings.emotion ?? "neutral"} onChange={(e) => onChange({ ...base, settings: { ...settings, emotion: e.target.value } })}>
        {["good", "neutral", "evil"].map((v) => (
          <option key={v}>{v}</option>
        ))}
      </select>
      <p>
        shareLink: <code>{String(base.shareLink ?? "")}</code>
      </p>
    </form>
  );
}
