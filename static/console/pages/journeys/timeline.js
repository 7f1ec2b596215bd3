/** A customer's journeys on their page: each one they entered, where they are or why they left, every step run. */
import { html } from "../../lib/html.js";
import { dateTime } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { Badge, useApi } from "../../lib/ui.js";
import { reason as sendReason } from "../campaigns/strings.js";
import { t, word } from "./strings.js";

const TONE = { active: "ok", completed: "neutral", exited: "warn" };
const STATE = { active: "inside", completed: "finished", exited: "exited" };

/** A step run's detail in words: when a wait ends, which check ran, why a send was skipped. */
function runDetail(run) {
  if (run.outcome === "waited") return dateTime(run.detail);
  if (run.kind === "condition") return t(run.detail);
  if (run.kind === "send") return sendReason(run.detail);
  return word("reason", run.detail);
}

export function CustomerJourneys({ customer }) {
  const enrollments = useApi(`/customers/${customer.ref}/journeys`);
  return html`<section class="card" aria-label=${t("journeyOf")}><h2>${t("journeyOf")}</h2>
    ${!(enrollments.data || []).length ? html`<p class="muted">${t("noJourneys")}</p>`
      : html`<ul class="plain stack">${enrollments.data.map((e) => html`<li key=${e.id}>
        <a href=${href(`/journeys/${e.journey_id}`)}><strong>${e.journey_name}</strong></a>
        <${Badge} tone=${TONE[e.status] || "info"}>${t(STATE[e.status] || e.status)}<//>
        ${e.exit_reason && html` <small>${word("reason", e.exit_reason)}</small>`}
        <small class="muted"> · ${t("enteredAt")} ${dateTime(e.entered_at)}</small>
        ${e.runs.length > 0 && html`<ol class="plain journey-runs">${e.runs.map((run) => html`<li>
          <small class="muted">${dateTime(run.at)}</small> ${t("step", { n: run.step + 1 })} · ${t(run.kind)}: ${word("outcome", run.outcome)}
          ${run.detail && html` <small class="muted">(${runDetail(run)})</small>`}</li>`)}</ol>`}
      </li>`)}</ul>`}
  </section>`;
}
