/**
 * Sign-in: email and password; the server's refusal (wrong password, too many attempts) shown as its sentence.
 * While the shop has no owner yet (`GET /setup`), the first-run form takes its place.
 */
import { html } from "../lib/html.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { messages } from "../lib/i18n.js";
import { signIn } from "../lib/session.js";
import { Alert, Field } from "../lib/ui.js";
import FirstRun from "./first_run.js";

const t = messages({
  vi: { title: "Đăng nhập", email: "Email", password: "Mật khẩu", submit: "Đăng nhập", busy: "Đang đăng nhập…",
        lead: "Hộp thư Zalo OA, khách hàng và đồng bộ CRM của cửa hàng." },
  en: { title: "Sign in", email: "Email", password: "Password", submit: "Sign in", busy: "Signing in…",
        lead: "Your shop's Zalo OA inbox, customers and CRM sync." },
});

export default function SignIn() {
  const [setupNeeded, setSetupNeeded] = useState(false);
  useEffect(() => { api("/setup").then((state) => setSetupNeeded(state.needed)).catch(() => {}); }, []);
  return setupNeeded ? html`<${FirstRun} />` : html`<${SignInForm} />`;
}

function SignInForm() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (failure) {
      setError(failure);
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return html`<main class="auth-card" id="main">
    <h1>${t("title")}</h1>
    <p class="muted">${t("lead")}</p>
    <${Alert} error=${error} />
    <form onSubmit=${submit} class="stack">
      <${Field} label=${t("email")} error=${error?.fields?.email}>
        ${(a) => html`<input ...${a} type="email" autocomplete="username" required value=${email}
          onInput=${(e) => setEmail(e.target.value)} />`}
      <//>
      <${Field} label=${t("password")} error=${error?.fields?.password}>
        ${(a) => html`<input ...${a} type="password" autocomplete="current-password" required value=${password}
          onInput=${(e) => setPassword(e.target.value)} />`}
      <//>
      <button class="primary" type="submit" disabled=${busy}>${busy ? t("busy") : t("submit")}</button>
    </form>
  </main>`;
}
