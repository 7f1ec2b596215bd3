/**
 * The console's frame: checks the session, shows sign-in or the menu and the current page, starts the live
 * feed once signed in. Pages are loaded on first visit (routes.js).
 */
import { html } from "./lib/html.js";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { effect } from "@preact/signals";
import { locale, messages, setLocale } from "./lib/i18n.js";
import { atLeast, checked, restore, signOut, staff } from "./lib/session.js";
import { current, match, navigate } from "./lib/router.js";
import * as live from "./lib/live.js";
import { HOME, ROUTES } from "./routes.js";
import SignIn from "./pages/signin.js";

const t = messages({
  vi: { skip: "Bỏ qua đến nội dung", menu: "Menu", signOut: "Đăng xuất", notFound: "Không có trang này.",
        noAccess: "Vai trò của bạn không mở được trang này.", loadFailed: "Không tải được trang. Tải lại để thử lại.",
        language: "Ngôn ngữ", product: "Bảng điều khiển" },
  en: { skip: "Skip to content", menu: "Menu", signOut: "Sign out", notFound: "There is no such page.",
        noAccess: "Your role cannot open this page.", loadFailed: "The page failed to load. Reload to try again.",
        language: "Language", product: "Console" },
});

const modules = new Map();

function useModule(route) {
  const [, setLoaded] = useState(0);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!route || modules.has(route.path)) return;
    route.load().then((module) => { modules.set(route.path, module.default); setLoaded((n) => n + 1); })
      .catch(() => setFailed(true));
  }, [route]);
  return { Page: route ? modules.get(route.path) : null, failed };
}

function resolve(path) {
  for (const route of ROUTES) {
    const params = match(route.path, path);
    if (params) return { route, params };
  }
  return { route: null, params: {} };
}

function Menu({ open, onPick }) {
  const here = current.value.path;
  return html`<nav class=${`menu ${open ? "open" : ""}`} aria-label=${t("menu")}>
    <ul>
      ${ROUTES.filter((r) => r.label && atLeast(r.role || "viewer")).map((r) => {
        const base = r.path.split("/:")[0];
        const active = here === base || here.startsWith(`${base}/`);
        return html`<li><a href=${`#${base}`} aria-current=${active ? "page" : undefined} onClick=${onPick}>
          ${r.label[locale.value] || r.label.vi}</a></li>`;
      })}
    </ul>
    <div class="menu-foot">
      <p class="muted">${staff.value?.name}</p>
      <label class="inline">${t("language")}
        <select value=${locale.value} onChange=${(e) => setLocale(e.target.value)}>
          <option value="vi">Tiếng Việt</option><option value="en">English</option>
        </select>
      </label>
      <button type="button" onClick=${signOut}>${t("signOut")}</button>
    </div>
  </nav>`;
}

function Frame() {
  const [menuOpen, setMenuOpen] = useState(false);
  const { path, query } = current.value;
  const { route, params } = resolve(path);
  const { Page, failed } = useModule(route);
  useEffect(() => { if (path === "/") navigate(HOME); }, [path]);

  if (!checked.value) return html`<p class="boot">…</p>`;
  if (route?.public) {
    return html`${Page ? html`<${Page} params=${params} query=${query} />` : null}`;
  }
  if (!staff.value) return html`<${SignIn} />`;

  let body;
  if (!route) body = html`<p class="empty">${path === "/" ? "" : t("notFound")}</p>`;
  else if (!atLeast(route.role || "viewer")) body = html`<p class="empty">${t("noAccess")}</p>`;
  else if (failed) body = html`<p class="alert alert-error" role="alert">${t("loadFailed")}</p>`;
  else body = Page ? html`<${Page} params=${params} query=${query} />` : html`<p class="boot">…</p>`;

  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
      ${t("skip")}</a>
    <header class="topbar">
      <button type="button" class="menu-toggle" aria-expanded=${menuOpen} onClick=${() => setMenuOpen(!menuOpen)}>
        ${t("menu")}</button>
      <span class="brand">${t("product")}</span>
    </header>
    <${Menu} open=${menuOpen} onPick=${() => setMenuOpen(false)} />
    <main id="main" tabindex="-1" class="content">${body}</main>
  </div>`;
}

effect(() => {
  document.documentElement.lang = locale.value;
  if (staff.value) live.start(); else live.stop();
});

restore();
render(html`<${Frame} />`, document.getElementById("app"));
