/**
 * A journey's trigger and its ordered steps, as a person edits them (one card per step: its type, then only the
 * fields that type takes) and reads them ("Chờ 3 ngày", "Đi tiếp nếu không đã đặt hàng"). The values are kept in
 * the API's own shape (docs/campaigns.md "Journeys"), so what is edited is what is sent.
 */
import { html } from "../../lib/html.js";
import { Field } from "../../lib/ui.js";
import { t as customerWords } from "../customers/strings.js";
import { t } from "./strings.js";

export const TRIGGER_KINDS = ["form_submitted", "tag_added", "stage_changed", "order_status_changed", "silent", "date"];
export const STEP_TYPES = ["wait", "condition", "send", "tag", "assign", "stage", "notify"];
export const STAGES = ["new", "contacted", "qualified", "customer", "vip", "lost"];
const CHECKS = ["ordered_since_entry", "has_tag", "window_open"];
// What a new step of each type starts as: valid once its text or tag is filled in.
const NEW_STEP = { wait: { days: 1 }, condition: { check: "ordered_since_entry", expect: false }, send: { text: "" },
  tag: { tag: "", action: "add" }, assign: {}, stage: { to: "contacted" }, notify: { text: "" } };
const NEW_TRIGGER = { form_submitted: {}, tag_added: { tag: "" }, stage_changed: {}, order_status_changed: {},
  silent: { days: 3 }, date: { field: "attributes.", offset_days: 0 } };

export const newStep = (type) => ({ type, ...NEW_STEP[type] });
export const newTrigger = (kind) => ({ kind, ...NEW_TRIGGER[kind] });
const stageWord = (stage) => customerWords(`stage_${stage}`);

/** The body to send: optional fields left empty are left out, as the API wants them absent, not blank. */
export function cleaned(value) {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== "" && v !== null && v !== undefined));
}

export function describeTrigger(trigger) {
  const filter = trigger.form || trigger.tag || (trigger.to && stageWord(trigger.to)) || trigger.status
    || (trigger.days && `${trigger.days} ${t("days").toLowerCase()}`) || trigger.field;
  return filter ? `${t(trigger.kind)}: ${filter}` : t(trigger.kind);
}

export function describeStep(step, staffName = (id) => `#${id}`) {
  switch (step.type) {
    case "wait": {
      if (step.until) return t("describeUntil", { time: step.until });
      const parts = ["days", "hours", "minutes"].filter((unit) => step[unit]).map((unit) => `${step[unit]} ${t(unit).toLowerCase()}`);
      return t("describeWait", { what: parts.join(" ") });
    }
    case "condition": {
      const what = step.check === "has_tag" ? `${t("has_tag")} «${step.tag}»` : t(step.check);
      return t(step.expect === false ? "describeCheckNot" : "describeCheck", { what });
    }
    case "send": case "notify": return `${t(step.type)}: ${step.text}`;
    case "tag": return t("describeTag", { action: t(step.action || "add"), tag: step.tag });
    case "assign": return step.staff_id ? t("describeAssign", { who: staffName(step.staff_id) }) : t("roundRobin");
    case "stage": return t("describeStage", { to: stageWord(step.to) });
    default: return step.type;
  }
}

/** Numbers typed into an input: a number, or absent when emptied. */
const number = (value) => (value === "" ? undefined : Number(value));

