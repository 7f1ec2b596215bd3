/**
 * Customer 360: who they are (identities, verified or not), what they agreed to, what they filled in (labels,
 * not codes), their orders in VND, conversations, tags and pipeline stage (changed here), where each CRM stands,
 * and what staff did to the profile. Edit, merge, export and erase, each one staff API call.
 */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api, download } from "../../lib/api.js";
import { locale } from "../../lib/i18n.js";
import { dateTime, money } from "../../lib/format.js";
import { href, navigate } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Confirm, Field, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { CustomerJourneys } from "../journeys/timeline.js";
import { STAGES, displayName, t } from "./strings.js";

function Section({ title, children }) {
  return html`<section class="card"><h2>${title}</h2>${children}</section>`;
}

function answerText(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value === true) return "✓";
  if (value === false) return "✗";
  return value ?? "—";
}

function Stage({ customer, onChanged }) {
  const pipeline = useApi(`/customers/${customer.ref}/pipeline`);
  const [error, setError] = useState(null);
  async function change(status) {
    setError(null);
    try {
      await api(`/customers/${customer.ref}/pipeline`, { method: "POST", body: { status } });
      toast(t("stageChanged", { stage: t(`stage_${status}`) }));
      pipeline.reload({ quiet: true });
      onChanged();
    } catch (caught) { setError(caught); }
  }
  return html`<${Section} title=${t("stage")}>
    <${Alert} error=${error} />
    <${Field} label=${t("changeStage")}>${(a) => html`<select ...${a} value=${customer.pipeline_status}
        disabled=${!atLeast("agent")} onChange=${(e) => change(e.target.value)}>
      ${STAGES.map((s) => html`<option value=${s}>${t(`stage_${s}`)}</option>`)}</select>`}<//>
    ${(pipeline.data?.history || []).length > 0 && html`<h3>${t("history")}</h3><ul class="plain">
      ${pipeline.data.history.map((h) => html`<li><small class="muted">${dateTime(h.at)} · </small>
        ${h.from_status ? t(`stage_${h.from_status}`) : "—"} → ${t(`stage_${h.to_status}`)}</li>`)}</ul>`}
  <//>`;
}

function Tags({ customer, onChanged }) {
  const known = useApi("/tags");
  const [name, setName] = useState("");
  const [error, setError] = useState(null);
  const path = (tag) => `/customers/${customer.ref}/tags/${encodeURIComponent(tag)}`;
  async function run(method, tag) {
    setError(null);
    try {
      const isNew = method === "POST" && !(known.data || []).some((k) => k.name === tag);
      if (isNew && atLeast("admin")) { await api("/tags", { method: "POST", body: { name: tag } }); known.reload({ quiet: true }); }
      await api(path(tag), { method });
      setName("");
      onChanged();
    } catch (caught) { setError(caught); }
  }
  return html`<${Section} title=${t("tags")}>
    <${Alert} error=${error} />
    <p class="row">${(customer.tags || []).map((tag) => html`<span class="tag">${tag}
      ${atLeast("agent") && html`<button type="button" class="link" aria-label=${t("remove", { name: tag })}
        onClick=${() => run("DELETE", tag)}>×</button>`}</span>`)}</p>
    ${atLeast("agent") && html`<form class="row" onSubmit=${(e) => { e.preventDefault(); if (name.trim()) run("POST", name.trim()); }}>
      <${Field} label=${t("tagName")} hint=${atLeast("admin") ? t("newTagHint") : t("knownTagHint")}>${(a) => html`<input ...${a}
        list="known-tags" value=${name} onInput=${(e) => setName(e.target.value)} />`}<//>
      <datalist id="known-tags">${(known.data || []).map((k) => html`<option value=${k.name} />`)}</datalist>
      <button>${t("addTag")}</button></form>`}
  <//>`;
}

function Edit({ customer, onChanged }) {
  const [form, setForm] = useState({ full_name: customer.full_name || "", email: customer.email || "",
    province: customer.province || "", address: customer.address || "" });
  const [error, setError] = useState(null);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  async function save(event) {
    event.preventDefault();
    setError(null);
    const body = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() || null]));
    try { await api(`/customers/${customer.ref}`, { method: "PATCH", body }); toast(t("saved")); onChanged(); }
    catch (caught) { setError(caught); }
  }
  const input = (name, type = "text") => (a) => html`<input ...${a} type=${type} value=${form[name]} onInput=${set(name)} />`;
  return html`<details class="card"><summary>${t("edit")}</summary>
    <form class="stack" onSubmit=${save}>
      <${Alert} error=${error && !Object.keys(error.fields || {}).length ? error : null} />
      <${Field} label=${t("fullName")} error=${error?.fields?.full_name}>${input("full_name")}<//>
      <${Field} label=${t("email")} error=${error?.fields?.email}>${input("email", "email")}<//>
      <${Field} label=${t("province")} error=${error?.fields?.province}>${input("province")}<//>
      <${Field} label=${t("address")} error=${error?.fields?.address}>${input("address")}<//>
      <div class="row"><button class="primary">${t("save")}</button></div>
    </form></details>`;
}

