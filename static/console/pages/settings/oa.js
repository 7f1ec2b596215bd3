/** The Zalo OA connection (owners, admins): connected or not, whether the channel sends, what needs attention. */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { dateTime } from "../../lib/format.js";
import { Alert, Badge, Loading, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

export function OaSettings() {
  const connection = useApi("/oa/connection");
  const [error, setError] = useState(null);
  async function resume() {
    try { await api("/oa/connection/resume", { method: "POST" }); connection.reload({ quiet: true }); } catch (caught) { setError(caught); }
  }
  async function connect() {
    try { window.location.assign((await api("/oa/connect-url", { method: "POST" })).url); } catch (caught) { setError(caught); }
  }
  const c = connection.data;
  if (!c) return html`<${Alert} error=${connection.error} />${!connection.error && html`<${Loading} />`}`;
  const channel = c.channel || {};
  return html`<div class="card">
    <${Alert} error=${error} />
    <dl class="facts">
      <dt>Zalo OA</dt><dd><${Badge} tone=${c.connected ? "ok" : "warn"}>${c.connected ? t("connected") : t("notConnected")}<//> ${c.oa_id || ""}</dd>
      <dt>${t("channel")}</dt><dd><${Badge} tone=${channel.status === "active" ? "ok" : "warn"}>${t(channel.status === "active" ? "active_status" : channel.status || "paused")}<//>
        ${channel.needs_attention && html`<p class="alert alert-warn">${t("needsAttention", { reason: channel.reason || channel.code || "" })}</p>`}</dd>
      <dt>${t("accessExpires")}</dt><dd>${dateTime(c.access_expires_at)}</dd>
      <dt>${t("refreshExpires")}</dt><dd>${dateTime(c.refresh_expires_at)}</dd>
      ${c.last_refresh_error && html`<dt>${t("lastError")}</dt><dd>${c.last_refresh_error}</dd>`}
    </dl>
    <div class="row">
      ${channel.status && channel.status !== "active" && html`<button type="button" class="primary" onClick=${resume}>${t("resume")}</button>`}
      <button type="button" onClick=${connect}>${t("connect")}</button>
    </div>
  </div>`;
}
