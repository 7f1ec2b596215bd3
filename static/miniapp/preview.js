// The console's preview of a form definition (Settings → Biểu mẫu): this page's own form card, fed by the
// console through postMessage (same origin only). Nothing is submitted and no session is opened.

import { el } from "./dom.js";
import { formCard } from "./form_view.js";
import { setLang, t } from "./i18n.js";

const main = document.getElementById("app");

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || !event.data || !event.data.formPreview) return;
  setLang(event.data.lang, { remember: false });
  const phoneTools = el("div", { class: "phone-tools" },
    el("button", { type: "button", class: "secondary", disabled: true }, t("share_phone")));
  main.replaceChildren(formCard(event.data.formPreview, { phoneTools, onSubmit: (e) => e.preventDefault() }));
});

window.parent.postMessage({ formPreviewReady: true }, location.origin);
