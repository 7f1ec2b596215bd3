/**
 * First run: no owner account exists yet. Whoever ran make run has the one-time setup code it printed; with
 * it they create the owner account here and are signed in (`POST /setup`, docs/staff.md).
 */
import { html } from "../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { messages } from "../lib/i18n.js";
import { adoptSession } from "../lib/session.js";
import { Alert, Field } from "../lib/ui.js";

const t = messages({
  vi: { title: "Tạo tài khoản chủ cửa hàng", lead: "Cửa hàng chưa có tài khoản chủ. Nhập mã thiết lập mà lệnh "
          + "make run in ra (sau dòng \"Ready\") để tạo tài khoản.", code: "Mã thiết lập", codeHint: "Ví dụ: 7KQ4-M2XD",
        name: "Họ tên", email: "Email", password: "Mật khẩu", passwordHint: "Ít nhất 10 ký tự",
        submit: "Tạo tài khoản", busy: "Đang tạo…" },
  en: { title: "Create the owner account", lead: "This shop has no owner account yet. Enter the setup code that "
          + "make run printed (after \"Ready\") to create it.", code: "Setup code", codeHint: "For example 7KQ4-M2XD",
        name: "Full name", email: "Email", password: "Password", passwordHint: "At least 10 characters",
        submit: "Create account", busy: "Creating…" },
});

export default function FirstRun() {
  const [form, setForm] = useState({ code: "", name: "", email: "", password: "" });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      adoptSession(await api("/setup", { method: "POST", body: { ...form, email: form.email.trim() } }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const input = (name, type, autocomplete) => (a) => html`<input ...${a} type=${type} autocomplete=${autocomplete}
    required value=${form[name]} onInput=${set(name)} />`;
  return html`<main class="auth-card" id="main">
    <h1>${t("title")}</h1>
    <p class="muted">${t("lead")}</p>
    <${Alert} error=${error} />
    <form onSubmit=${submit} class="stack">
      <${Field} label=${t("code")} hint=${t("codeHint")} error=${error?.fields?.code}>${input("code", "text", "one-time-code")}<//>
      <${Field} label=${t("name")} error=${error?.fields?.name}>${input("name", "text", "name")}<//>
      <${Field} label=${t("email")} error=${error?.fields?.email}>${input("email", "email", "username")}<//>
      <${Field} label=${t("password")} hint=${t("passwordHint")} error=${error?.fields?.password}>${input("password", "password", "new-password")}<//>
      <button class="primary" type="submit" disabled=${busy}>${busy ? t("busy") : t("submit")}</button>
    </form>
  </main>`;
}
