/** API keys (owners): create one (its secret shown once), see when each was used and by whom, revoke it. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { Alert, Field, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

const SCOPES = ["customers:read", "customers:write", "conversations:read", "events:read", "orders:write"];

function Usage({ id }) {
  const uses = useApi(`/api-keys/${id}/uses`, { limit: 20 });
  return html`<ul class="plain key-usage">${(uses.data || []).map((u) => html`<li><small class="muted">${dateTime(u.at)}</small>
    <code>${u.method} ${u.path}</code> <small class="muted">${u.ip || ""}</small></li>`)}</ul>`;
}

export function KeySettings() {
  const keys = useApi("/api-keys");
  const [form, setForm] = useState({ name: "", scopes: ["customers:read"] });
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  async function create(event) {
    event.preventDefault();
    setError(null);
    try {
      const made = await api("/api-keys", { method: "POST", body: form });
      setSecret(made.secret);
      setForm({ name: "", scopes: ["customers:read"] });
      keys.reload({ quiet: true });
    } catch (caught) { setError(caught); }
  }
  async function revoke(id) {
    try { await api(`/api-keys/${id}`, { method: "DELETE" }); keys.reload({ quiet: true }); } catch (caught) { setError(caught); }
  }
  const toggle = (scope) => setForm({ ...form, scopes: form.scopes.includes(scope)
    ? form.scopes.filter((s) => s !== scope) : [...form.scopes, scope] });
  return html`<div>
    ${secret && html`<div class="alert alert-ok" role="status"><span>${t("secretOnce")} <code class="secret">${secret}</code></span></div>`}
    <${Alert} error=${error || keys.error} />
    ${!keys.data ? html`<${Loading} />` : html`<ul class="plain">${keys.data.map((k) => html`<li class="card" key=${k.id}>
      <p class="row"><strong>${k.name}</strong> <code>${k.prefix}…</code> <span class="muted">${k.scopes.join(", ")}</span>
        ${k.revoked_at && html`<span class="badge badge-danger">${t("revoked")}</span>`}</p>
      <p class="muted">${t("lastUsed")}: ${k.last_used_at ? dateTime(k.last_used_at) : t("never")} · ${t("uses")}: ${k.use_count}</p>
      <details><summary>${t("usage")}</summary><${Usage} id=${k.id} /></details>
      ${!k.revoked_at && html`<button type="button" class="danger" onClick=${() => revoke(k.id)}>${t("revoke")}</button>`}
    </li>`)}</ul>`}
    <form class="card stack" onSubmit=${create}>
      <h3>${t("createKey")}</h3>
      <${Field} label=${t("keyName")} error=${error?.fields?.name}>${(a) => html`<input ...${a} required value=${form.name}
        onInput=${(e) => setForm({ ...form, name: e.target.value })} />`}<//>
      <fieldset><legend>${t("scopes")}</legend>${SCOPES.map((scope) => html`<label class="inline">
        <input type="checkbox" checked=${form.scopes.includes(scope)} onChange=${() => toggle(scope)} />${scope}</label>`)}</fieldset>
      <div class="row"><button class="primary">${t("createKey")}</button></div>
    </form>
  </div>`;
}
