// The form card, shared by the page (app.js) and the console's preview (preview.js), so that a preview shows
// exactly what customers will see.

import { el } from "./dom.js";
import { renderField } from "./fields.js";
import { pick, t } from "./i18n.js";

/** The form of definition `def`; `phoneTools` goes under the phone field, `notice` above the fields. */
export function formCard(def, { values = {}, errors = {}, errorsLang = null, notice = "", phoneTools = null,
  onSubmit = null, onInput = null } = {}) {
  const phone = def.fields.find((f) => f.type === "phone");
  return el("form", { class: "card", id: "miniapp-form", novalidate: true, onsubmit: onSubmit, oninput: onInput },
    el("h1", {}, pick(def.title)),
    def.description ? el("p", { class: "lead" }, pick(def.description)) : null,
    el("div", { class: "notice", role: "alert", hidden: !notice }, notice),
    def.fields.map((spec) => renderField(spec, values[spec.name], errors[spec.name],
      spec === phone ? phoneTools : null, errorsLang)),
    el("button", { type: "submit", class: "primary" }, t("submit")));
}
