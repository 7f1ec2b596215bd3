/**
 * The few shared pieces every page uses, so pages look and behave alike: headers, fields with their error,
 * alerts, badges, confirmation dialogs, toasts, and `useApi` for a read with loading and error states.
 */
import { html } from "./html.js";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.js";
import { messages } from "./i18n.js";

const t = messages({
  vi: { loading: "Đang tải…", retry: "Thử lại", cancel: "Hủy", confirm: "Xác nhận", close: "Đóng" },
  en: { loading: "Loading…", retry: "Try again", cancel: "Cancel", confirm: "Confirm", close: "Close" },
});

export function PageHeader({ title, children }) {
  return html`<header class="page-header"><h1>${title}</h1><div class="page-actions">${children}</div></header>`;
}

export function Loading() {
  return html`<p class="muted" role="status">${t("loading")}</p>`;
}

/** An error sentence (from ApiError.sentence) with an optional retry. */
export function Alert({ error, kind = "error", onRetry, children }) {
  if (!error && !children) return null;
  return html`<div class=${`alert alert-${kind}`} role=${kind === "error" ? "alert" : "status"}>
    <span>${error?.sentence || error?.message || error || children}</span>
    ${onRetry && html`<button type="button" class="link" onClick=${onRetry}>${t("retry")}</button>`}
  </div>`;
}

export function Badge({ tone = "neutral", children, title }) {
  return html`<span class=${`badge badge-${tone}`} title=${title}>${children}</span>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

let fieldIds = 0;

/** A labelled input with its error underneath, wired for screen readers (aria-describedby, aria-invalid). */
export function Field({ label, error, hint, children, id }) {
  const ref = useRef(id || `f${(fieldIds += 1)}`);
  const fieldId = ref.current;
  const describedBy = [error && `${fieldId}-error`, hint && `${fieldId}-hint`].filter(Boolean).join(" ") || undefined;
  const control = typeof children === "function"
    ? children({ id: fieldId, "aria-describedby": describedBy, "aria-invalid": error ? "true" : undefined })
    : children;
  return html`<div class="field">
    <label for=${fieldId}>${label}</label>
    ${control}
    ${hint && html`<small id=${`${fieldId}-hint`} class="muted">${hint}</small>`}
    ${error && html`<small id=${`${fieldId}-error`} class="field-error">${Array.isArray(error) ? error.join(" ") : error}</small>`}
  </div>`;
}

/** A modal confirmation on the native <dialog> (focus trapped, Escape closes). */
export function Confirm({ open, title, children, confirmLabel, tone = "danger", busy, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby="dialog-title" onCancel=${(e) => { e.preventDefault(); onCancel(); }}>
    <h2 id="dialog-title">${title}</h2>
    <div class="dialog-body">${children}</div>
    <div class="dialog-actions">
      <button type="button" onClick=${onCancel}>${t("cancel")}</button>
      <button type="button" class=${tone === "danger" ? "danger" : "primary"} disabled=${busy} onClick=${onConfirm}>
        ${confirmLabel || t("confirm")}</button>
    </div>
  </dialog>`;
}

/** A short message in the corner (role=status), for actions that succeeded. */
export function toast(text, tone = "ok") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = document.createElement("div");
  item.className = `toast toast-${tone}`;
  item.textContent = text;
  box.append(item);
  setTimeout(() => item.remove(), 4000);
}

/**
 * `const {data, error, loading, reload} = useApi("/customers", {q})`: reads on mount and whenever `path` or
 * `query` change; a slower earlier answer never overwrites a newer one.
 */
export function useApi(path, query = {}, { enabled = true } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: enabled });
  const generation = useRef(0);
  const key = `${path}?${JSON.stringify(query)}`;
  const reload = useCallback(async ({ quiet = false } = {}) => {
    if (!path || !enabled) return;
    const mine = (generation.current += 1);
    if (!quiet) setState((s) => ({ ...s, loading: true }));
    try {
      const data = await api(path, { query });
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, [key, enabled]);
  useEffect(() => { reload(); }, [reload]);
  return { ...state, reload };
}
