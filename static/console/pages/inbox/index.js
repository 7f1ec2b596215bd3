/**
 * The inbox, the screen staff work in all day: the conversation list (filters in the URL), the conversation
 * (history, actions, composer) and the customer beside it. Three panes on a desktop, one at a time on a phone.
 * Live: every change in the feed reloads the list quietly, and the open conversation when it is the one that
 * changed; a new customer message in my conversation or an unassigned one rings (alerts.js).
 */
import { html } from "../../lib/html.js";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { locale } from "../../lib/i18n.js";
import * as live from "../../lib/live.js";
import { href, navigate, replaceQuery } from "../../lib/router.js";
import { staff } from "../../lib/session.js";
import { Alert, Badge, Loading, PageHeader, useApi } from "../../lib/ui.js";
import { Actions } from "./actions.js";
import { AlertSwitches, announce } from "./alerts.js";
import { Composer } from "./composer.js";
import { CustomerPanel } from "./customer.js";
import { ConversationList, Filters, listQuery } from "./list.js";
import { History } from "./messages.js";
import { customerName, t } from "./strings.js";

const QUIET_RELOAD_MS = 250; // several changes in one poll reload once

/** The list, its "show more" pages, and what the last load knew (to tell which messages are new). */
function useConversations(filters) {
  const [state, setState] = useState({ items: [], next: null, loading: true, error: null });
  const known = useRef(null); // conversation id → id of its last message, after the previous load
  const key = JSON.stringify(filters);
  const load = useCallback(async ({ quiet = false } = {}) => {
    if (!quiet) setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api("/conversations", { query: listQuery(filters) });
      const before = known.current;
      known.current = new Map(page.items.map((item) => [item.id, item.last_message?.id]));
      setState({ items: page.items, next: page.next_cursor || null, loading: false, error: null });
      return before === null ? [] : page.items.filter((item) => newCustomerMessage(item, before));
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
      return [];
    }
  }, [key]);
  const more = useCallback(async () => {
    const page = await api("/conversations", { query: { ...listQuery(filters), cursor: state.next } });
    for (const item of page.items) known.current?.set(item.id, item.last_message?.id);
    setState((s) => ({ ...s, items: [...s.items, ...page.items], next: page.next_cursor || null }));
  }, [key, state.next]);
  useEffect(() => { known.current = null; load(); }, [load]);
  return { ...state, load, more };
}

/** A customer's message that was not there at the previous load, in a conversation that is mine or nobody's. */
function newCustomerMessage(item, before) {
  const last = item.last_message;
  if (!last || last.direction !== "in" || last.internal || before.get(item.id) === last.id) return false;
  return !item.assignee || item.assignee.id === staff.value?.id;
}

function Conversation({ id, filters, onChanged, reloadSignal, heldBy }) {
  const detail = useApi(`/conversations/${id}`);
  const [showCustomer, setShowCustomer] = useState(false);
  useEffect(() => { if (reloadSignal) detail.reload({ quiet: true }); }, [reloadSignal]);
  const lastId = detail.data?.messages?.at(-1)?.id;
  useEffect(() => { // what I see is read, for me: the list's unread count drops
    if (lastId) api(`/conversations/${id}/read`, { method: "POST", body: { message_id: lastId } }).then(onChanged, () => {});
  }, [id, lastId]);
  if (detail.error) {
    return html`<div class="inbox-conversation"><header class="conversation-head">
      <a class="back-link" href=${href("/inbox", filters)}>${t("back")}</a></header>
      ${heldBy && detail.error.status === 404 ? html`<${Alert}>${t("heldBy", { name: heldBy })}<//>`
        : html`<${Alert} error=${detail.error} onRetry=${detail.reload} />`}</div>`;
  }
  if (!detail.data) return html`<div class="inbox-conversation"><${Loading} /></div>`;
  const conversation = detail.data;
  const names = Object.fromEntries((conversation.staff || []).map((s) => [s.id, s.name]));
  const changed = () => { detail.reload({ quiet: true }); onChanged(); };
  return html`<div class="inbox-conversation">
    <header class="conversation-head">
      <a class="back-link" href=${href("/inbox", filters)}>${t("back")}</a>
      <h2>${customerName(conversation.customer)}</h2>
      <p class="row">
        <span class="muted">${conversation.assignee ? t("assignedTo", { name: conversation.assignee.name }) : t("nobody")}</span>
        <${Badge} tone=${conversation.status === "closed" ? "neutral" : "ok"}>${t(conversation.status)}<//>
      </p>
      <${Actions} conversation=${conversation} onChanged=${changed} />
      <button type="button" class="customer-toggle" aria-expanded=${showCustomer}
        onClick=${() => setShowCustomer(!showCustomer)}>${showCustomer ? t("hideCustomer") : t("showCustomer")}</button>
    </header>
    <div class=${`conversation-body ${showCustomer ? "with-customer" : ""}`}>
      <div class="conversation-main">
        <${History} messages=${conversation.messages} staffNames=${names} />
        <${Composer} conversation=${conversation} onSent=${changed} />
      </div>
      <${CustomerPanel} detail=${conversation} language=${locale.value} />
    </div>
  </div>`;
}

export default function Inbox({ params, query }) {
  const filters = query || {};
  const selectedId = params.id;
  const list = useConversations(filters);
  const [reloadSignal, setReloadSignal] = useState(0);
  const [holders, setHolders] = useState({}); // conversation id → who took it from me or from the queue
  const timer = useRef(null);

  useEffect(() => live.subscribe((batch) => {
    const taken = batch.changes.filter((c) => c.held_by);
    if (taken.length) {
      setHolders((known) => ({ ...known, ...Object.fromEntries(taken.map((c) => [c.conversation_id, c.held_by.name])) }));
    }
    if (batch.reset || batch.changes.some((c) => String(c.conversation_id) === String(selectedId))) {
      setReloadSignal((n) => n + 1);
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      for (const item of await list.load({ quiet: true })) {
        announce(item.assignee ? customerName(item.customer) : t("newUnassigned"),
          t("newMessage", { name: customerName(item.customer), text: item.last_message.text || "" }),
          () => navigate(`/inbox/${item.id}`, filters));
      }
    }, QUIET_RELOAD_MS);
  }), [selectedId, list.load]);
  useEffect(() => () => clearTimeout(timer.current), []);

  return html`<section class=${`inbox ${selectedId ? "has-selection" : ""}`}>
    <div class="inbox-list-pane">
      <${PageHeader} title=${t("title")} />
      <${Filters} filters=${filters} onChange=${(next) => replaceQuery(next)} key=${filters.q || ""} />
      <${Alert} error=${list.error} onRetry=${() => list.load()} />
      ${list.loading && !list.items.length ? html`<${Loading} />` : html`<${ConversationList} items=${list.items}
        selectedId=${selectedId} filters=${filters} more=${Boolean(list.next)} onMore=${list.more} />`}
      <${AlertSwitches} />
    </div>
    ${selectedId ? html`<${Conversation} key=${selectedId} id=${selectedId} filters=${filters}
        reloadSignal=${reloadSignal} heldBy=${holders[selectedId]} onChanged=${() => list.load({ quiet: true })} />`
      : html`<div class="inbox-conversation inbox-placeholder"><p class="empty">${t("pick")}</p></div>`}
  </section>`;
}
