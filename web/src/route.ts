// Hash routes: #/scenarios, #/scenarios/12, #/campaigns, #/campaigns/new, #/campaigns/3 …
import { useSyncExternalStore } from "react";

function current(): string {
  return window.location.hash.replace(/^#\/?/, "") || "scenarios";
}

export function useRoute(): string[] {
  const hash = useSyncExternalStore(
    (listener) => {
      window.addEventListener("hashchange", listener);
      return () => window.removeEventListener("hashchange", listener);
    },
    current,
  );
  return hash.split("?")[0].split("/");
}

/** The query part of the hash route (`#/history?campaign=3`). */
export function routeQuery(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split("?")[1] ?? "");
}

export function go(path: string) {
  window.location.hash = `#/${path}`;
}
