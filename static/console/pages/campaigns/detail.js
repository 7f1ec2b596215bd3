/**
 * One campaign: its plan (recipients by channel, skipped by reason, the ZNS cost) before the start, the actions
 * its state allows, and while it sends, the results funnel and the recipients refreshed every few seconds.
 */
import { html } from "../../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime, money } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Confirm, Field, Loading, PageHeader, useApi } from "../../lib/ui.js";
import { TONE } from "./index.js";
import { reason, t } from "./strings.js";

const REFRESH_MS = 3000;
const ACTIONS = { draft: ["plan", "cancel"], planned: ["start", "plan", "cancel"], scheduled: ["start", "pause", "cancel"],
  running: ["pause", "cancel"], paused: ["resume", "cancel"] };
const FUNNEL = ["targeted", "queued", "sent", "delivered", "seen", "clicked", "replied", "ordered"];
const STATE_WORD = { pending: "pending", queued: "queuedState", skipped: "skippedState", cancelled: "cancelledState" };

function Plan({ plan }) {
  return html`<section class="card" aria-label=${t("planTitle")}>
    <h2>${t("planTitle")}</h2>
    <p><strong>${t("recipients", { n: plan.recipients })}</strong></p>
    <dl class="facts">
      <dt>${t("cs")}</dt><dd>${plan.by_channel.cs}</dd>
      <dt>${t("promotion")}</dt><dd>${plan.by_channel.promotion}</dd>
      <dt>${t("zns")}</dt><dd>${plan.by_channel.zns}</dd>
      ${Object.entries(plan.skipped).map(([code, n]) => html`<dt>${t("skipped")}: ${reason(code)}</dt><dd>${n}</dd>`)}
      ${plan.estimated_cost_vnd !== null && html`<dt>${t("cost")}</dt><dd>${money(plan.estimated_cost_vnd)}</dd>`}
    </dl>
  </section>`;
}

function Funnel({ results }) {
  const top = Math.max(results.targeted, 1);
  return html`<section class="card" aria-label=${t("funnel")}>
    <h2>${t("funnel")}</h2>
    <ol class="plain funnel">${FUNNEL.map((name) => html`<li>
      <span class="funnel-label">${t(name)}</span>
      <span class="funnel-bar" aria-hidden="true"><span style=${`width: ${(100 * results[name]) / top}%`}></span></span>
      <strong>${results[name]}</strong></li>`)}</ol>
    <p>${t("revenue")}: <strong>${money(results.revenue_vnd)}</strong>${results.cost_vnd !== null && html` · ${t("cost")}: ${money(results.cost_vnd)}`}
      · ${t("skipped")}: ${results.skipped} · ${t("failed")}: ${results.failed}</p>
  </section>`;
}

