// The one way the console talks to the API: bearer token, one silent refresh on 401,
// errors as the spec's array `[{name, message, status}]`.
import { accessToken, refresh } from "./auth";

export interface Problem {
  name: string;
  message: string;
  status: number;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public problems: Problem[],
  ) {
    super(problems.map((p) => `${p.name}: ${p.message}`).join("; ") || `HTTP ${status}`);
  }
}

let customerId = 0;
export function setCustomer(id: number) {
  customerId = id;
}
/** `/v1/customers/{id}` + path. */
export function cust(path: string): string {
  return `/v1/customers/${customerId}${path}`;
}

export let onSignedOut: () => void = () => undefined;
export function setOnSignedOut(handler: () => void) {
  onSignedOut = handler;
}

// Requests belong to the signed-in session: ending it aborts those in flight, and no request
// is ever sent without a live token (a debounced check or a dashboard's poll firing after sign-out
// would otherwise reach the API as a 401). Such abandoned requests never settle: the page that
// asked for them is gone with the session, so nothing waits for an answer or shows an error.
let session = new AbortController();
const abandoned = () => new Promise<never>(() => undefined);

/** Abort the session's requests in flight and refuse new ones until a token is held again. */
export function endRequests() {
  session.abort();
  session = new AbortController();
}

/** A response body read; one cut short by sign-out is abandoned like its request. */
export async function readBody<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") return abandoned();
    throw error;
  }
}

export async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  const { signal } = session;
  const send = async (): Promise<Response> => {
    const token = accessToken();
    if (!token || signal.aborted) return abandoned();
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${token}`);
    try {
      return await fetch(path, { ...init, headers, signal });
    } catch (error) {
      if (signal.aborted) return abandoned();
      throw error;
    }
  };
  let response = await send();
  if (response.status === 401 && (await refresh())) response = await send();
  if (response.status === 401) {
    endRequests();
    onSignedOut();
    return abandoned();
  }
  if (!response.ok) {
    let problems: Problem[] = [];
    try {
      const body = await response.json();
      if (Array.isArray(body)) problems = body;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, problems);
  }
  return response;
}

export async function api<T>(path: string, method = "GET", body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  const response = await raw(path, init);
  if (response.status === 204) return undefined as T;
  return (await readBody(response.json())) as T;
}

/** One page through `Range: unit=a-b`; the total comes from `Content-Range` (null if `*`). */
export async function page<T>(
  path: string,
  unit: string,
  offset: number,
  size: number,
): Promise<{ items: T[]; total: number | null }> {
  try {
    const response = await raw(path, { headers: { Range: `${unit}=${offset}-${offset + size - 1}` } });
    const total = response.headers.get("Content-Range")?.split("/")[1];
    return { items: await readBody(response.json()), total: total && total !== "*" ? Number(total) : null };
  } catch (error) {
    if (error instanceof ApiError && error.status === 416) return { items: [], total: offset };
    throw error;
  }
}

/** Fetch a file with the token and hand it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await raw(path);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  saveBlob(await readBody(response.blob()), name);
}

export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
