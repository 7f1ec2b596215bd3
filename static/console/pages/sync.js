/**
 * CRM sync: each connector's health (healthy / paused with why / failing / off), how far behind it is and its
 * last runs; dead letters with the receiver's answer, replayed or discarded one by one or all; "test
 * connection"; adding or editing a connector, whose credentials are typed in and never shown back; and an
 * endpoint's lifecycle (sync_endpoint.js): turned off for failing, sent what it missed, its secret rotated.
 */
import { html } from "../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { dateTime, duration } from "../lib/format.js";
import { messages } from "../lib/i18n.js";
import { atLeast } from "../lib/session.js";
import { Alert, Badge, Empty, Field, Loading, PageHeader, toast, useApi } from "../lib/ui.js";
import { AutoOff, Recover, RotateSecret } from "./sync_endpoint.js";
import { InitialSync } from "./sync_initial.js";

const t = messages({
  vi: { title: "Đồng bộ CRM", healthy: "Hoạt động tốt", paused: "Tạm dừng", failing: "Đang lỗi", disabled: "Đã tắt",
        lag: "Chậm", pending: "Chờ gửi", dead: "Gửi hỏng", delivered: "Đã gửi", runs: "Các lần chạy gần đây",
        run: "{kind}: gửi {sent}, lỗi {failed}, hỏng {dead}", test: "Kiểm tra kết nối", testOk: "Kết nối được: {answer}",
        testFailed: "Không kết nối được: {answer}", enable: "Bật", disable: "Tắt", edit: "Sửa", none: "Chưa có kết nối CRM nào.",
        deadTitle: "Bản ghi gửi hỏng", noDead: "Không có bản ghi gửi hỏng.", replay: "Gửi lại", discard: "Bỏ qua",
        replayAll: "Gửi lại tất cả", discardAll: "Bỏ qua tất cả", replayed: "Đã xếp gửi lại {count} bản ghi.",
        discarded: "Đã bỏ qua {count} bản ghi.", answer: "Bên nhận trả lời", reason: "Lý do", record: "Bản ghi",
        attempts: "Số lần thử", add: "Thêm kết nối", name: "Tên kết nối", kind: "Loại", url: "Địa chỉ API",
        credential: "Khóa bí mật ({name})", credentialHint: "Chỉ ghi, không bao giờ hiển thị lại. Để trống để giữ khóa cũ.",
        schedule: "Lịch gửi", scheduleHint: "immediate, every 30s, every 5m hoặc một dòng cron (giờ Việt Nam)",
        batch: "Số bản ghi mỗi lượt", pullOrders: "Lấy đơn hàng về", save: "Lưu", saved: "Đã lưu kết nối {name}.",
        credentials: "Thông tin đăng nhập đã lưu", connectors: "Các kết nối" },
  en: { title: "CRM sync", healthy: "Healthy", paused: "Paused", failing: "Failing", disabled: "Off",
        lag: "Lag", pending: "Waiting", dead: "Failed", delivered: "Delivered", runs: "Recent runs",
        run: "{kind}: sent {sent}, failed {failed}, dead {dead}", test: "Test connection", testOk: "Connected: {answer}",
        testFailed: "Cannot connect: {answer}", enable: "Enable", disable: "Disable", edit: "Edit", none: "No CRM connector yet.",
        deadTitle: "Dead letters", noDead: "No dead letters.", replay: "Replay", discard: "Discard",
        replayAll: "Replay all", discardAll: "Discard all", replayed: "{count} queued again.",
        discarded: "{count} discarded.", answer: "Receiver's answer", reason: "Reason", record: "Record",
        attempts: "Attempts", add: "Add connector", name: "Connector name", kind: "Kind", url: "API address",
        credential: "Secret ({name})", credentialHint: "Write-only, never shown back. Leave empty to keep the stored key.",
        schedule: "Schedule", scheduleHint: "immediate, every 30s, every 5m or a cron line (Vietnam time)",
        batch: "Records per pass", pullOrders: "Pull orders", save: "Save", saved: "Connector {name} saved.",
        credentials: "Stored credentials", connectors: "Connectors" },
});
const TONE = { healthy: "ok", paused: "warn", failing: "danger", disabled: "neutral" };
// The connector kinds this server has (crm_sync/connectors) and the credentials each needs.
const CREDENTIALS = { shopone: ["api_key"], webhook: ["secret"], kiotviet: ["retailer", "client_id", "client_secret"],
  haravan: ["access_token"], sapo: ["access_token"], nhanh: ["app_id", "business_id", "access_token"] };

