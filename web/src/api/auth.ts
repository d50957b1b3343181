// OAuth 2.0 authorization code + PKCE as the public client "voicebox-console".
// Tokens live in memory only; the refresh token renews them silently before they expire.

export const CLIENT_ID = "voicebox-console";
const PENDING_KEY = "voicebox.pkce"; // the verifier and state survive the redirect, nothing else

interface Tokens {
  access: string;
  refresh: string | null;
  expiresAt: number;
}

let tokens: Tokens | null = null;
let refreshing: Promise<boolean> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

export function redirectUri(): string {
  return `${window.location.origin}/`;
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  bytes.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(size = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Go to the server's login page; `returnTo` is the console route to come back to. */
export async function signIn(returnTo: string): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: redirectUri(),
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  window.location.assign(`/oauth/authorize?${query}`);
}

function store(body: { access_token: string; refresh_token?: string; expires_in: number }) {
  tokens = {
    access: body.access_token,
    refresh: body.refresh_token ?? null,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
  clearTimeout(timer);
  // Renew a minute before expiry (at 80 % of lifetimes of two minutes or less).
  const delay = body.expires_in > 120 ? (body.expires_in - 60) * 1000 : body.expires_in * 800;
  timer = setTimeout(() => void refresh(), delay);
}

async function tokenRequest(form: Record<string, string>): Promise<boolean> {
  const response = await fetch("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }),
  });
  if (!response.ok) return false;
  store(await response.json());
  return true;
}

/** Finish a sign-in if the URL carries `?code=…&state=…`; returns the route to show. */
export async function completeSignIn(): Promise<{ ok: boolean; returnTo: string; error?: string }> {
  const params = new URLSearchParams(window.location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null");
  const returnTo: string = pending?.returnTo ?? "#/scenarios";
  if (!params.has("code") && !params.has("error")) return { ok: false, returnTo };
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, "", "/" + returnTo);
  if (params.get("error")) return { ok: false, returnTo, error: params.get("error") ?? "" };
  if (!pending || pending.state !== params.get("state")) {
    return { ok: false, returnTo, error: "state mismatch" };
  }
  const ok = await tokenRequest({
    grant_type: "authorization_code",
    code: params.get("code") ?? "",
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  return { ok, returnTo, error: ok ? undefined : "token exchange failed" };
}

export function accessToken(): string | null {
  return tokens?.access ?? null;
}

/** Trade the refresh token for a new pair; concurrent callers share one request. */
export function refresh(): Promise<boolean> {
  if (!tokens?.refresh) return Promise.resolve(false);
  refreshing ??= tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh })
    .catch(() => false)
    .finally(() => (refreshing = null));
  return refreshing;
}

/** Revoke both tokens at the server and forget them. */
export async function signOut(): Promise<void> {
  const held = tokens;
  tokens = null;
  clearTimeout(timer);
  for (const [token, hint] of [
    [held?.refresh, "refresh_token"],
    [held?.access, "access_token"],
  ] as const) {
    if (!token) continue;
    await fetch("/oauth/revoke", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: CLIENT_ID, token, token_type_hint: hint }),
    }).catch(() => undefined);
  }
}
