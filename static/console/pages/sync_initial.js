/**
 * A connector's initial sync on the sync page: what existed before it was connected — the CRM's customers linked to
 * profiles, every profile pushed, order history pulled — started by the owner, shown phase by phase with a bar,
 * records a second and the time left while it runs, resumable when it failed (docs/sync.md "Initial sync").
 */
import { html } from "../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { dateTime, duration } from "../lib/format.js";
import { messages } from "../lib/i18n.js";
import { atLeast } from "../lib/session.js";
import { Alert, Badge, useApi } from "../lib/ui.js";

const REFRESH_MS = 2000;
const TONE = { running: "info", done: "ok", failed: "danger", cancelled: "neutral" };
const t = messages({
  vi: { title: "Đồng bộ lần đầu", none: "Chưa đồng bộ lần đầu: khách hàng và đơn hàng có từ trước khi kết nối chưa được đưa qua.",
        link: "Lấy khách hàng của CRM và nối với hồ sơ", push: "Gửi mọi hồ sơ sang CRM", orders: "Lấy lịch sử đơn hàng",
        start: "Bắt đầu đồng bộ lần đầu", cancel: "Dừng", resume: "Chạy tiếp",
        running: "đang chạy", done: "xong", failed: "lỗi", cancelled: "đã dừng", waiting: "đang chờ", stopped: "dừng tại đây",
        of: "{done} / {total}", count: "{done}", rate: "{rate} bản ghi/giây", eta: "còn khoảng {eta}",
        by_phone: "nối qua số điện thoại đã xác minh", by_crm_id: "đã nối từ trước", by_ref: "nối qua mã của ta",
        created: "tạo hồ sơ mới", skipped: "bỏ qua", queued: "đã xếp gửi", current: "đã có bản mới nhất", failed_n: "gửi lỗi",
        phoneRule: "Số điện thoại CRM lưu chỉ nối với hồ sơ có số đó đã được Zalo xác minh; số khách tự gõ không nối gì.",
        startedBy: "Bắt đầu lúc {at} bởi {who}" },
  en: { title: "Initial sync", none: "No initial sync yet: customers and orders from before the connection have not been brought over.",
        link: "Pull the CRM's customers and link them to profiles", push: "Push every profile to the CRM", orders: "Pull order history",
        start: "Start the initial sync", cancel: "Stop", resume: "Resume",
        running: "running", done: "done", failed: "failed", cancelled: "cancelled", waiting: "waiting", stopped: "stopped here",
        of: "{done} / {total}", count: "{done}", rate: "{rate} records/s", eta: "about {eta} left",
        by_phone: "linked by a verified phone", by_crm_id: "linked before", by_ref: "linked by our ref",
        created: "new profiles", skipped: "skipped", queued: "queued", current: "had the latest already", failed_n: "failed",
        phoneRule: "A phone the CRM holds links only to a profile whose phone Zalo verified; a phone someone typed links nothing.",
        startedBy: "Started {at} by {who}" },
});

function Phase({ phase }) {
  const percent = phase.total ? Math.min(100, Math.round((100 * phase.done) / phase.total)) : phase.state === "done" ? 100 : 0;
  const counts = Object.entries(phase.counts || {}).filter(([, n]) => n);
  return html`<li class="stack">
    <div class="row"><strong>${t(phase.phase)}</strong> <small class="muted">${t(phase.state)}</small></div>
    <div class="funnel-bar" role="progressbar" aria-label=${t(phase.phase)} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${percent}><span style=${`width:${percent}%`}></span></div>
    <small>${phase.total == null ? t("count", { done: phase.done }) : t("of", { done: phase.done, total: phase.total })}
      ${phase.rate_per_second && phase.state === "running" ? ` · ${t("rate", { rate: phase.rate_per_second })}` : ""}
      ${phase.eta_seconds != null ? ` · ${t("eta", { eta: duration(phase.eta_seconds) })}` : ""}</small>
    ${counts.length > 0 && html`<small class="muted">${counts.map(([k, n]) => `${t(k === "failed" ? "failed_n" : k)}: ${n}`).join(" · ")}</small>`}
  </li>`;
}

export function InitialSync({ connector }) {
  const url = `/sync/connectors/${connector.name}/initial-sync`;
  const current = useApi(url);
  const [error, setError] = useState(null);
  const sync = current.error?.status === 404 ? null : current.data;
  const running = sync?.status === "running";
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => current.reload({ quiet: true }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [running]);
  async function act(path, body) {
    setError(null);
    try { await api(path, { method: "POST", body }); current.reload({ quiet: true }); } catch (caught) { setError(caught); }
  }
  if (current.loading && !current.data) return null;
  return html`<section class="stack initial-sync" aria-label=${t("title")}>
    <div class="row"><h4>${t("title")}</h4>${sync && html`<${Badge} tone=${TONE[sync.status]}>${t(sync.status)}<//>`}</div>
    ${sync ? html`<ol class="plain stack">${sync.phases.map((phase) => html`<${Phase} phase=${phase} />`)}</ol>
      <small class="muted">${t("startedBy", { at: dateTime(sync.started_at), who: sync.started_by || "—" })}</small>
      ${sync.last_error && sync.status !== "done" && html`<p class="alert alert-warn">${sync.last_error}</p>`}`
      : html`<p class="muted">${t("none")}</p>`}
    <p><small class="muted">${t("phoneRule")}</small></p>
    <${Alert} error=${current.error?.status === 404 ? error : current.error || error} />
    <div class="row">
      ${atLeast("owner") && !running && html`<button type="button" onClick=${() => act(url, {})}>${t("start")}</button>`}
      ${atLeast("admin") && running && html`<button type="button" onClick=${() => act(`${url}/cancel`)}>${t("cancel")}</button>`}
      ${atLeast("admin") && sync?.status === "failed" && html`<button type="button" onClick=${() => act(`${url}/resume`)}>${t("resume")}</button>`}
    </div>
  </section>`;
}
