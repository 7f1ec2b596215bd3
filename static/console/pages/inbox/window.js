/**
 * Zalo's messaging window in plain words: free for 48 hours after the customer's last message, paid up to 7
 * days, then only ZNS templates (docs/oa.md). Computed from the conversation's `window` and
 * `last_customer_message_at`, as the list and the composer both show it.
 */
import { t } from "./strings.js";

const HOUR = 3600 * 1000;

export function windowInfo(conversation, now = Date.now()) {
  const last = conversation?.last_customer_message_at ? new Date(conversation.last_customer_message_at).getTime() : null;
  const state = conversation?.window || "closed";
  if (state === "free" && last) {
    const hours = Math.max(1, Math.ceil((last + 48 * HOUR - now) / HOUR));
    return { state, tone: "ok", text: t("freeLeft", { hours }) };
  }
  if (state === "paid" && last) {
    const days = Math.max(1, Math.ceil((last + 7 * 24 * HOUR - now) / (24 * HOUR)));
    return { state, tone: "warn", text: t("paidLeft", { days }) };
  }
  return { state: "closed", tone: "danger", text: last ? t("closedWindow") : t("noContact") };
}
