/**
 * Forms (owners, admins): the shop's forms with their versions and submission counts, each
 * exported as JSON or previewed, and importing a definition (pasted or from a file): checked first, with what
 * it would do and the page as customers will see it, then imported. The preview is the Mini App's own form card
 * (/miniapp/preview.html), fed through postMessage, so it cannot drift from the real page.
 */
import { html } from "../../lib/html.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, download } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { locale } from "../../lib/i18n.js";
import { Alert, Badge, Field, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

function FormPreview({ definition }) {
  const frame = useRef(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const onMessage = (event) => {
      if (event.source === frame.current?.contentWindow && event.data?.formPreviewReady) setReady(true);
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, []);
  useEffect(() => {
    if (ready) frame.current.contentWindow.postMessage({ formPreview: definition, lang: locale.value }, location.origin);
  }, [ready, definition, locale.value]);
  return html`<iframe ref=${frame} class="form-preview" title=${t("formPreview")} src="/miniapp/preview.html"></iframe>`;
}

/** A problem's nested `errors` ({fields: {0: {type: [...]}}}) as readable lines: "fields › 0 › type: …". */
function errorLines(errors, path = []) {
  return Object.entries(errors || {}).flatMap(([key, value]) => (Array.isArray(value)
    ? [`${[...path, key].join(" › ")}: ${value.join(" ")}`] : errorLines(value, [...path, key])));
}

function ImportForm({ onImported }) {
  const [text, setText] = useState("");
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const parsed = () => {
    try { return JSON.parse(text); } catch (caught) { throw new Error(t("notJson", { reason: caught.message })); }
  };
  async function check(event) {
    event.preventDefault();
    setError(null); setPlan(null); setDone(null);
    try { setPlan(await api("/forms/check", { method: "POST", body: parsed() })); } catch (caught) { setError(caught); }
  }
  async function save() {
    setError(null);
    try {
      const form = await api("/forms", { method: "POST", body: parsed() });
      setPlan(null); setText(""); setDone(t("imported", { slug: form.slug, version: form.version })); onImported();
    } catch (caught) { setError(caught); }
  }
  async function readFile(event) {
    const file = event.target.files[0];
    if (file) { setText(await file.text()); setPlan(null); }
  }
  return html`<form class="card stack" onSubmit=${check}>
    <h3>${t("importForm")}</h3>
    <${Field} label=${t("formFile")}>${(a) => html`<input ...${a} type="file" accept="application/json,.json" onChange=${readFile} />`}<//>
    <${Field} label=${t("formJson")} hint=${t("formJsonHint")}>${(a) => html`<textarea ...${a} rows="8" class="code"
      value=${text} onInput=${(e) => { setText(e.target.value); setPlan(null); }}></textarea>`}<//>
    ${error && html`<div class="alert alert-error" role="alert"><p>${error.sentence || error.message}</p>
      ${error.fields && html`<ul>${errorLines(error.fields).map((line) => html`<li>${line}</li>`)}</ul>`}</div>`}
    ${done && html`<p role="status">${done}</p>`}
    <div class="row"><button class="primary" disabled=${!text.trim()}>${t("checkForm")}</button></div>
    ${plan && html`<div class="stack">
      <p role="status">${t(`plan_${plan.action}`, { slug: plan.definition.slug, version: plan.version })}</p>
      <${FormPreview} definition=${plan.definition} />
      <div class="row"><button type="button" class="primary" onClick=${save}>${t("importButton")}</button></div>
    </div>`}
  </form>`;
}

function FormRow({ form }) {
  const [definition, setDefinition] = useState(null);
  const [error, setError] = useState(null);
  async function show() {
    if (definition) return setDefinition(null);
    try { setDefinition(await api(`/forms/${form.slug}`)); } catch (caught) { setError(caught); }
  }
  return html`<li class="card">
    <div class="row">
      <strong>${form.title[locale.value] || form.title.vi}</strong>
      <code>${form.slug}</code>
      <${Badge} tone=${form.active ? "ok" : "neutral"}>${t("formVersion", { version: form.version })}<//>
      <span class="muted">${t("formCounts", { fields: form.fields_count, submissions: form.submissions })} · ${dateTime(form.updated_at)}</span>
    </div>
    <div class="row">
      <button type="button" aria-expanded=${Boolean(definition)} onClick=${show}>${t("viewForm")}</button>
      <button type="button" onClick=${() => download(`/forms/${form.slug}`, `${form.slug}.json`).catch(setError)}>${t("exportForm")}</button>
    </div>
    <${Alert} error=${error} />
    ${definition && html`<${FormPreview} definition=${definition} />`}
  </li>`;
}

export function FormSettings() {
  const forms = useApi("/forms");
  return html`<div class="stack">
    <${Alert} error=${forms.error} />
    ${!forms.data ? !forms.error && html`<${Loading} />`
      : html`<ul class="plain">${forms.data.map((form) => html`<${FormRow} key=${form.slug} form=${form} />`)}</ul>`}
    <${ImportForm} onImported=${() => forms.reload({ quiet: true })} />
  </div>`;
}