function Manage({ customer, onChanged }) {
  const [other, setOther] = useState("");
  const [error, setError] = useState(null);
  const [erasing, setErasing] = useState(false);
  const [typed, setTyped] = useState("");
  async function merge(event) {
    event.preventDefault();
    setError(null);
    try {
      await api(`/customers/${customer.ref}/merge`, { method: "POST", body: { other_ref: other.trim() } });
      toast(t("merged", { ref: other.trim() }));
      setOther("");
      onChanged();
    } catch (caught) { setError(caught); }
  }
  async function erase() {
    try {
      await api(`/customers/${customer.ref}/erase`, { method: "POST" });
      toast(t("erased"));
      setErasing(false);
      onChanged();
    } catch (caught) { setError(caught); setErasing(false); }
  }
  if (!atLeast("admin")) return null;
  return html`<${Section} title=${t("merge")}>
    <${Alert} error=${error} />
    <form class="row" onSubmit=${merge}>
      <${Field} label=${t("mergeHint")} error=${error?.fields?.other_ref}>${(a) => html`<input ...${a} required value=${other}
        onInput=${(e) => setOther(e.target.value)} />`}<//>
      <button>${t("merge")}</button>
    </form>
    <div class="row manage-actions">
      <button type="button" onClick=${() => download(`/customers/${customer.ref}/export`, `${customer.ref}.json`)}>${t("export")}</button>
      ${atLeast("owner") && !customer.erased_at && html`<button type="button" class="danger" onClick=${() => { setTyped(""); setErasing(true); }}>${t("erase")}</button>`}
    </div>
    <${Confirm} open=${erasing} title=${t("eraseTitle")} confirmLabel=${t("erase")} busy=${typed.trim() !== customer.ref}
        onConfirm=${erase} onCancel=${() => setErasing(false)}>
      <p>${t("eraseText", { ref: customer.ref })}</p>
      <${Field} label=${t("eraseConfirm")}>${(a) => html`<input ...${a} value=${typed} onInput=${(e) => setTyped(e.target.value)} />`}<//>
    <//>
  <//>`;
}

/** The consent in force per purpose, and every grant and withdrawal in the words the customer saw. */
function Consents({ customer }) {
  const history = useApi(`/customers/${customer.ref}/consents`);
  const inForce = Object.entries(customer.consents || {});
  return html`<${Section} title=${t("consents")}>
    ${inForce.length ? html`<dl class="facts">${inForce.map(([purpose, c]) => html`<dt>${purpose}</dt>
      <dd><${Badge} tone=${c.granted ? "ok" : "neutral"}>${c.granted ? t("granted") : t("withdrawn")}<//>
      <small class="muted"> ${t("version", { v: c.version })} · ${dateTime(c.recorded_at)}</small></dd>`)}</dl>`
      : html`<p class="muted">${t("noConsents")}</p>`}
    ${(history.data || []).length > 0 && html`<details><summary>${t("consentHistory")}</summary>
      <ol class="plain consent-history">${history.data.map((r) => html`<li>
        <small class="muted">${dateTime(r.recorded_at)} · ${r.purpose} · ${r.form ? t("viaForm", { form: r.form }) : r.source}</small>
        <div><${Badge} tone=${r.granted ? "ok" : "neutral"}>${r.granted ? t("granted") : t("withdrawn")}<//>
          ${r.text && html` <q>${r.text}</q>`} ${r.version && html`<small class="muted">${t("version", { v: r.version })}</small>`}</div>
      </li>`)}</ol></details>`}
  <//>`;
}

function AuditTrail({ customer }) {
  const entries = useApi("/audit", { target_type: "customer", target_id: customer.ref, limit: 20 }, { enabled: atLeast("admin") });
  if (!atLeast("admin") || !entries.data?.length) return null;
  return html`<${Section} title=${t("audit")}><ul class="plain">${entries.data.map((e) => html`<li>
    <small class="muted">${dateTime(e.at)}</small> ${e.actor_label} · <code>${e.action}</code></li>`)}</ul><//>`;
}

