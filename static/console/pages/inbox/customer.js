/** The customer beside the conversation: identities, tags and stage, what they filled in, their orders. */
import { html } from "../../lib/html.js";
import { dateTime, money } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { Badge } from "../../lib/ui.js";
import { customerName, t } from "./strings.js";

function answerText(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value === true) return "✓";
  if (value === false) return "✗";
  return value ?? "—";
}

export function CustomerPanel({ detail, language }) {
  const profile = detail.profile || {};
  const phones = profile.phones || [];
  return html`<aside class="customer-panel" aria-label=${t("customer")}>
    <h2>${customerName(detail.customer)}</h2>
    <dl class="facts">
      ${phones.length > 0 && html`<dt>${t("phones")}</dt><dd>${phones.map((p) => html`<div>${p.e164}
        <${Badge} tone=${p.verified ? "ok" : "warn"}>${p.verified ? t("verified") : t("unverified")}<//></div>`)}</dd>`}
      ${profile.email && html`<dt>${t("email")}</dt><dd>${profile.email}</dd>`}
      ${profile.pipeline_status && html`<dt>${t("stage")}</dt><dd>${t(`stage_${profile.pipeline_status}`)}</dd>`}
    </dl>
    ${detail.customer?.ref && html`<p><a href=${href(`/customers/${detail.customer.ref}`)}>${t("profile")}</a></p>`}
    <h3>${t("forms")}</h3>
    ${(detail.submissions || []).length ? detail.submissions.slice(0, 3).map((s) => html`<div class="card submission">
      <small class="muted">${dateTime(s.created_at)}</small>
      <dl class="facts">${(s.answers || []).map((a) => html`<dt>${a.label?.[language] || a.label?.vi || a.name}</dt><dd>${answerText(a.value)}</dd>`)}</dl>
    </div>`) : html`<p class="muted">${t("noForms")}</p>`}
    <h3>${t("orders")}</h3>
    ${(detail.orders || []).length ? html`<ul class="plain">${detail.orders.map((o) => html`<li>
      <strong>${o.external_id}</strong> · ${money(o.total_vnd)} · <${Badge}>${o.status}<//></li>`)}</ul>`
      : html`<p class="muted">${t("noOrders")}</p>`}
  </aside>`;
}
