/** Campaigns: the list, newest first, and a new campaign (owners, admins); a campaign opens its own page. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { href, navigate } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { Alert, Badge, Empty, Field, Loading, PageHeader, toast, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

export const TONE = { running: "ok", paused: "warn", scheduled: "info", cancelled: "neutral", finished: "neutral" };

function CreateForm() {
  const segments = useApi("/segments");
  const templates = useApi("/zns/templates");
  const [form, setForm] = useState({ name: "", kind: "tags", segment_id: "", tags: "", text: "", link_url: "", image_url: "", use_promotion: false,
    zns_template_id: "", rate_per_minute: 60 });
  const [error, setError] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  async function create(event) {
    event.preventDefault();
    setError(null);
    const audience = form.kind === "segment" ? { segment_id: Number(form.segment_id) }
      : { tags: form.tags.split(",").map((s) => s.trim()).filter(Boolean) };
    const body = { name: form.name.trim(), audience, text: form.text, rate_per_minute: Number(form.rate_per_minute),
      link_url: form.link_url.trim() || null, image_url: form.image_url.trim() || null, use_promotion: form.use_promotion, zns_template_id: form.zns_template_id || null };
    try {
      const made = await api("/campaigns", { method: "POST", body });
      toast(t("created", { name: made.name }));
      navigate(`/campaigns/${made.id}`);
    } catch (caught) { setError(caught); }
  }
  const f = error?.fields || {};
  const enabled = (templates.data?.items || []).filter((tpl) => tpl.status === "ENABLE");
  return html`<form class="card stack" onSubmit=${create}>
    <h2>${t("create")}</h2>
    <${Alert} error=${error && !Object.keys(f).length ? error : null} />
    <${Field} label=${t("name")} error=${f.name}>${(a) => html`<input ...${a} required value=${form.name} onInput=${set("name")} />`}<//>
    <fieldset class="stack"><legend>${t("audience")}</legend>
      <label class="inline"><input type="radio" name="kind" checked=${form.kind === "tags"} onChange=${() => setForm({ ...form, kind: "tags" })} />${t("byTags")}</label>
      <label class="inline"><input type="radio" name="kind" checked=${form.kind === "segment"} onChange=${() => setForm({ ...form, kind: "segment" })} />${t("bySegment")}</label>
      ${form.kind === "tags"
        ? html`<${Field} label=${t("tags")} error=${f.audience}>${(a) => html`<input ...${a} required value=${form.tags} onInput=${set("tags")} />`}<//>`
        : html`<${Field} label=${t("bySegment")} error=${f.audience}>${(a) => html`<select ...${a} required value=${form.segment_id} onChange=${set("segment_id")}>
            <option value="">—</option>${(segments.data || []).map((s) => html`<option value=${s.id}>${s.name}</option>`)}</select>`}<//>`}
    </fieldset>
    <${Field} label=${t("text")} hint=${t("textHint")} error=${f.text}>${(a) => html`<textarea ...${a} required rows="4" value=${form.text} onInput=${set("text")}></textarea>`}<//>
    <div class="grid">
      <${Field} label=${t("link")} error=${f.link_url}>${(a) => html`<input ...${a} type="url" value=${form.link_url} onInput=${set("link_url")} />`}<//>
      <${Field} label=${t("image")} error=${f.image_url}>${(a) => html`<input ...${a} type="url" value=${form.image_url} onInput=${set("image_url")} />`}<//>
      <${Field} label=${t("template")} error=${f.zns_template_id}>${(a) => html`<select ...${a} value=${form.zns_template_id} onChange=${set("zns_template_id")}>
        <option value="">${t("noTemplate")}</option>${enabled.map((tpl) => html`<option value=${tpl.template_id}>${tpl.name || tpl.template_id}</option>`)}</select>`}<//>
      <${Field} label=${t("rate")} error=${f.rate_per_minute}>${(a) => html`<input ...${a} type="number" min="1" max="600" value=${form.rate_per_minute} onInput=${set("rate_per_minute")} />`}<//>
    </div>
    <label class="inline"><input type="checkbox" checked=${form.use_promotion} onChange=${(e) => setForm({ ...form, use_promotion: e.target.checked })} />${t("usePromotion")}</label>
    <div class="row"><button class="primary">${t("create")}</button></div>
  </form>`;
}

export default function Campaigns() {
  const campaigns = useApi("/campaigns");
  return html`<section class="campaigns stack">
    <${PageHeader} title=${t("title")} />
    <${Alert} error=${campaigns.error} />
    ${!campaigns.data ? !campaigns.error && html`<${Loading} />` : campaigns.data.length === 0 ? html`<${Empty}>${t("none")}<//>`
      : html`<ul class="plain">${campaigns.data.map((c) => html`<li class="card row" key=${c.id}>
          <a href=${href(`/campaigns/${c.id}`)}><strong>${c.name}</strong></a>
          <${Badge} tone=${TONE[c.status] || "info"}>${t(c.status)}<//>
          <small class="muted">${dateTime(c.started_at || c.created_at)}</small></li>`)}</ul>`}
    ${atLeast("admin") && html`<${CreateForm} />`}
  </section>`;
}