function Recipients({ rows }) {
  return html`<section class="card"><h2>${t("list")}</h2><div class="table-wrap" tabindex="0"><table>
    <caption class="visually-hidden">${t("list")}</caption>
    <thead><tr><th>${t("customer")}</th><th>${t("channel")}</th><th>${t("state")}</th><th>${t("delivery")}</th><th>${t("why")}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${r.id}><td><a href=${href(`/customers/${r.customer_ref}`)}>${r.customer_name || r.customer_ref}</a></td>
      <td>${r.channel ? t(r.channel) : "—"}</td><td>${t(STATE_WORD[r.status] || r.status)}</td>
      <td>${r.delivery_state ? t(r.delivery_state === "received" ? "delivered" : r.delivery_state) : "—"}${r.clicked_at ? " · " + t("clicked") : ""}${r.ordered ? " · " + t("ordered") : ""}</td>
      <td>${r.reason ? reason(r.reason) : ""}</td></tr>`)}</tbody></table></div></section>`;
}

/** See the message as one customer would (any role), or send it to them now (owners, admins): not counted. */
function TryIt({ id }) {
  const [ref, setRef] = useState("");
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  async function run(action) {
    setError(null);
    setAnswer(null);
    try {
      const found = await api(`/campaigns/${id}/${action}`, { method: "POST", body: { customer_ref: ref.trim() } });
      setAnswer({ action, text: found.text });
    } catch (caught) { setError(caught); }
  }
  return html`<section class="card stack" aria-label=${t("tryTitle")}>
    <h2>${t("tryTitle")}</h2>
    <${Field} label=${t("tryCustomer")} hint=${t("tryHint")}>${(a) => html`<input ...${a} value=${ref} onInput=${(e) => setRef(e.target.value)} />`}<//>
    <div class="row">
      <button type="button" disabled=${!ref.trim()} onClick=${() => run("preview")}>${t("preview")}</button>
      ${atLeast("admin") && html`<button type="button" disabled=${!ref.trim()} onClick=${() => run("test-send")}>${t("trial")}</button>`}
    </div>
    <${Alert} error=${error} />
    ${answer && html`<div role="status"><p class="message message-out preline">${answer.text}</p>
      ${answer.action === "test-send" && html`<p>${t("trialSent")}</p>`}</div>`}
  </section>`;
}

export default function CampaignDetail({ params }) {
  const campaign = useApi(`/campaigns/${params.id}`);
  const plan = useApi(`/campaigns/${params.id}/plan`);
  const results = useApi(`/campaigns/${params.id}/results`);
  const recipients = useApi(`/campaigns/${params.id}/recipients`, { limit: 100 });
  const [error, setError] = useState(null);
  const [confirming, setConfirming] = useState(false);
  const status = campaign.data?.status;
  const reloadAll = () => [campaign, plan, results, recipients].forEach((part) => part.reload({ quiet: true }));
  useEffect(() => { // live progress while it sends
    if (status !== "running" && status !== "scheduled") return undefined;
    const timer = setInterval(reloadAll, REFRESH_MS);
    return () => clearInterval(timer);
  }, [status]);
  async function run(action) {
    setError(null);
    setConfirming(false);
    try { await api(`/campaigns/${params.id}/${action}`, { method: "POST" }); reloadAll(); } catch (caught) { setError(caught); }
  }
  if (campaign.error) return html`<${Alert} error=${campaign.error} />`;
  if (!campaign.data) return html`<${Loading} />`;
  const c = campaign.data;
  const started = !["draft", "planned"].includes(c.status);
  return html`<section class="campaign stack">
    <a class="back-link" href=${href("/campaigns")}>${t("back")}</a>
    <${PageHeader} title=${c.name}><${Badge} tone=${TONE[c.status] || "info"}>${t(c.status)}<//><//>
    <div class="message message-out preline">${c.image_url && html`<img class="message-image" src=${c.image_url} alt="" />`}${c.text}</div>
    ${c.started_at && html`<p class="muted">${dateTime(c.started_at)}</p>`}
    <${Alert} error=${error} />
    ${atLeast("admin") && html`<div class="row">${(ACTIONS[c.status] || []).map((action) => html`<button type="button"
      class=${action === "start" || action === "resume" ? "primary" : action === "cancel" ? "danger" : ""}
      onClick=${() => (action === "cancel" ? setConfirming(true) : run(action))}>
      ${action === "plan" && c.status === "planned" ? t("replan") : t(action)}</button>`)}</div>`}
    <${Confirm} open=${confirming} title=${t("cancel")} confirmLabel=${t("cancel")} onConfirm=${() => run("cancel")}
      onCancel=${() => setConfirming(false)}>${t("confirmCancel")}<//>
    ${plan.data && plan.data.recipients > 0 && html`<${Plan} plan=${plan.data} />`}
    ${!started && html`<${TryIt} id=${params.id} />`}
    ${started && results.data && html`<${Funnel} results=${results.data} />`}
    ${recipients.data && recipients.data.length > 0 && html`<${Recipients} rows=${recipients.data} />`}
  </section>`;
}
