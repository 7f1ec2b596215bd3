/** Staff and roles (owners): add people, change a role, let someone go, set a new password (ends their sessions). */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { Alert, Field, Loading, toast, useApi } from "../../lib/ui.js";
import { ROLES, t } from "./strings.js";

function Person({ person, onChanged }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  async function change(body, done) {
    setError(null);
    try { await api(`/staff/${person.id}`, { method: "PATCH", body }); toast(done); setPassword(""); onChanged(); }
    catch (caught) { setError(caught); }
  }
  return html`<li class="card">
    <p class="row"><strong>${person.name}</strong> <span class="muted">${person.email}</span>
      ${!person.active && html`<span class="badge">${t("deactivate")}</span>`}
      <small class="muted">${person.last_login_at ? dateTime(person.last_login_at) : ""}</small></p>
    <${Alert} error=${error} />
    <div class="row settings-actions">
      <${Field} label=${t("role")}>${(a) => html`<select ...${a} value=${person.role}
        onChange=${(e) => change({ role: e.target.value }, t("saved"))}>
        ${ROLES.map((r) => html`<option value=${r}>${t(r)}</option>`)}</select>`}<//>
      <button type="button" onClick=${() => change({ active: !person.active }, t("saved"))}>
        ${person.active ? t("deactivate") : t("activate")}</button>
    </div>
    <form class="row settings-actions" onSubmit=${(e) => { e.preventDefault(); change({ password }, t("passwordSet", { name: person.name })); }}>
      <${Field} label=${t("newPassword")} error=${error?.fields?.password}>${(a) => html`<input ...${a} type="password"
        autocomplete="new-password" minlength="10" required value=${password} onInput=${(e) => setPassword(e.target.value)} />`}<//>
      <button>${t("resetPassword")}</button>
    </form>
  </li>`;
}

export function StaffSettings() {
  const people = useApi("/staff");
  const [form, setForm] = useState({ name: "", email: "", role: "agent", password: "" });
  const [error, setError] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  async function add(event) {
    event.preventDefault();
    setError(null);
    try {
      await api("/staff", { method: "POST", body: form });
      toast(t("added", { name: form.name }));
      setForm({ name: "", email: "", role: "agent", password: "" });
      people.reload({ quiet: true });
    } catch (caught) { setError(caught); }
  }
  const f = error?.fields || {};
  return html`<div>
    <${Alert} error=${people.error} />
    ${!people.data ? html`<${Loading} />` : html`<ul class="plain">${people.data.map((p) => html`<${Person} key=${p.id}
      person=${p} onChanged=${() => people.reload({ quiet: true })} />`)}</ul>`}
    <form class="card stack" onSubmit=${add}>
      <h3>${t("addStaff")}</h3>
      <${Alert} error=${error && !Object.keys(f).length ? error : null} />
      <div class="grid">
        <${Field} label=${t("name")} error=${f.name}>${(a) => html`<input ...${a} required value=${form.name} onInput=${set("name")} />`}<//>
        <${Field} label=${t("email")} error=${f.email}>${(a) => html`<input ...${a} type="email" required value=${form.email} onInput=${set("email")} />`}<//>
        <${Field} label=${t("role")} error=${f.role}>${(a) => html`<select ...${a} value=${form.role} onChange=${set("role")}>
          ${ROLES.map((r) => html`<option value=${r}>${t(r)}</option>`)}</select>`}<//>
        <${Field} label=${t("password")} error=${f.password}>${(a) => html`<input ...${a} type="password" autocomplete="new-password"
          minlength="10" required value=${form.password} onInput=${set("password")} />`}<//>
      </div>
      <div class="row"><button class="primary">${t("addStaff")}</button></div>
    </form>
  </div>`;
}