export function TriggerEditor({ trigger, onChange, tags = [], forms = [] }) {
  const set = (name, convert = (v) => v) => (e) => onChange({ ...trigger, [name]: convert(e.target.value) });
  const input = (label, name, attrs = {}) => html`<${Field} label=${label}>${(a) => html`<input ...${a} ...${attrs}
    value=${trigger[name] ?? ""} onInput=${set(name, attrs.type === "number" ? number : undefined)} />`}<//>`;
  return html`<fieldset class="stack"><legend>${t("trigger")}</legend>
    <${Field} label=${t("triggerKind")}>${(a) => html`<select ...${a} value=${trigger.kind}
      onChange=${(e) => onChange(newTrigger(e.target.value))}>${TRIGGER_KINDS.map((kind) => html`<option value=${kind}>${t(kind)}</option>`)}</select>`}<//>
    ${trigger.kind === "form_submitted" && input(t("formSlug"), "form", { list: "journey-forms" })}
    ${trigger.kind === "tag_added" && input(t("tagName"), "tag", { required: true, list: "journey-tags" })}
    ${trigger.kind === "stage_changed" && html`<${Field} label=${t("stageTo")}>${(a) => html`<select ...${a} value=${trigger.to || ""}
      onChange=${set("to")}><option value="">—</option>${STAGES.map((s) => html`<option value=${s}>${stageWord(s)}</option>`)}</select>`}<//>`}
    ${trigger.kind === "order_status_changed" && input(t("orderStatus"), "status")}
    ${trigger.kind === "silent" && input(t("silentDays"), "days", { type: "number", min: 1, max: 90, required: true })}
    ${trigger.kind === "date" && html`<div class="grid">${input(t("dateField"), "field", { required: true })}
      ${input(t("offsetDays"), "offset_days", { type: "number", min: -365, max: 365 })}</div>
      <label class="inline"><input type="checkbox" checked=${!!trigger.yearly}
        onChange=${(e) => onChange({ ...trigger, yearly: e.target.checked })} />${t("yearly")}</label>`}
    <datalist id="journey-tags">${tags.map((tag) => html`<option value=${tag.name} />`)}</datalist>
    <datalist id="journey-forms">${forms.map((form) => html`<option value=${form.slug} />`)}</datalist>
  </fieldset>`;
}

function StepFields({ step, index, onChange, templates, staff }) {
  const set = (name, convert = (v) => v) => (e) => onChange({ ...step, [name]: convert(e.target.value) });
  const text = (label, name, hint) => html`<${Field} label=${label} hint=${hint}>${(a) => html`<textarea ...${a} required rows="3"
    value=${step[name] || ""} onInput=${set(name)}></textarea>`}<//>`;
  switch (step.type) {
    case "wait": {
      const byTime = step.until !== undefined;
      return html`<div class="stack">
        <div role="radiogroup" aria-label=${t("waitHow")} class="row">
          <label class="inline"><input type="radio" name=${`wait-${index}`} checked=${!byTime} onChange=${() => onChange(newStep("wait"))} />${t("waitFor")}</label>
          <label class="inline"><input type="radio" name=${`wait-${index}`} checked=${byTime} onChange=${() => onChange({ type: "wait", until: "09:00" })} />${t("waitUntil")}</label>
        </div>
        ${byTime ? html`<${Field} label=${t("until")}>${(a) => html`<input ...${a} type="time" required value=${step.until} onInput=${set("until")} />`}<//>`
          : html`<div class="grid">${["days", "hours", "minutes"].map((unit) => html`<${Field} label=${t(unit)}>${(a) => html`<input ...${a}
            type="number" min="0" value=${step[unit] ?? ""} onInput=${set(unit, number)} />`}<//>`)}</div>`}
      </div>`;
    }
    case "condition":
      return html`<div class="grid">
        <${Field} label=${t("check")}>${(a) => html`<select ...${a} value=${step.check}
          onChange=${(e) => onChange(cleaned({ type: "condition", check: e.target.value, expect: step.expect, tag: e.target.value === "has_tag" ? step.tag || "" : undefined }))}>
          ${CHECKS.map((c) => html`<option value=${c}>${t(c)}</option>`)}</select>`}<//>
        ${step.check === "has_tag" && html`<${Field} label=${t("tagName")}>${(a) => html`<input ...${a} required list="journey-tags"
          value=${step.tag || ""} onInput=${set("tag")} />`}<//>`}
        <${Field} label=${t("expect")}>${(a) => html`<select ...${a} value=${step.expect === false ? "false" : "true"}
          onChange=${(e) => onChange({ ...step, expect: e.target.value === "true" })}>
          <option value="true">${t("expectTrue")}</option><option value="false">${t("expectFalse")}</option></select>`}<//>
      </div>`;
    case "send":
      return html`<div class="stack">${text(t("text"), "text", t("textHint"))}<div class="grid">
        <${Field} label=${t("image")}>${(a) => html`<input ...${a} type="url" value=${step.image_url || ""} onInput=${set("image_url")} />`}<//>
        <${Field} label=${t("template")}>${(a) => html`<select ...${a} value=${step.zns_template_id || ""} onChange=${set("zns_template_id")}>
          <option value="">${t("noTemplate")}</option>${templates.map((tpl) => html`<option value=${tpl.template_id}>${tpl.name || tpl.template_id}</option>`)}</select>`}<//>
      </div></div>`;
    case "tag":
      return html`<div class="grid">
        <${Field} label=${t("action")}>${(a) => html`<select ...${a} value=${step.action || "add"} onChange=${set("action")}>
          <option value="add">${t("add")}</option><option value="remove">${t("remove")}</option></select>`}<//>
        <${Field} label=${t("tagName")}>${(a) => html`<input ...${a} required list="journey-tags" value=${step.tag} onInput=${set("tag")} />`}<//>
      </div>`;
    case "assign":
      return html`<${Field} label=${t("staff")}>${(a) => html`<select ...${a} value=${step.staff_id || ""}
        onChange=${(e) => onChange(cleaned({ type: "assign", staff_id: number(e.target.value) }))}>
        <option value="">${t("roundRobin")}</option>${staff.map((s) => html`<option value=${s.id}>${s.name}</option>`)}</select>`}<//>`;
    case "stage":
      return html`<${Field} label=${t("stageTo")}>${(a) => html`<select ...${a} value=${step.to} onChange=${set("to")}>
        ${STAGES.map((s) => html`<option value=${s}>${stageWord(s)}</option>`)}</select>`}<//>`;
    case "notify":
      return text(t("noteText"), "text", t("textHint"));
    default:
      return null;
  }
}

/** The ordered steps: change a step's type, fill its fields, move it up or down, remove it, add one at the end. */
export function StepsEditor({ steps, onChange, templates = [], staff = [] }) {
  const replace = (index, step) => onChange(steps.map((s, i) => (i === index ? step : s)));
  const move = (index, by) => {
    const next = [...steps];
    [next[index], next[index + by]] = [next[index + by], next[index]];
    onChange(next);
  };
  return html`<fieldset class="stack"><legend>${t("steps")}</legend>
    <ol class="plain stack journey-steps">${steps.map((step, index) => html`<li class="card stack journey-step" key=${index}
      aria-label=${t("step", { n: index + 1 })}>
      <div class="row">
        <strong>${t("step", { n: index + 1 })}</strong>
        <${Field} label=${t("stepType")}>${(a) => html`<select ...${a} value=${step.type}
          onChange=${(e) => replace(index, newStep(e.target.value))}>${STEP_TYPES.map((type) => html`<option value=${type}>${t(type)}</option>`)}</select>`}<//>
        <span class="page-actions">
          <button type="button" class="link" disabled=${index === 0} aria-label=${t("up", { n: index + 1 })} onClick=${() => move(index, -1)}>↑</button>
          <button type="button" class="link" disabled=${index === steps.length - 1} aria-label=${t("down", { n: index + 1 })} onClick=${() => move(index, 1)}>↓</button>
          <button type="button" class="link" disabled=${steps.length === 1} aria-label=${t("removeStep", { n: index + 1 })}
            onClick=${() => onChange(steps.filter((_, i) => i !== index))}>✕</button>
        </span>
      </div>
      <${StepFields} step=${step} index=${index} onChange=${(changed) => replace(index, changed)} templates=${templates} staff=${staff} />
    </li>`)}</ol>
    <div class="row"><button type="button" disabled=${steps.length >= 30} onClick=${() => onChange([...steps, newStep("send")])}>${t("addStep")}</button></div>
  </fieldset>`;
}
