// The backend's Mini App API (/api/v1/miniapp). Errors come back as problem+json;
// they are thrown as ApiError so callers can read `status` and per-field `errors`.

import { lang } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** Field messages keyed by field name (422 only), else {}. */
  get fieldErrors() {
    return this.problem.errors || {};
  }
}

/** A page-relative or absolute base; empty means the page's own origin (Flask serves both). */
function apiBase() {
  const meta = document.querySelector('meta[name="miniapp-api-base"]');
  return (meta && meta.content.replace(/\/$/, "")) || "";
}

async function request(method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(apiBase() + path, {
    method,
    headers: {
      Accept: "application/json",
      "Accept-Language": lang(),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const getConfig = () => request("GET", "/miniapp/config.json");

export const openSession = (accessToken, idByOA) =>
  request("POST", "/api/v1/miniapp/session", {
    body: idByOA ? { access_token: accessToken, id_by_oa: idByOA } : { access_token: accessToken },
  });

export const sharePhone = (token, accessToken, code) =>
  request("POST", "/api/v1/miniapp/phone", { token, body: { access_token: accessToken, code } });

export const getForm = (slug) => request("GET", `/api/v1/miniapp/forms/${encodeURIComponent(slug)}`);

export const submitForm = (token, slug, values, idempotencyKey) =>
  request("POST", `/api/v1/miniapp/forms/${encodeURIComponent(slug)}/submissions`, {
    token,
    body: { values },
    headers: { "Idempotency-Key": idempotencyKey },
  });
