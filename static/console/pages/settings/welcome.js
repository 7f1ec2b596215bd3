/**
 * The welcome message and business hours (owners, admins): what a new follower gets, previewed as sent, and the
 * hours reports and "open now" use. Saved values win over the server's environment; "back to defaults" clears them.
 */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { Alert, Badge, Field, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

const NAMES = ["welcome_enabled", "welcome_kind", "welcome_lang", "welcome_text_vi", "welcome_text_en",
  "welcome_form_link", "business_hours"];

function WelcomeForm({ page, onSaved }) {
  const [form, setForm] = useState(page.settings);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const set = (name) => (e) => { setSaved(false); setForm({ ...form, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value }); };
  async function send(body) {
    setError(null);
    try { const next = await api("/shop-settings", { method: "PATCH", body }); setForm(next.settings); setSaved(true); onSaved(next); } catch (caught) { setError(caught); }
  }
  const save = (event) => { event.preventDefault(); send(Object.fromEntries(NAMES.map((n) => [n, form[n]]))); };
  const f = error?.fields || {};
  const box = (name, label) => html`<label class="inline"><input type="checkbox" checked=${form[name]} onChange=${set(name)} />${label}</label>`;
  const text = (name, label) => html`<${Field} label=${label} error=${f[name]}>${(a) => html`<textarea ...${a} rows="3" value=${form[name]} onInput=${set(name)}></textarea>`}<//>`;
  return html`<form class="card stack" onSubmit=${save}>
    <h3>${t("welcomeTitle")}</h3>
    <${Alert} error=${error && !Object.keys(f).length ? error : null} />
    ${box("welcome_enabled", t("welcomeEnabled"))}
    <div class="grid">
      <${Field} label=${t("welcomeKind")}>${(a) => html`<select ...${a} value=${form.welcome_kind} onChange=${set("welcome_kind")}>
        <option value="text">${t("kindText")}</option><option value="request_user_info">${t("infoCard")}</option></select>`}<//>
      <${Field} label=${t("welcomeLang")}>${(a) => html`<select ...${a} value=${form.welcome_lang} onChange=${set("welcome_lang")}>
        <option value="vi">Tiếng Việt</option><option value="en">English</option><option value="vi+en">Tiếng Việt + English</option></select>`}<//>
    </div>
    ${text("welcome_text_vi", t("welcomeTextVi"))}
    ${text("welcome_text_en", t("welcomeTextEn"))}
    ${box("welcome_form_link", t("formLink"))}
    <h3>${t("businessHours")}</h3>
    <${Field} label=${t("hoursField")} hint=${t("hoursHint")} error=${f.business_hours}>${(a) =>
      html`<input ...${a} value=${form.business_hours} onInput=${set("business_hours")} />`}<//>
    <div class="row">
      <button class="primary">${t("save")}</button>
      ${page.from_console.length > 0 && html`<button type="button" onClick=${() => send(Object.fromEntries(NAMES.map((n) => [n, null])))}>${t("backToDefaults")}</button>`}
      ${saved && html`<span role="status">${t("saved")}</span>`}
    </div>
  </form>`;
}

export function WelcomeSettings() {
  const settings = useApi("/shop-settings");
  const [page, setPage] = useState(null);
  const current = page || settings.data;
  if (!current) return html`<${Alert} error=${settings.error} />${!settings.error && html`<${Loading} />`}`;
  const welcome = current.welcome;
  return html`<div class="stack">
    <section class="card" aria-label=${t("previewTitle")}>
      <h3>${t("previewTitle")}</h3>
      ${welcome.kind ? html`<p class="message message-out preline">${welcome.text}</p>
        ${welcome.kind === "request_user_info" && html`<p class="muted">${t("previewCard")}</p>`}`
        : html`<p class="muted">${t("previewNone")}</p>`}
      <p><${Badge} tone=${current.open_now ? "ok" : "warn"}>${current.open_now ? t("openNow") : t("closedNow")}<//></p>
    </section>
    <${WelcomeForm} page=${current} onSaved=${setPage} />
  </div>`;
}
