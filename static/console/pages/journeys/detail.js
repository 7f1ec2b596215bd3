/**
 * One journey: its trigger, its steps in order with how many customers wait at each and how each step's runs
 * ended, the moves its state allows, the customers inside (refreshed while it runs), and editing: name and exits
 * always, trigger and steps while nobody is inside (the API refuses otherwise, and the page says why first).
 */
import { html } from "../../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Confirm, Field, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { ExitsEditor, TONE, useChoices } from "./index.js";
import { cleaned, describeStep, describeTrigger, StepsEditor, TriggerEditor } from "./steps.js";
import { t, word } from "./strings.js";

const REFRESH_MS = 5000;
const MOVES = { draft: ["activate", "archive"], active: ["pause", "archive"], paused: ["activate", "archive"] };

function Counts({ journey }) {
  const by = journey.by_status || {};
  return html`<section class="card" aria-label=${t("counts")}><h2>${t("counts")}</h2>
    <dl class="facts">
      <dt>${t("entered")}</dt><dd>${journey.entered}</dd>
      <dt>${t("inside")}</dt><dd>${by.active || 0}</dd>
      <dt>${t("finished")}</dt><dd>${by.completed || 0}</dd>
      <dt>${t("exited")}</dt><dd>${by.exited || 0}</dd>
      ${Object.entries(journey.exits || {}).map(([code, n]) => html`<dt>${t("exitReasons")}: ${word("reason", code)}</dt><dd>${n}</dd>`)}
    </dl></section>`;
}

function Steps({ journey, staffName }) {
  return html`<section class="card" aria-label=${t("steps")}><h2>${t("steps")}</h2>
    <p>${t("trigger")}: <strong>${describeTrigger(journey.trigger)}</strong></p>
    <ol class="journey-steps-read">${journey.steps.map((step, index) => {
      const count = journey.per_step?.[index] || { waiting: 0, outcomes: {} };
      return html`<li key=${index}><span class="preline">${describeStep(step, staffName)}</span>
        <div><small class="muted">${t("waiting", { n: count.waiting })}${Object.entries(count.outcomes).map(([outcome, n]) =>
          ` · ${word("outcome", outcome)}: ${n}`)}</small></div></li>`;
    })}</ol></section>`;
}

function Enrollments({ rows }) {
  return html`<section class="card"><h2>${t("enrollments")}</h2><div class="table-wrap" tabindex="0"><table>
    <caption class="visually-hidden">${t("enrollments")}</caption>
    <thead><tr><th>${t("customer")}</th><th>${t("state")}</th><th>${t("atStep")}</th><th>${t("next")}</th><th>${t("enteredAt")}</th><th>${t("why")}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${r.id}><td><a href=${href(`/customers/${r.customer_ref}`)}>${r.customer_name || r.customer_ref}</a></td>
      <td>${t({ active: "inside", completed: "finished", exited: "exited" }[r.status] || r.status)}</td>
      <td>${r.status === "active" ? r.step + 1 : "—"}</td><td>${r.due_at ? dateTime(r.due_at) : "—"}</td>
      <td>${dateTime(r.entered_at)}</td><td>${r.exit_reason ? word("reason", r.exit_reason) : ""}</td></tr>`)}</tbody></table></div></section>`;
}

/** Name and exits always; trigger and steps only with nobody inside. Sends only what may change. */
function Edit({ journey, onSaved }) {
  const choices = useChoices();
  const locked = (journey.by_status?.active || 0) > 0;
  const [name, setName] = useState(journey.name);
  const [trigger, setTrigger] = useState(journey.trigger);
  const [steps, setSteps] = useState(journey.steps);
  const [exits, setExits] = useState({ exit_on_reply: journey.exit_on_reply, exit_on_order: journey.exit_on_order, reentry: journey.reentry });
  const [error, setError] = useState(null);
  async function save(event) {
    event.preventDefault();
    setError(null);
    const body = { name: name.trim(), ...exits, ...(locked ? {} : { trigger: cleaned(trigger), steps: steps.map(cleaned) }) };
    try {
      await api(`/journeys/${journey.id}`, { method: "PATCH", body });
      toast(t("saved"));
      onSaved();
    } catch (caught) { setError(caught); }
  }
  return html`<details class="card"><summary>${t("edit")}</summary><form class="stack" onSubmit=${save}>
    <${Field} label=${t("name")}>${(a) => html`<input ...${a} required maxlength="100" value=${name} onInput=${(e) => setName(e.target.value)} />`}<//>
    ${locked ? html`<${Alert} kind="info">${t("locked")}<//>` : html`
      <${TriggerEditor} trigger=${trigger} onChange=${setTrigger} tags=${choices.tags} forms=${choices.forms} />
      <${StepsEditor} steps=${steps} onChange=${setSteps} templates=${choices.templates} staff=${choices.staff} />`}
    <${ExitsEditor} value=${exits} onChange=${setExits} />
    <${Alert} error=${error} />
    <div class="row"><button class="primary">${t("save")}</button></div>
  </form></details>`;
}

export default function JourneyDetail({ params }) {
  const journey = useApi(`/journeys/${params.id}`);
  const enrollments = useApi(`/journeys/${params.id}/enrollments`, { limit: 100 });
  const staff = useApi("/assignees", {}, { enabled: atLeast("admin") });
  const [error, setError] = useState(null);
  const [confirming, setConfirming] = useState(false);
  const status = journey.data?.status;
  const reloadAll = () => [journey, enrollments].forEach((part) => part.reload({ quiet: true }));
  useEffect(() => { // customers move on while it runs
    if (status !== "active") return undefined;
    const timer = setInterval(reloadAll, REFRESH_MS);
    return () => clearInterval(timer);
  }, [status]);
  async function move(action) {
    setError(null);
    setConfirming(false);
    try { await api(`/journeys/${params.id}/${action}`, { method: "POST" }); reloadAll(); } catch (caught) { setError(caught); }
  }
  if (journey.error) return html`<${Alert} error=${journey.error} />`;
  if (!journey.data) return html`<${Loading} />`;
  const j = journey.data;
  const staffName = (id) => (staff.data || []).find((s) => s.id === id)?.name || `#${id}`;
  return html`<section class="journey stack">
    <a class="back-link" href=${href("/journeys")}>${t("back")}</a>
    <${PageHeader} title=${j.name}><${Badge} tone=${TONE[j.status] || "info"}>${t(j.status)}<//><//>
    <${Alert} error=${error} />
    ${atLeast("admin") && html`<div class="row">${(MOVES[j.status] || []).map((action) => html`<button type="button"
      class=${action === "activate" ? "primary" : action === "archive" ? "danger" : ""}
      onClick=${() => (action === "archive" ? setConfirming(true) : move(action))}>${t(action)}</button>`)}</div>`}
    <${Confirm} open=${confirming} title=${t("archive")} confirmLabel=${t("archive")} onConfirm=${() => move("archive")}
      onCancel=${() => setConfirming(false)}>${t("confirmArchive")}<//>
    <div class="grid"><${Steps} journey=${j} staffName=${staffName} /><${Counts} journey=${j} /></div>
    ${atLeast("admin") && j.status !== "archived" && html`<${Edit} journey=${j} onSaved=${reloadAll} key=${j.updated_at} />`}
    ${enrollments.data && enrollments.data.length > 0 && html`<${Enrollments} rows=${enrollments.data} />`}
  </section>`;
}
