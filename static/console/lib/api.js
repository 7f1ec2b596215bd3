/**
 * The console talks only to the staff API, as an integrator could: the HttpOnly session cookie authenticates,
 * every change carries the session's CSRF token, and errors arrive as problem+json whose `detail` is already a
 * sentence in the reader's language (Accept-Language), which is what pages show.
 */
import { locale } from "./i18n.js";

export const API_ROOT = "/api/v1/admin";

let csrfToken = null;
let onSignedOut = () => {};

export function setCsrfToken(token) { csrfToken = token; }
export function whenSignedOut(callback) { onSignedOut = callback; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.type = this.problem.type || null;
    this.fields = this.problem.errors || {};
  }

  /** What to show a person: the server's sentence, or one for a network failure. */
  get sentence() { return this.message; }
}

function url(path, query) {
  const target = new URL(path.startsWith("/api/") ? path : API_ROOT + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) target.searchParams.append(name, item);
  }
  return target.pathname + target.search;
}

/**
 * `api("/conversations", {query: {view: "mine"}})`, `api("/conversations/4/reply", {method: "POST", body: {...}})`.
 * A FormData body is sent as multipart. `raw: true` returns the Response (downloads).
 */
export async function api(path, { method = "GET", body, query, headers = {}, raw = false, signal } = {}) {
  const sent = { Accept: "application/json, application/problem+json", "Accept-Language": locale.value, ...headers };
  if (method !== "GET" && method !== "HEAD" && csrfToken) sent["X-CSRF-Token"] = csrfToken;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers: sent, body: payload, credentials: "same-origin", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { detail: locale.value === "en"
      ? "The server cannot be reached. Check the connection and try again."
      : "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại." });
  }
  if (response.status === 401 && !path.startsWith("/auth/login")) onSignedOut();
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* an empty or non-JSON error body */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** Save a download the API answered (CSV, JSON export) under `filename`. */
export async function download(path, filename, options = {}) {
  const response = await api(path, { ...options, raw: true });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
