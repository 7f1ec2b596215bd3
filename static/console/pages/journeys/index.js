/** Journeys: the list with each one's state, and a new journey (owners, admins): its trigger, steps and exits. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { href, navigate } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Empty, Field, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { cleaned, describeTrigger, newStep, newTrigger, StepsEditor, TriggerEditor } from "./steps.js";
import { t } from "./strings.js";

export const TONE = { active: "ok", paused: "warn", draft: "info", archived: "neutral" };

/** The pickers' lists (tags, forms, ZNS templates, people to assign), shared by the create and edit forms. */
export function useChoices() {
  const tags = useApi("/tags");
  const forms = useApi("/forms");
  const templates = useApi("/zns/templates");
  const staff = useApi("/assignees");
  return { tags: tags.data || [], forms: forms.data || [], staff: staff.data || [],
    templates: (templates.data?.items || []).filter((tpl) => tpl.status === "ENABLE") };
}

/** Exits and re-entry: three switches, edited alike on a new journey and an existing one. */
export function ExitsEditor({ value, onChange }) {
  const box = (name, label) => html`<label class="inline"><input type="checkbox" checked=${value[name]}
    onChange=${(e) => onChange({ ...value, [name]: e.target.checked })} />${label}</label>`;
  return html`<fieldset class="stack"><legend>${t("exits")}</legend>
    ${box("exit_on_reply", t("exitOnReply"))}${box("exit_on_order", t("exitOnOrder"))}${box("reentry", t("reentry"))}
  </fieldset>`;
}

function CreateForm() {
  const choices = useChoices();
  const [name, setName] = useState("");
  const [trigger, setTrigger] = useState(newTrigger("form_submitted"));
  const [steps, setSteps] = useState([newStep("wait"), newStep("send")]);
  const [exits, setExits] = useState({ exit_on_reply: true, exit_on_order: false, reentry: false });
  const [error, setError] = useState(null);
  async function create(event) {
    event.preventDefault();
    setError(null);
    try {
      const made = await api("/journeys", { method: "POST",
        body: { name: name.trim(), trigger: cleaned(trigger), steps: steps.map(cleaned), ...exits } });
      toast(t("created", { name: made.name }));
      navigate(`/journeys/${made.id}`);
    } catch (caught) { setError(caught); }
  }
  return html`<form class="card stack" onSubmit=${create} aria-label=${t("create")}>
    <h2>${t("create")}</h2>
    <${Field} label=${t("name")} error=${error?.fields?.name}>${(a) => html`<input ...${a} required maxlength="100" value=${name}
      onInput=${(e) => setName(e.target.value)} />`}<//>
    <${TriggerEditor} trigger=${trigger} onChange=${setTrigger} tags=${choices.tags} forms=${choices.forms} />
    <${StepsEditor} steps=${steps} onChange=${setSteps} templates=${choices.templates} staff=${choices.staff} />
    <${ExitsEditor} value=${exits} onChange=${setExits} />
    <${Alert} error=${error} />
    <div class="row"><button class="primary">${t("create")}</button></div>
  </form>`;
}

export default function Journeys() {
  const journeys = useApi("/journeys");
  return html`<section class="journeys stack">
    <${PageHeader} title=${t("title")} />
    <${Alert} error=${journeys.error} />
    ${!journeys.data ? !journeys.error && html`<${Loading} />` : journeys.data.length === 0 ? html`<${Empty}>${t("none")}<//>`
      : html`<ul class="plain">${journeys.data.map((j) => html`<li class="card row" key=${j.id}>
          <a href=${href(`/journeys/${j.id}`)}><strong>${j.name}</strong></a>
          <${Badge} tone=${TONE[j.status] || "info"}>${t(j.status)}<//>
          <span>${describeTrigger(j.trigger)} · ${t("steps").toLowerCase()}: ${j.steps.length}</span>
          <small class="muted">${dateTime(j.created_at)}</small></li>`)}</ul>`}
    ${atLeast("admin") && html`<${CreateForm} />`}
  </section>`;
}