export default function CustomerDetail({ params }) {
  const detail = useApi(`/customers/${params.ref}`);
  const customer = detail.data;
  const refresh = () => detail.reload({ quiet: true });
  if (detail.error) return html`<${Alert} error=${detail.error} onRetry=${detail.reload} />`;
  if (!customer) return html`<${Loading} />`;
  if (customer.merged_into) navigate(`/customers/${customer.merged_into}`);
  return html`<section class="customer-detail">
    <${PageHeader} title=${displayName(customer)}>
      ${customer.erased_at && html`<${Badge} tone="danger">${t("erasedBadge")}<//>`}
    <//>
    <div class="grid">
      <${Section} title=${t("identities")}>
        <dl class="facts">
          <dt>${t("phones")}</dt><dd>${(customer.phones || []).length ? customer.phones.map((p) => html`<div>${p.e164}
            <${Badge} tone=${p.verified ? "ok" : "warn"}>${p.verified ? t("verified") : t("unverified")}<//></div>`) : "—"}</dd>
          <dt>${t("email")}</dt><dd>${customer.email || "—"}</dd>
          <dt>${t("province")}</dt><dd>${customer.province || "—"}</dd>
          <dt>${t("address")}</dt><dd>${customer.address || "—"}</dd>
          <dt>${t("zalo")}</dt><dd>${customer.zalo_display_name || "—"}
            ${customer.zalo?.oa_user_id && html`<div><small class="muted">OA ${customer.zalo.oa_user_id}</small></div>`}
            ${customer.zalo?.app_user_id && html`<div><small class="muted">App ${customer.zalo.app_user_id}</small></div>`}</dd>
          <dt>${t("crmIds")}</dt><dd>${(customer.crm_ids || []).length ? customer.crm_ids.map((c) => html`<div>
            <small class="muted">${c.connector}</small> ${c.id}</div>`) : "—"}</dd>
          <dt>${t("source")}</dt><dd>${customer.source || "—"}</dd>
          <dt>${t("created")}</dt><dd>${dateTime(customer.created_at)}</dd>
        </dl>
      <//>
      <${Stage} customer=${customer} onChanged=${refresh} />
      <${Tags} customer=${customer} onChanged=${refresh} />
      <${Consents} customer=${customer} />
    </div>
    <${Section} title=${t("forms")}>
      ${(customer.submissions || []).length ? customer.submissions.map((s) => html`<div class="submission">
        <small class="muted">${s.form} · ${dateTime(s.created_at)}</small>
        <dl class="facts">${(s.answers || []).map((a) => html`<dt>${a.label?.[locale.value] || a.label?.vi || a.name}</dt>
          <dd>${answerText(a.value)}</dd>`)}</dl></div>`) : html`<p class="muted">${t("noForms")}</p>`}
    <//>
    <${Section} title=${t("orders")}>
      ${(customer.orders || []).length ? html`<div class="table-wrap" tabindex="0"><table><caption class="visually-hidden">${t("orders")}</caption>
        <thead><tr><th>${t("order")}</th><th class="num">${t("amount")}</th><th>${t("status")}</th><th>${t("updated")}</th></tr></thead>
        <tbody>${customer.orders.map((o) => html`<tr><td>${o.external_id}</td><td class="num">${money(o.total_vnd)}</td>
          <td><${Badge}>${o.status}<//>${(o.history || []).length > 1 && html`<details class="order-history">
            <summary>${t("statusHistory")}</summary><ol class="plain">${o.history.map((h) => html`<li>
              <small class="muted">${dateTime(h.remote_updated_at)}</small> ${h.old_status || "—"} → ${h.new_status}</li>`)}</ol>
          </details>`}</td><td>${dateTime(o.updated_at)}</td></tr>`)}</tbody></table></div>`
        : html`<p class="muted">${t("noOrders")}</p>`}
    <//>
    <div class="grid">
      <${Section} title=${t("conversations")}>
        ${(customer.conversation_ids || []).length ? html`<ul class="plain">${customer.conversation_ids.map((id) => html`<li>
          <a href=${href(`/inbox/${id}`)}>${t("openConversation", { id })}</a></li>`)}</ul>` : html`<p class="muted">${t("noConversations")}</p>`}
      <//>
      <${Section} title=${t("sync")}>
        ${(customer.sync || []).length ? customer.sync.map((s) => html`<div class="sync-row"><strong>${s.connector}</strong>
          <dl class="facts"><dt>${t("delivered")}</dt><dd>${dateTime(s.last_delivered_at)}</dd>
          <dt>${t("pending")}</dt><dd>${s.pending}</dd>
          <dt>${t("dead")}</dt><dd>${s.dead_count ? html`<${Badge} tone="danger">${s.dead_count}<//>` : 0}
            ${(s.dead || []).map((d) => html`<div><small>${d.event_type}: ${d.reason || ""}</small></div>`)}</dd></dl></div>`)
          : html`<p class="muted">${t("noSync")}</p>`}
      <//>
    </div>
    <${CustomerJourneys} customer=${customer} />
    ${!customer.erased_at && html`<${Edit} customer=${customer} onChanged=${refresh} key=${customer.updated_at} />`}
    <${Manage} customer=${customer} onChanged=${refresh} />
    <${AuditTrail} customer=${customer} />
  </section>`;
}
