// Sign-in bookkeeping of the console: the code exchange with PKCE, the silent renewal before
// expiry, one refresh and retry on a 401, and revocation of both tokens on sign-out.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

type Call = { url: string; form: Record<string, string>; auth: string | null };

function stubBrowser(search: string) {
  const store = new Map<string, string>();
  vi.stubGlobal("sessionStorage", {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  });
  vi.stubGlobal("window", {
    location: { search, origin: "http://127.0.0.1:8000", assign: vi.fn() },
    history: { replaceState: vi.fn() },
  });
  return store;
}

describe("console auth", () => {
  const calls: Call[] = [];
  let issued = 0;

  beforeEach(() => {
    vi.resetModules();
    vi.useFakeTimers();
    calls.length = 0;
    issued = 0;
    vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
      const form = Object.fromEntries(new URLSearchParams(String(init.body ?? "")));
      const auth = new Headers(init.headers).get("Authorization");
      calls.push({ url, form, auth });
      if (url === "/oauth/token") {
        issued += 1;
        return new Response(JSON.stringify({ access_token: `a${issued}`, refresh_token: `r${issued}`, expires_in: 60 }));
      }
      if (url === "/v1/me") {
        // The first access token is refused once, as if revoked: the client refreshes and retries.
        return auth === "Bearer a1" ? new Response("[]", { status: 401 }) : new Response("{}");
      }
      return new Response("");
    }));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("exchanges the code with the verifier, renews silently, retries a 401, revokes on sign-out", async () => {
    const store = stubBrowser("?code=C1&state=S1");
    store.set("voicebox.pkce", JSON.stringify({ verifier: "V".repeat(50), state: "S1", returnTo: "#/campaigns" }));
    const auth = await import("../src/api/auth");
    const client = await import("../src/api/client");

    const done = await auth.completeSignIn();
    expect(done).toEqual({ ok: true, returnTo: "#/campaigns", error: undefined });
    expect(calls[0].form).toMatchObject({
      grant_type: "authorization_code", code: "C1", client_id: "voicebox-console",
      redirect_uri: "http://127.0.0.1:8000/", code_verifier: "V".repeat(50),
    });

    await client.api("/v1/me");
    expect(calls.slice(1).map((c) => [c.url, c.auth ?? c.form.grant_type])).toEqual([
      ["/v1/me", "Bearer a1"], ["/oauth/token", "refresh_token"], ["/v1/me", "Bearer a2"],
    ]);

    await vi.advanceTimersByTimeAsync(47_000);
    expect(calls.length).toBe(4);
    await vi.advanceTimersByTimeAsync(2_000); // 80 % of a 60 s lifetime
    expect(calls[4].form).toMatchObject({ grant_type: "refresh_token", refresh_token: "r2" });
    expect(auth.accessToken()).toBe("a3");

    await auth.signOut();
    expect(calls.slice(5).map((c) => [c.url, c.form.token, c.form.token_type_hint])).toEqual([
      ["/oauth/revoke", "r3", "refresh_token"], ["/oauth/revoke", "a3", "access_token"],
    ]);
    expect(auth.accessToken()).toBeNull();
  });

  it("refuses an answer whose state is not the one it sent", async () => {
    const store = stubBrowser("?code=C1&state=forged");
    store.set("voicebox.pkce", JSON.stringify({ verifier: "V".repeat(50), state: "S1", returnTo: "#/" }));
    const auth = await import("../src/api/auth");
    expect((await auth.completeSignIn()).error).toBe("state mismatch");
    expect(calls).toEqual([]);
  });
  it("sends nothing without a live token and aborts the session's requests on sign-out", async () => {
    const store = stubBrowser("?code=C1&state=S1");
    store.set("voicebox.pkce", JSON.stringify({ verifier: "V".repeat(50), state: "S1", returnTo: "#/" }));
    const auth = await import("../src/api/auth");
    const client = await import("../src/api/client");
    await auth.completeSignIn();
    // A request in flight when the user signs out: its fetch is aborted, nothing is reported.
    let aborted = false;
    vi.mocked(fetch).mockImplementationOnce((_url, init) => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => {
        aborted = true;
        reject(new DOMException("aborted", "AbortError"));
      });
    }));
    const settled = vi.fn();
    void client.api("/v1/customers/1/scenarios/problems", "POST", {}).then(settled, settled);
    client.endRequests();
    await auth.signOut();
    // A debounced check firing after sign-out (the flake's 401) is never sent.
    void client.api("/v1/customers/1/scenarios/problems", "POST", {}).then(settled, settled);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(aborted).toBe(true);
    expect(settled).not.toHaveBeenCalled();
    expect(calls.map((c) => c.url)).toEqual(["/oauth/token", "/oauth/revoke", "/oauth/revoke"]);
  });
});
