/** Possible duplicates: two profiles that claim the same phone or Zalo account; merge them or keep them apart. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Empty, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { displayName, t } from "./strings.js";

function Conflict({ conflict, onDone }) {
  const [error, setError] = useState(null);
  async function resolve(action) {
    try {
      await api(`/profile-conflicts/${conflict.id}/resolve`, { method: "POST", body: { action } });
      toast(t("conflictResolved"));
      onDone();
    } catch (caught) { setError(caught); }
  }
  const claim = conflict.claim;
  return html`<li class="card">
    <p><a href=${href(`/customers/${conflict.customer.ref}`)}>${displayName(conflict.customer)}</a>
      ↔ ${conflict.other_customer && html`<a href=${href(`/customers/${conflict.other_customer.ref}`)}>${displayName(conflict.other_customer)}</a>`}
      <small class="muted"> · ${dateTime(conflict.created_at)}</small></p>
    ${claim && html`<p class="muted">${t("claim", { profile: claim.claimed_by, kind: claim.kind, value: claim.value, source: claim.source })}</p>`}
    <p>${conflict.detail}</p>
    <${Alert} error=${error} />
    ${atLeast("admin") && html`<div class="row">
      <button type="button" class="primary" onClick=${() => resolve("merge")}>${t("resolveMerge")}</button>
      <button type="button" onClick=${() => resolve("dismiss")}>${t("resolveDismiss")}</button></div>`}
  </li>`;
}

export default function Conflicts() {
  const page = useApi("/profile-conflicts");
  return html`<section>
    <${PageHeader} title=${t("conflicts")} />
    <${Alert} error=${page.error} onRetry=${page.reload} />
    ${!page.data ? html`<${Loading} />` : !page.data.items.length ? html`<${Empty}>${t("noConflicts")}<//>`
      : html`<ul class="plain">${page.data.items.map((c) => html`<${Conflict} key=${c.id} conflict=${c} onDone=${page.reload} />`)}</ul>`}
  </section>`;
}
