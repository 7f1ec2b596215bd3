/**
 * The conversation list and its filters. Filters live in the URL's query (`#/inbox?view=mine&q=…`), so a
 * filtered list survives a reload and can be shared; the API does the filtering.
 */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { ago } from "../../lib/format.js";
import { href } from "../../lib/router.js";
import { staff } from "../../lib/session.js";
import { Badge, Empty } from "../../lib/ui.js";
import { customerName, t } from "./strings.js";
import { windowInfo } from "./window.js";

export const VIEWS = ["mine", "unassigned", "all"];

/** The API query for the list's filters. */
export function listQuery(filters) {
  const query = { limit: 25, sort: filters.sort || "waited" }; // who has waited longest for a person comes first
  const view = filters.view || "all";
  if (view === "mine") query.assignee_id = staff.value?.id;
  if (view === "unassigned") query.unassigned = "true";
  for (const name of ["status", "tag", "window", "q"]) if (filters[name]) query[name] = filters[name];
  if (filters.waiting === "1") query.waiting = "true";
  return query;
}

export function Filters({ filters, onChange }) {
  const [text, setText] = useState(filters.q || "");
  const set = (name, value) => onChange({ ...filters, [name]: value || undefined });
  return html`<form class="inbox-filters" role="search" aria-label=${t("filters")}
      onSubmit=${(e) => { e.preventDefault(); set("q", text.trim()); }}>
    <div class="inbox-views" role="group" aria-label=${t("views")}>
      ${VIEWS.map((view) => html`<button type="button" aria-pressed=${(filters.view || "all") === view}
          onClick=${() => set("view", view === "all" ? undefined : view)}>${t(view)}</button>`)}
    </div>
    <div class="inbox-search">
      <label class="visually-hidden" for="inbox-q">${t("search")}</label>
      <input id="inbox-q" type="search" placeholder=${t("searchHint")} value=${text} onInput=${(e) => setText(e.target.value)} />
      <button type="submit">${t("find")}</button>
    </div>
    <details class="inbox-more-filters">
      <summary>${t("filters")}</summary>
      <div class="stack">
        <label>${t("status")}
          <select value=${filters.status || ""} onChange=${(e) => set("status", e.target.value)}>
            <option value="">${t("anyStatus")}</option>
            ${["open", "pending", "closed"].map((s) => html`<option value=${s}>${t(s)}</option>`)}
          </select></label>
        <label>${t("window")}
          <select value=${filters.window || ""} onChange=${(e) => set("window", e.target.value)}>
            <option value="">${t("anyWindow")}</option>
            <option value="free">${t("free")}</option><option value="paid">${t("paid")}</option>
            <option value="closed">${t("windowClosed")}</option>
          </select></label>
        <label>${t("tag")}
          <input value=${filters.tag || ""} onChange=${(e) => set("tag", e.target.value.trim())} /></label>
        <label>${t("sort")}
          <select value=${filters.sort || "waited"} onChange=${(e) => set("sort", e.target.value === "waited" ? "" : e.target.value)}>
            <option value="waited">${t("byWaited")}</option><option value="activity">${t("byActivity")}</option>
          </select></label>
        <label class="inline"><input type="checkbox" checked=${filters.waiting === "1"}
          onChange=${(e) => set("waiting", e.target.checked ? "1" : "")} />${t("waitingOnly")}</label>
      </div>
    </details>
  </form>`;
}

function preview(message) {
  if (!message) return t("noMessage");
  const text = message.text || t(message.type) || message.type;
  if (message.internal) return `${t("note")}: ${text}`;
  return message.direction === "out" ? `${t("you")}: ${text}` : text;
}

function Row({ item, selected, filters }) {
  const last = item.last_message;
  const unanswered = item.status !== "closed" && item.awaiting_reply_since; // no person has answered (a bot may have)
  const unread = selected ? 0 : item.unread || 0; // what I have not read; opening it marks it read
  const info = windowInfo(item);
  return html`<li>
    <a class=${`inbox-row ${unread ? "is-unread" : ""}`} href=${href(`/inbox/${item.id}`, filters)} aria-current=${selected ? "true" : undefined}>
      <span class="inbox-row-top">
        <strong>${unread > 0 && html`<span class="dot" aria-hidden="true"></span>`}${customerName(item.customer)}</strong>
        ${unread > 0 && html`<span class="unread-count" title=${t("unread", { n: unread })}><span aria-hidden="true">${unread > 99 ? "99+" : unread}</span>
          <span class="visually-hidden">${t("unread", { n: unread })}</span></span>`}
        <small class="muted">${ago(item.updated_at)}</small>
      </span>
      <span class="inbox-row-text">${preview(last)}</span>
      <span class="row">
        ${unanswered && html`<${Badge} tone="info">${t("unanswered")} · ${ago(item.awaiting_reply_since)}<//>`}
        ${item.waiting_for_human && html`<${Badge} tone="warn">${t("handedOver")}<//>`}
        ${item.status === "closed" ? html`<${Badge}>${t("closed")}<//>` : html`<${Badge} tone=${info.tone}>${t(info.state === "closed" ? "windowClosed" : info.state)}<//>`}
        ${item.assignee && html`<small class="muted">${item.assignee.id === staff.value?.id ? t("you") : item.assignee.name}</small>`}
      </span>
    </a>
  </li>`;
}

export function ConversationList({ items, selectedId, filters, more, onMore }) {
  if (!items.length) return html`<${Empty}>${t("none")}<//>`;
  return html`<nav aria-label=${t("list")}>
    <ul class="inbox-list">${items.map((item) => html`<${Row} key=${item.id} item=${item}
      selected=${String(item.id) === String(selectedId)} filters=${filters} />`)}</ul>
    ${more && html`<button type="button" class="inbox-more" onClick=${onMore}>${t("more")}</button>`}
  </nav>`;
}
