/** Overview: who is signed in and whether the product can work right now (database, Zalo OA channel). */
import { html } from "../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { messages } from "../lib/i18n.js";
import { staff } from "../lib/session.js";
import { Badge, PageHeader } from "../lib/ui.js";

const t = messages({
  vi: { title: "Tổng quan", hello: "Xin chào, {name}", role: "Vai trò: {role}", health: "Tình trạng hệ thống",
        database: "Cơ sở dữ liệu", ready: "Sẵn sàng", notReady: "Không ghi được dữ liệu", oa: "Kênh Zalo OA",
        active: "Đang hoạt động", paused: "Tạm dừng: {reason}", unknown: "Chưa rõ",
        owner: "Chủ cửa hàng", admin: "Quản trị", agent: "Nhân viên", viewer: "Chỉ xem" },
  en: { title: "Overview", hello: "Hello, {name}", role: "Role: {role}", health: "System status",
        database: "Database", ready: "Ready", notReady: "Cannot take writes", oa: "Zalo OA channel",
        active: "Active", paused: "Paused: {reason}", unknown: "Unknown",
        owner: "Owner", admin: "Admin", agent: "Agent", viewer: "Viewer" },
});

export default function Overview() {
  const [health, setHealth] = useState(null);
  useEffect(() => {
    fetch("/readyz").then(async (response) => setHealth({ ok: response.ok, body: await response.json() }))
      .catch(() => setHealth({ ok: false, body: {} }));
  }, []);
  const channel = health?.body?.oa_channel;
  const paused = Boolean(channel?.needs_attention);
  return html`<section>
    <${PageHeader} title=${t("title")} />
    <div class="card">
      <h2>${t("hello", { name: staff.value?.name || "" })}</h2>
      <p>${t("role", { role: t(staff.value?.role || "viewer") })}</p>
    </div>
    <div class="card">
      <h2>${t("health")}</h2>
      <dl class="facts">
        <dt>${t("database")}</dt>
        <dd>${health === null ? t("unknown") : html`<${Badge} tone=${health.ok ? "ok" : "danger"}>
          ${health.ok ? t("ready") : t("notReady")}<//>`}</dd>
        <dt>${t("oa")}</dt>
        <dd>${!channel ? t("unknown") : html`<${Badge} tone=${paused ? "warn" : "ok"}>
          ${paused ? t("paused", { reason: channel.reason || "" }) : t("active")}<//>`}</dd>
      </dl>
    </div>
  </section>`;
}
