/**
 * A conversation's history as people read a chat: the customer on the left, the shop on the right, internal
 * notes set apart, each attachment as what it is (image, file, sticker, location), receipts under our messages.
 */
import { html } from "../../lib/html.js";
import { useEffect, useRef } from "preact/hooks";
import { dateTime } from "../../lib/format.js";
import { Badge } from "../../lib/ui.js";
import { t } from "./strings.js";

const SAFE_URL = /^https:\/\//;

function Attachment({ attachment }) {
  const payload = attachment.payload || {};
  const url = SAFE_URL.test(payload.url || "") ? payload.url : null;
  const thumbnail = SAFE_URL.test(payload.thumbnail || "") ? payload.thumbnail : url;
  switch (attachment.type) {
    case "image": case "gif":
      return thumbnail ? html`<a href=${url || thumbnail} target="_blank" rel="noopener noreferrer">
        <img class="message-image" src=${thumbnail} alt=${t("image")} loading="lazy" /></a>` : html`<span>${t("image")}</span>`;
    case "sticker":
      return thumbnail ? html`<img class="message-sticker" src=${thumbnail} alt=${t("sticker")} loading="lazy" />`
        : html`<span>${t("sticker")}</span>`;
    case "location": {
      const c = payload.coordinates || {};
      const map = c.latitude && c.longitude ? `https://www.google.com/maps?q=${encodeURIComponent(`${c.latitude},${c.longitude}`)}` : null;
      return html`<span>📍 ${t("location")} ${map && html`<a href=${map} target="_blank" rel="noopener noreferrer">${t("openMap")}</a>`}</span>`;
    }
    default: {
      const name = payload.name || attachment.name || t(attachment.type) || t("file");
      return html`<span>📎 ${url ? html`<a href=${url} target="_blank" rel="noopener noreferrer">${name}</a>` : name}</span>`;
    }
  }
}

function Receipt({ message }) {
  const state = message.delivery_state;
  if (message.direction !== "out" || !state || message.internal) return null;
  if (state === "failed" || state === "skipped") {
    return html`<${Badge} tone="danger">${t(state, { reason: message.failure_reason || "" })}<//>`;
  }
  return html`<small class="receipt">${state === "seen" ? "✓✓ " : state === "received" ? "✓✓ " : "✓ "}${t(state)}</small>`;
}

function Message({ message, staffNames }) {
  const side = message.internal ? "note" : message.direction === "in" ? "in" : "out";
  const author = message.internal ? t("noteBy", { name: staffNames[message.author_staff_id] || "" }) : null;
  return html`<li class=${`message message-${side}`}>
    ${author && html`<small class="message-author">${author}</small>`}
    ${message.text && html`<p class="message-text">${message.text}</p>`}
    ${(message.attachments || []).map((a) => html`<${Attachment} attachment=${a} />`)}
    ${!message.text && !(message.attachments || []).length && html`<p class="message-text muted">${t(message.type)}</p>`}
    <span class="message-meta"><small class="muted">${dateTime(message.sent_at)}</small><${Receipt} message=${message} /></span>
  </li>`;
}

export function History({ messages, staffNames }) {
  const end = useRef(null);
  const count = messages.length;
  useEffect(() => { end.current?.scrollIntoView({ block: "end" }); }, [count]);
  return html`<section class="history" aria-label=${t("history")} tabindex="0">
    <ol class="messages">${messages.map((m) => html`<${Message} key=${m.id} message=${m} staffNames=${staffNames} />`)}</ol>
    <div ref=${end}></div>
  </section>`;
}
