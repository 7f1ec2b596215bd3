/** The audit log: who did what to which record, newest first, filterable by action and kind of record. */
import { html } from "../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { dateTime } from "../lib/format.js";
import { messages } from "../lib/i18n.js";
import { replaceQuery } from "../lib/router.js";
import { Alert, Empty, Loading, PageHeader, useApi } from "../lib/ui.js";

const t = messages({
  vi: { title: "Nhật ký thao tác", when: "Thời điểm", who: "Người làm", action: "Thao tác", target: "Đối tượng",
        detail: "Chi tiết", address: "Địa chỉ IP", filter: "Lọc", actionFilter: "Thao tác (ví dụ conversation.assign)",
        targetFilter: "Loại đối tượng (ví dụ customer)", older: "Cũ hơn", none: "Không có mục nào.", system: "hệ thống" },
  en: { title: "Audit log", when: "When", who: "Who", action: "Action", target: "Record", detail: "Details",
        address: "IP address", filter: "Filter", actionFilter: "Action (e.g. conversation.assign)",
        targetFilter: "Record type (e.g. customer)", older: "Older", none: "No entries.", system: "system" },
});
const PAGE = 50;

function details(detail) {
  return Object.entries(detail || {}).map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`).join("; ");
}

export default function Audit({ query }) {
  const filters = { action: query.action, target_type: query.target_type, limit: PAGE };
  const first = useApi("/audit", filters);
  const [older, setOlder] = useState({ key: "", rows: [], done: false, error: null });
  const key = JSON.stringify(filters);
  const extra = older.key === key ? older : { key, rows: [], done: false, error: null };
  const rows = [...(first.data || []), ...extra.rows];
  async function more() {
    try {
      const page = await api("/audit", { query: { ...filters, before_id: rows[rows.length - 1].id } });
      setOlder({ key, rows: [...extra.rows, ...page], done: page.length < PAGE, error: null });
    } catch (error) { setOlder({ ...extra, error }); }
  }
  return html`<section>
    <${PageHeader} title=${t("title")} />
    <form class="row report-period" onSubmit=${(e) => { e.preventDefault(); const f = new FormData(e.target);
        replaceQuery({ action: f.get("action").trim(), target_type: f.get("target_type").trim() }); }}>
      <label>${t("actionFilter")}<input name="action" value=${query.action || ""} /></label>
      <label>${t("targetFilter")}<input name="target_type" value=${query.target_type || ""} /></label>
      <button class="primary">${t("filter")}</button>
    </form>
    <${Alert} error=${first.error || extra.error} />
    ${first.loading && !first.data ? html`<${Loading} />` : !rows.length ? html`<${Empty}>${t("none")}<//>` : html`
      <div class="table-wrap" tabindex="0"><table>
        <caption class="visually-hidden">${t("title")}</caption>
        <thead><tr><th>${t("when")}</th><th>${t("who")}</th><th>${t("action")}</th><th>${t("target")}</th>
          <th>${t("detail")}</th><th>${t("address")}</th></tr></thead>
        <tbody>${rows.map((row) => html`<tr key=${row.id}><td>${dateTime(row.at)}</td>
          <td>${row.actor_type === "system" ? t("system") : row.actor_label}</td><td><code>${row.action}</code></td>
          <td>${row.target_type ? `${row.target_type} ${row.target_id ?? ""}` : ""}</td>
          <td class="audit-detail">${details(row.detail)}</td><td>${row.ip || ""}</td></tr>`)}</tbody>
      </table></div>
      ${(first.data || []).length === PAGE && !extra.done && html`<button type="button" onClick=${more}>${t("older")}</button>`}`}
  </section>`;
}
