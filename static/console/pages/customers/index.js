/**
 * Customers: the list with the API's filters (kept in the URL), saved segments with their live counts, and
 * "save these filters as a segment" for admins. Text search is the inbox's (`GET /search`), not here.
 */
import { html } from "../../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { ago } from "../../lib/format.js";
import { href, replaceQuery } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Empty, Field, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { STAGES, displayName, t } from "./strings.js";

const FLAGS = ["has_phone", "consented", "has_orders"];

/** The API filter of the URL's query (one tag and one stage from the form; the API takes lists). */
function apiFilter(query) {
  const filter = {};
  if (query.tag) filter.tags = [query.tag];
  if (query.stage) filter.pipeline_status = [query.stage];
  for (const flag of FLAGS) if (query[flag]) filter[flag] = query[flag] === "true";
  return filter;
}

function Filters({ query }) {
  const [form, setForm] = useState({ tag: query.tag || "", stage: query.stage || "", ...Object.fromEntries(FLAGS.map((f) => [f, query[f] || ""])) });
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  const flagLabel = { has_phone: t("hasPhone"), consented: t("consented"), has_orders: t("hasOrders") };
  return html`<form class="row customer-filters" aria-label=${t("filters")}
      onSubmit=${(e) => { e.preventDefault(); replaceQuery({ segment: query.segment, ...form }); }}>
    <label>${t("tag")}<input value=${form.tag} onInput=${set("tag")} /></label>
    <label>${t("stage")}<select value=${form.stage} onChange=${set("stage")}>
      <option value="">${t("anyStage")}</option>${STAGES.map((s) => html`<option value=${s}>${t(`stage_${s}`)}</option>`)}</select></label>
    ${FLAGS.map((flag) => html`<label>${flagLabel[flag]}<select value=${form[flag]} onChange=${set(flag)}>
      <option value=""></option><option value="true">✓</option><option value="false">✗</option></select></label>`)}
    <button class="primary">${t("apply")}</button>
    <button type="button" onClick=${() => replaceQuery({ segment: query.segment })}>${t("clear")}</button>
  </form>`;
}

function Segments({ query }) {
  const segments = useApi("/segments", {}, { enabled: atLeast("admin") || atLeast("viewer") && !atLeast("agent") });
  const [name, setName] = useState("");
  const [error, setError] = useState(null);
  if (segments.error?.status === 403 || !segments.data) return null;
  async function save(event) {
    event.preventDefault();
    try {
      await api("/segments", { method: "POST", body: { name, filter: apiFilter(query) } });
      toast(t("segmentSaved", { name }));
      setName("");
      segments.reload();
    } catch (caught) { setError(caught); }
  }
  return html`<div class="row segments">
    <label>${t("segment")}<select value=${query.segment || ""} onChange=${(e) => replaceQuery({ ...query, segment: e.target.value })}>
      <option value="">${t("noSegment")}</option>
      ${segments.data.map((s) => html`<option value=${s.id}>${s.name} (${t("members", { count: s.count ?? "?" })})</option>`)}
    </select></label>
    ${atLeast("admin") && html`<form class="row" onSubmit=${save}>
      <${Field} label=${t("segmentName")} error=${error?.fields?.name}>${(a) => html`<input ...${a} required value=${name}
        onInput=${(e) => setName(e.target.value)} />`}<//>
      <button>${t("saveSegment")}</button></form>`}
    <${Alert} error=${error && !error.fields?.name ? error : null} />
  </div>`;
}

export default function Customers({ query }) {
  const filter = { ...apiFilter(query), ...(query.segment ? { segment: query.segment } : {}), limit: 50 };
  const first = useApi("/customers", filter);
  const [extra, setExtra] = useState({ items: [], next: undefined });
  useEffect(() => setExtra({ items: [], next: undefined }), [JSON.stringify(filter)]);
  const items = [...(first.data?.items || []), ...extra.items];
  const next = extra.next === undefined ? first.data?.next_cursor : extra.next;
  async function more() {
    const page = await api("/customers", { query: { ...filter, cursor: next } });
    setExtra({ items: [...extra.items, ...page.items], next: page.next_cursor || null });
  }
  return html`<section class="customers">
    <${PageHeader} title=${t("title")}>
      ${(atLeast("admin") || !atLeast("agent")) && html`<a class="button" href=${href("/conflicts")}>${t("conflicts")}</a>`}
    <//>
    <${Segments} query=${query} />
    <${Filters} query=${query} key=${JSON.stringify(query)} />
    <${Alert} error=${first.error} onRetry=${first.reload} />
    ${first.loading && !first.data ? html`<${Loading} />` : !items.length ? html`<${Empty}>${t("none")}<//>` : html`
      <div class="table-wrap" tabindex="0"><table>
        <caption class="visually-hidden">${t("list")}</caption>
        <thead><tr><th>${t("name")}</th><th>${t("phones")}</th><th>${t("tags")}</th><th>${t("stage")}</th><th>${t("lastSeen")}</th></tr></thead>
        <tbody>${items.map((c) => html`<tr key=${c.ref}>
          <td><a href=${href(`/customers/${c.ref}`)}>${displayName(c)}</a></td>
          <td>${(c.phones || []).map((p) => html`<div>${p.e164}</div>`)}</td>
          <td>${(c.tags || []).map((tag) => html`<${Badge} tone="info">${tag}<//> `)}</td>
          <td>${c.pipeline_status ? t(`stage_${c.pipeline_status}`) : ""}</td>
          <td>${c.last_interaction_at ? ago(c.last_interaction_at) : "—"}</td></tr>`)}</tbody>
      </table></div>
      ${next && html`<button type="button" onClick=${more}>${t("more")}</button>`}`}
  </section>`;
}
