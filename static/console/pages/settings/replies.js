/** Saved replies (owners, admins): the shop's canned answers the composer offers by `/shortcut`. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { Alert, Field, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

const EMPTY = { shortcut: "", title: "", text: "" };

function ReplyForm({ reply, onSaved, onCancel }) {
  const [form, setForm] = useState(reply ? { shortcut: reply.shortcut, title: reply.title, text: reply.text } : EMPTY);
  const [error, setError] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  async function save(event) {
    event.preventDefault();
    setError(null);
    try {
      await api(reply ? `/saved-replies/${reply.id}` : "/saved-replies", { method: reply ? "PATCH" : "POST", body: form });
      if (!reply) setForm(EMPTY);
      onSaved();
    } catch (caught) { setError(caught); }
  }
  const f = error?.fields || {};
  return html`<form class="stack" onSubmit=${save}>
    <${Alert} error=${error && !Object.keys(f).length ? error : null} />
    <div class="grid">
      <${Field} label=${t("shortcut")} error=${f.shortcut}>${(a) => html`<input ...${a} required value=${form.shortcut} onInput=${set("shortcut")} />`}<//>
      <${Field} label=${t("titleField")} error=${f.title}>${(a) => html`<input ...${a} required value=${form.title} onInput=${set("title")} />`}<//>
    </div>
    <${Field} label=${t("text")} hint=${t("variables")} error=${f.text}>${(a) => html`<textarea ...${a} required value=${form.text} onInput=${set("text")}></textarea>`}<//>
    <div class="row"><button class="primary">${reply ? t("save") : t("addReply")}</button>
      ${onCancel && html`<button type="button" onClick=${onCancel}>${t("cancel")}</button>`}</div>
  </form>`;
}

export function ReplySettings() {
  const replies = useApi("/saved-replies");
  const [editing, setEditing] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => { setEditing(null); replies.reload({ quiet: true }); };
  async function remove(id) {
    try { await api(`/saved-replies/${id}`, { method: "DELETE" }); reload(); } catch (caught) { setError(caught); }
  }
  return html`<div>
    <${Alert} error=${error || replies.error} />
    ${!replies.data ? html`<${Loading} />` : html`<ul class="plain">${replies.data.map((r) => html`<li class="card" key=${r.id}>
      ${editing === r.id ? html`<${ReplyForm} reply=${r} onSaved=${reload} onCancel=${() => setEditing(null)} />` : html`
        <p><code>/${r.shortcut}</code> <strong>${r.title}</strong></p><p class="preline">${r.text}</p>
        <div class="row"><button type="button" onClick=${() => setEditing(r.id)}>${t("edit")}</button>
          <button type="button" onClick=${() => remove(r.id)}>${t("delete")}</button></div>`}
    </li>`)}</ul>`}
    <div class="card"><h3>${t("addReply")}</h3><${ReplyForm} onSaved=${reload} /></div>
  </div>`;
}
