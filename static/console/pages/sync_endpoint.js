/**
 * A connector's lifecycle on the sync page: why it turned itself off (every delivery failing for days), sending
 * what it missed in a time range once it is back, and a new webhook secret shown this once while the old one
 * keeps signing beside it for a day (docs/sync.md "Endpoints that keep failing", "Rotating a secret").
 */
import { html } from "../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { dateTime } from "../lib/format.js";
import { messages } from "../lib/i18n.js";
import { atLeast } from "../lib/session.js";
import { Alert, Field, toast } from "../lib/ui.js";

const t = messages({
  vi: { autoOff: "Kết nối này đã tự tắt: mọi lần gửi đều lỗi từ {since}. Sửa địa chỉ nhận rồi bật lại, sau đó gửi lại những gì đã lỡ.",
        recover: "Gửi lại theo khoảng thời gian", since: "Từ lúc", until: "Đến lúc (để trống: bây giờ)", recoverGo: "Gửi lại",
        recovered: "Đã xếp gửi {count} bản ghi.", rotate: "Đổi khóa bí mật", rotated: "Khóa mới (chỉ hiện một lần, hãy sao chép ngay):",
        rotatedHint: "Khóa cũ vẫn được ký kèm đến {until}: bên nhận đổi sang khóa mới trong thời gian đó." },
  en: { autoOff: "This connector turned itself off: every delivery has failed since {since}. Fix the endpoint, enable it, then send what it missed.",
        recover: "Send again by time range", since: "From", until: "Until (empty: now)", recoverGo: "Send again",
        recovered: "Queued {count} deliveries.", rotate: "Rotate secret", rotated: "New secret (shown once, copy it now):",
        rotatedHint: "The old secret keeps signing beside it until {until}: switch the receiver over meanwhile." },
});

/** `datetime-local` → ISO in UTC (the browser's zone is the shop's: Asia/Ho_Chi_Minh). */
const iso = (local) => (local ? new Date(local).toISOString() : undefined);

export function AutoOff({ connector }) {
  if (!connector.disabled_reason) return null;
  return html`<p class="alert alert-error" role="alert">${t("autoOff", { since: dateTime(connector.failing_since) })}</p>`;
}

export function Recover({ connector, onChanged }) {
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [error, setError] = useState(null);
  async function send(event) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api(`/sync/connectors/${connector.name}/recover`, { method: "POST", body: { since: iso(since), until: iso(until) } });
      toast(t("recovered", { count: answer.count }));
      onChanged();
    } catch (caught) { setError(caught); }
  }
  if (!atLeast("admin")) return null;
  return html`<details><summary>${t("recover")}</summary><form class="stack" onSubmit=${send}>
    <div class="grid">
      <${Field} label=${t("since")} error=${error?.fields?.since}>${(a) => html`<input ...${a} type="datetime-local" required value=${since} onInput=${(e) => setSince(e.target.value)} />`}<//>
      <${Field} label=${t("until")}>${(a) => html`<input ...${a} type="datetime-local" value=${until} onInput=${(e) => setUntil(e.target.value)} />`}<//>
    </div>
    <${Alert} error=${error && !error.fields?.since ? error : null} />
    <div class="row"><button>${t("recoverGo")}</button></div>
  </form></details>`;
}

export function RotateSecret({ connector }) {
  const [rotated, setRotated] = useState(null);
  const [error, setError] = useState(null);
  if (!atLeast("owner") || !connector.credential_names.includes("secret")) return null;
  async function rotate() {
    setError(null);
    try { setRotated(await api(`/sync/connectors/${connector.name}/rotate-secret`, { method: "POST" })); } catch (caught) { setError(caught); }
  }
  return html`<div class="stack">
    <div class="row"><button type="button" onClick=${rotate}>${t("rotate")}</button></div>
    <${Alert} error=${error} />
    ${rotated && html`<div class="alert alert-ok" role="status"><div>${t("rotated")} <code>${rotated.secret}</code>
      <div><small>${t("rotatedHint", { until: dateTime(rotated.previous_valid_until) })}</small></div></div></div>`}
  </div>`;
}
