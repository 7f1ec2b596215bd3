/** Automatic replies (owners, admins): the rules, in the order they are tried, and "try a message". */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { Alert, Field, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

const EMPTY = { name: "", match_type: "contains", pattern: "", priority: 100, reply_text: "", send_form_link: false,
  send_info_request: false, handover: false, business_hours: "", out_of_hours_text: "", active: true };

function TryMessage() {
  const [text, setText] = useState("");
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  async function run(event) {
    event.preventDefault();
    setError(null);
    try { setAnswer(await api("/auto-replies/try", { method: "POST", body: { text } })); } catch (caught) { setError(caught); }
  }
  return html`<form class="card stack" onSubmit=${run}>
    <h3>${t("tryTitle")}</h3>
    <div class="row"><${Field} label=${t("tryText")}>${(a) => html`<input ...${a} required value=${text} onInput=${(e) => setText(e.target.value)} />`}<//>
      <button class="primary">${t("tryButton")}</button></div>
    <${Alert} error=${error} />
    ${answer && html`<div role="status" class="try-answer">${answer.rule
      ? html`<p>${t("tryRule", { rule: answer.rule })}</p>${answer.reply_text && html`<p class="message message-out preline">${answer.reply_text}</p>`}
        ${answer.handover && html`<p>${t("tryHandover")}</p>`}` : html`<p>${t("tryNone")}</p>`}</div>`}
  </form>`;
}

function RuleForm({ rule, onSaved }) {
  const [form, setForm] = useState(rule ? { ...EMPTY, ...Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, v ?? ""])) } : EMPTY);
  const [error, setError] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  async function save(event) {
    event.preventDefault();
    setError(null);
    const body = { ...form, priority: Number(form.priority), reply_text: form.reply_text || null,
      business_hours: form.business_hours || null, out_of_hours_text: form.out_of_hours_text || null };
    try { await api("/auto-replies", { method: "POST", body }); if (!rule) setForm(EMPTY); onSaved(); } catch (caught) { setError(caught); }
  }
  const f = error?.fields || {};
  const text = (name, label) => html`<${Field} label=${label} error=${f[name]}>${(a) => html`<input ...${a} value=${form[name]} onInput=${set(name)} />`}<//>`;
  const box = (name, label) => html`<label class="inline"><input type="checkbox" checked=${form[name]} onChange=${set(name)} />${label}</label>`;
  return html`<form class="stack" onSubmit=${save}>
    <${Alert} error=${error && !Object.keys(f).length ? error : null} />
    <div class="grid">
      ${!rule && text("name", t("ruleName"))}
      ${text("pattern", t("pattern"))}
      <${Field} label=${t("matchType")}>${(a) => html`<select ...${a} value=${form.match_type} onChange=${set("match_type")}>
        ${["contains", "exact", "regex"].map((m) => html`<option value=${m}>${t(m)}</option>`)}</select>`}<//>
      <${Field} label=${t("priority")} error=${f.priority}>${(a) => html`<input ...${a} type="number" value=${form.priority} onInput=${set("priority")} />`}<//>
    </div>
    <${Field} label=${t("replyText")} error=${f.reply_text}>${(a) => html`<textarea ...${a} value=${form.reply_text} onInput=${set("reply_text")}></textarea>`}<//>
    <div class="row">${box("send_form_link", t("formLink"))}${box("send_info_request", t("infoCard"))}${box("handover", t("handover"))}${box("active", t("ruleActive"))}</div>
    <div class="grid">${text("business_hours", t("hours"))}${text("out_of_hours_text", t("outOfHours"))}</div>
    <div class="row"><button class="primary">${rule ? t("save") : t("addRule")}</button></div>
  </form>`;
}

export function RuleSettings() {
  const rules = useApi("/auto-replies");
  const [error, setError] = useState(null);
  const reload = () => rules.reload({ quiet: true });
  async function remove(name) {
    try { await api(`/auto-replies/${encodeURIComponent(name)}`, { method: "DELETE" }); reload(); } catch (caught) { setError(caught); }
  }
  return html`<div>
    <${TryMessage} />
    <${Alert} error=${error || rules.error} />
    ${!rules.data ? html`<${Loading} />` : html`<ul class="plain">${rules.data.map((r) => html`<li class="card" key=${r.name}>
      <details><summary><strong>${r.name}</strong> <span class="muted">${t(r.match_type)}: “${r.pattern}” · ${r.priority}</span>
        ${!r.active && html` <span class="badge">off</span>`}</summary><${RuleForm} rule=${r} onSaved=${reload} /></details>
      <button type="button" onClick=${() => remove(r.name)}>${t("delete")}</button></li>`)}</ul>`}
    <div class="card"><h3>${t("addRule")}</h3><${RuleForm} onSaved=${reload} /></div>
  </div>`;
}