function ConnectorForm({ connector, onSaved }) {
  const [form, setForm] = useState({ name: connector?.name || "", kind: connector?.kind || "shopone",
    base_url: connector?.base_url || "", credentials: {}, schedule: connector?.schedule || "every 60s",
    batch_size: connector?.batch_size || 50, pull_orders: connector?.pull_orders || false });
  const [error, setError] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  async function save(event) {
    event.preventDefault();
    setError(null);
    const typed = Object.fromEntries(Object.entries(form.credentials).filter(([, value]) => value));
    const body = { base_url: form.base_url.trim(), schedule: form.schedule.trim(), batch_size: Number(form.batch_size),
      pull_orders: form.pull_orders, ...(Object.keys(typed).length ? { credentials: typed } : {}) };
    try {
      if (connector) await api(`/sync/connectors/${connector.name}`, { method: "PATCH", body });
      else await api("/sync/connectors", { method: "POST", body: { ...body, name: form.name.trim(), kind: form.kind } });
      toast(t("saved", { name: connector?.name || form.name }));
      onSaved();
    } catch (caught) { setError(caught); }
  }
  const f = error?.fields || {};
  return html`<form class="stack connector-form" onSubmit=${save}>
    <${Alert} error=${error && !Object.keys(f).length ? error : null} />
    ${!connector && html`<div class="grid">
      <${Field} label=${t("name")} error=${f.name}>${(a) => html`<input ...${a} required value=${form.name} onInput=${set("name")} />`}<//>
      <${Field} label=${t("kind")} error=${f.kind}>${(a) => html`<select ...${a} value=${form.kind} onChange=${set("kind")}>
        ${Object.keys(CREDENTIALS).map((k) => html`<option value=${k}>${k}</option>`)}</select>`}<//></div>`}
    <${Field} label=${t("url")} error=${f.base_url}>${(a) => html`<input ...${a} type="url" required value=${form.base_url} onInput=${set("base_url")} />`}<//>
    ${CREDENTIALS[form.kind].map((name) => html`<${Field} key=${name} label=${t("credential", { name })} hint=${t("credentialHint")}
      error=${f.credentials}>${(a) => html`<input ...${a} type="password" autocomplete="off" value=${form.credentials[name] || ""}
      required=${!connector} onInput=${(e) => setForm({ ...form, credentials: { ...form.credentials, [name]: e.target.value } })} />`}<//>`)}
    <div class="grid">
      <${Field} label=${t("schedule")} hint=${t("scheduleHint")} error=${f.schedule}>${(a) => html`<input ...${a} value=${form.schedule} onInput=${set("schedule")} />`}<//>
      <${Field} label=${t("batch")} error=${f.batch_size}>${(a) => html`<input ...${a} type="number" min="1" max="1000" value=${form.batch_size} onInput=${set("batch_size")} />`}<//>
    </div>
    <label class="inline"><input type="checkbox" checked=${form.pull_orders} onChange=${set("pull_orders")} />${t("pullOrders")}</label>
    <div class="row"><button class="primary">${t("save")}</button></div>
  </form>`;
}

function Connector({ connector, onChanged }) {
  const [editing, setEditing] = useState(false);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  async function act(action) {
    setError(null);
    setResult(null);
    try {
      const answer = await api(`/sync/connectors/${connector.name}/${action}`, { method: "POST" });
      if (action === "test") setResult(answer); else onChanged();
    } catch (caught) { setError(caught); }
  }
  return html`<article class="card connector">
    <header class="row connector-head">
      <h3>${connector.name} <small class="muted">${connector.kind}</small></h3>
      <${Badge} tone=${TONE[connector.health]}>${t(connector.health)}<//>
    </header>
    ${connector.paused_reason && html`<p class="alert alert-warn">${connector.paused_reason}</p>`}
    <${AutoOff} connector=${connector} />
    <dl class="facts">
      <dt>${t("url")}</dt><dd>${connector.base_url}</dd>
      <dt>${t("lag")}</dt><dd>${duration(connector.lag_seconds)}</dd>
      <dt>${t("pending")}</dt><dd>${connector.pending}</dd>
      <dt>${t("dead")}</dt><dd>${connector.dead}</dd>
      <dt>${t("delivered")}</dt><dd>${connector.delivered}</dd>
      <dt>${t("schedule")}</dt><dd>${connector.schedule}</dd>
      <dt>${t("credentials")}</dt><dd>${connector.credential_names.map((n) => `${n}=•••`).join(", ") || "—"}</dd>
    </dl>
    ${connector.last_runs.length > 0 && html`<details><summary>${t("runs")}</summary><ul class="plain">
      ${connector.last_runs.map((r) => html`<li><small class="muted">${dateTime(r.started_at)}</small>
        ${t("run", r)}${r.note ? ` (${r.note})` : ""}</li>`)}</ul></details>`}
    <${Alert} error=${error} />
    ${result && html`<p class=${`alert alert-${result.ok ? "ok" : "error"}`} role="status">
      ${t(result.ok ? "testOk" : "testFailed", { answer: result.answer })}</p>`}
    ${atLeast("owner") && html`<div class="row">
      <button type="button" onClick=${() => act("test")}>${t("test")}</button>
      <button type="button" onClick=${() => act(connector.enabled ? "disable" : "enable")}>${connector.enabled ? t("disable") : t("enable")}</button>
      <button type="button" aria-expanded=${editing} onClick=${() => setEditing(!editing)}>${t("edit")}</button></div>`}
    ${editing && html`<${ConnectorForm} connector=${connector} onSaved=${() => { setEditing(false); onChanged(); }} />`}
    <${InitialSync} connector=${connector} />
    <${RotateSecret} connector=${connector} />
    <${Recover} connector=${connector} onChanged=${onChanged} />
  </article>`;
}

function DeadLetters({ onChanged }) {
  const dead = useApi("/sync/dead-letters");
  const [error, setError] = useState(null);
  async function act(action, body) {
    setError(null);
    try {
      const answer = await api(`/sync/dead-letters/${action}`, { method: "POST", body });
      toast(t(action === "replay" ? "replayed" : "discarded", { count: answer.count }));
      dead.reload({ quiet: true });
      onChanged();
    } catch (caught) { setError(caught); }
  }
  const rows = dead.data || [];
  const manager = atLeast("admin");
  return html`<section class="card">
    <header class="row connector-head"><h2>${t("deadTitle")}</h2>
      ${manager && rows.length > 0 && html`<div class="row">
        <button type="button" onClick=${() => act("replay", { all: true })}>${t("replayAll")}</button>
        <button type="button" class="danger" onClick=${() => act("discard", { all: true })}>${t("discardAll")}</button></div>`}
    </header>
    <${Alert} error=${error || dead.error} />
    ${!dead.data ? html`<${Loading} />` : !rows.length ? html`<${Empty}>${t("noDead")}<//>` : html`
      <ul class="plain dead-letters" aria-label=${t("deadTitle")}>${rows.map((d) => html`<li key=${d.id} class="dead-letter">
        <p><strong>${d.connector} · ${d.event_type}</strong> <small class="muted">${d.aggregate_id} · ${t("attempts")}: ${d.attempts}</small></p>
        <p><span class="muted">${t("reason")}:</span> ${(d.last_error || "").split("\n")[0].slice(0, 200)}</p>
        ${d.response_body && html`<details><summary>${t("answer")}</summary><pre>${d.response_body.slice(0, 2000)}</pre></details>`}
        ${manager && html`<div class="row"><button type="button" onClick=${() => act("replay", { ids: [d.id] })}>${t("replay")}</button>
          <button type="button" onClick=${() => act("discard", { ids: [d.id] })}>${t("discard")}</button></div>`}
      </li>`)}</ul>`}
  </section>`;
}

export default function Sync() {
  const connectors = useApi("/sync/connectors");
  const [adding, setAdding] = useState(false);
  const [round, setRound] = useState(0);  // a change to a connector (a replay, a recovery) re-reads the dead letters
  const reload = () => { connectors.reload({ quiet: true }); setRound((n) => n + 1); };
  return html`<section class="sync">
    <${PageHeader} title=${t("title")}>
      ${atLeast("owner") && html`<button type="button" aria-expanded=${adding} onClick=${() => setAdding(!adding)}>${t("add")}</button>`}
    <//>
    ${adding && html`<div class="card"><h2>${t("add")}</h2><${ConnectorForm} onSaved=${() => { setAdding(false); reload(); }} /></div>`}
    <${Alert} error=${connectors.error} onRetry=${connectors.reload} />
    <h2 class="visually-hidden">${t("connectors")}</h2>
    ${!connectors.data ? html`<${Loading} />` : !connectors.data.length ? html`<${Empty}>${t("none")}<//>`
      : html`<div class="grid">${connectors.data.map((c) => html`<${Connector} key=${c.name} connector=${c} onChanged=${reload} />`)}</div>`}
    <${DeadLetters} key=${round} onChanged=${reload} />
  </section>`;
}
