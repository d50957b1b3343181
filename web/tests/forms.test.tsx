// @vitest-environment jsdom
// The side panel's forms write the fields, in the types, that the API's scenario format expects.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { FIELDS, KINDS, Kind, State, newState } from "../src/editor/kinds";
import { StateForm } from "../src/editor/StateForm";
import { python } from "./python";

afterEach(cleanup);

function mount(kind: Kind) {
  const latest: { state: State; targets: [string, string | null][] } = {
    state: newState(kind, "here", 0, 0),
    targets: [],
  };
  function Harness() {
    const [state, setState] = useState(latest.state);
    return (
      <StateForm
        state={state}
        names={["here", "bye"]}
        problems={[{ field: "inputAnalysis[0].dtmf", message: "not a key" }]}
        variables={["fio"]}
        keywords={[{ id: "1", name: "Согласие" }, { id: "2", name: "Отказ" }]}
        voice={{}}
        onChange={(next) => setState((latest.state = next))}
        onRename={(name) => setState((latest.state = { ...latest.state, name }))}
        onTarget={(field, target) => latest.targets.push([field, target])}
        onDelete={() => undefined}
      />
    );
  }
  render(<Harness />);
  return latest;
}

const SAMPLE: Record<string, string> = {
  phone: "{{phone}}", callingPartyDisplay: "+74950000000", variable: "code", host: "crm.example.ru",
  url: "/orders", requestParametersRaw: "{}", responseCodeVariable: "status", numberB: "74951234567",
  sipUri: "sip:op@pbx.example.ru", extension: "101",
};

describe("state forms", () => {
  for (const kind of KINDS) {
    it(`${kind}: every field is written with the API's type`, () => {
      const latest = mount(kind);
      for (const spec of FIELDS[kind]) {
        const control = document.getElementById(`field-${spec.key}`) as HTMLInputElement | null;
        if (spec.type === "number") {
          fireEvent.change(control!, { target: { value: "7" } });
          expect(latest.state[spec.key]).toBe(7);
        } else if (spec.type === "bool") {
          const before = Boolean(latest.state[spec.key]);
          fireEvent.click(control!);
          expect(latest.state[spec.key]).toBe(!before);
        } else if (spec.type === "select") {
          const option = spec.options![spec.options!.length - 1];
          fireEvent.change(control!, { target: { value: option } });
          expect(latest.state[spec.key]).toBe(option);
        } else if (spec.type === "text" || spec.type === "textarea") {
          fireEvent.change(control!, { target: { value: SAMPLE[spec.key] ?? "x" } });
          expect(latest.state[spec.key]).toBe(SAMPLE[spec.key] ?? "x");
        }
      }
      fireEvent.change(document.getElementById("field-name")!, { target: { value: "renamed" } });
      expect(latest.state.name).toBe("renamed");
    });
  }

  it("announcement text with a {{variable}} hint", () => {
    const latest = mount("VoiceMessage");
    fireEvent.change(document.getElementById("field-announcement-text")!, { target: { value: "Здравствуйте, " } });
    fireEvent.click(screen.getByRole("button", { name: "{{fio}}" }));
    expect(latest.state.announcement).toEqual({ type: "text", text: "Здравствуйте, {{fio}}" });
  });

  it("IVR branches: digits, words, dictionary keywords; a problem shows under its branch", () => {
    const latest = mount("IVR");
    fireEvent.click(screen.getAllByRole("button", { name: "Добавить" }).at(-1)!);
    fireEvent.change(document.querySelector(".branch-dtmf")!, { target: { value: "2" } });
    fireEvent.change(screen.getByLabelText("Слова"), { target: { value: "нет, не надо" } });
    const select = screen.getByLabelText("Ключевые слова") as HTMLSelectElement;
    select.options[1].selected = true;
    fireEvent.change(select);
    expect(latest.state.inputAnalysis).toEqual([
      { dtmf: "2", words: "нет, не надо", keywords: [{ id: "2", name: "Отказ", lost: false }], success: null },
    ]);
    expect(document.querySelector(".branch .field-problems")!.textContent).toContain("not a key");
  });

  it("condition rules and HTTP headers / response variables", () => {
    const condition = mount("Condition");
    fireEvent.click(screen.getByRole("button", { name: "Добавить" }));
    fireEvent.change(screen.getByLabelText("variable"), { target: { value: "code" } });
    fireEvent.change(screen.getByLabelText("operator"), { target: { value: "ge" } });
    fireEvent.change(screen.getByLabelText("Значение"), { target: { value: "200" } });
    expect(condition.state.conditions).toEqual([{ variable: "code", operator: "ge", value: "200", success: null }]);
    cleanup();

    const http = mount("HTTPRequest");
    const headers = document.getElementById("field-headers")!;
    fireEvent.click(headers.querySelector("button")!);
    const [key, value] = headers.querySelectorAll("input");
    fireEvent.change(key, { target: { value: "X-Token" } });
    fireEvent.change(value, { target: { value: "abc" } });
    expect(http.state.headers).toEqual({ "X-Token": "abc" });
  });

  it("a transition is set from its select (the keyboard way to connect)", () => {
    const latest = mount("Pause");
    fireEvent.change(document.getElementById("target-success")!, { target: { value: "bye" } });
    expect(latest.targets).toEqual([["success", "bye"]]);
  });

  it("states filled in through the forms pass the API's validator", () => {
    const states: State[] = [];
    for (const kind of ["IVR", "HTTPRequest", "Redirection", "Input"] as Kind[]) {
      const latest = mount(kind);
      for (const spec of FIELDS[kind]) {
        const control = document.getElementById(`field-${spec.key}`) as HTMLInputElement | null;
        if (control && (spec.type === "text") && SAMPLE[spec.key]) {
          fireEvent.change(control, { target: { value: SAMPLE[spec.key] } });
        }
      }
      const text = document.getElementById("field-announcement-text");
      if (text) fireEvent.change(text, { target: { value: "Скажите, пожалуйста" } });
      if (kind === "IVR") {
        fireEvent.click(screen.getAllByRole("button", { name: "Добавить" }).at(-1)!);
        fireEvent.change(document.querySelector(".branch-dtmf")!, { target: { value: "1" } });
      }
      states.push({ ...latest.state, name: kind.toLowerCase() });
      cleanup();
    }
    const chain = ["start", ...states.map((s) => s.name), "bye"];
    const linked = [
      { type: "Initial", name: "start" },
      ...states,
      { type: "ReleaseCall", name: "bye" },
    ].map((state, i) =>
      i + 1 < chain.length ? { ...state, success: { title: "", newState: chain[i + 1] } } : state,
    );
    const [problems] = python("validate", [{ title: "forms", states: linked }]);
    expect(problems).toEqual([]);
  });
});
