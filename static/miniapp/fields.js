// One control per field type of a form definition, with its label, help and error slot
// wired for screen readers (label/for, fieldset/legend, aria-describedby, aria-invalid).

import { el } from "./dom.js";
import { pick, t } from "./i18n.js";

const INPUT_TYPES = {
  text: { type: "text" },
  phone: { type: "tel", inputmode: "tel", autocomplete: "tel" },
  email: { type: "email", inputmode: "email", autocomplete: "email" },
};
const AUTOCOMPLETE = { full_name: "name", address: "street-address" };

export const fieldId = (name) => `f-${name}`;

function describedBy(spec, errors) {
  const ids = [];
  if (spec.help) ids.push(`${fieldId(spec.name)}-help`);
  if (errors) ids.push(`${fieldId(spec.name)}-error`);
  return ids.join(" ") || null;
}

function labelText(spec) {
  return [pick(spec.label), spec.required ? el("span", { class: "req", title: t("required") }, " *") : null];
}

function textControl(spec, value, errors) {
  const rules = spec.validation || {};
  const common = {
    id: fieldId(spec.name),
    name: spec.name,
    "aria-required": spec.required ? "true" : null,
    "aria-invalid": errors ? "true" : null,
    "aria-describedby": describedBy(spec, errors),
    maxlength: rules.max_length ? String(rules.max_length) : null,
  };
  if (spec.type === "textarea") return el("textarea", { ...common, rows: "4" }, value || "");
  return el("input", {
    ...common,
    ...INPUT_TYPES[spec.type] || INPUT_TYPES.text,
    autocomplete: (INPUT_TYPES[spec.type] || {}).autocomplete || AUTOCOMPLETE[spec.maps_to] || null,
    value: value || "",
  });
}

function selectControl(spec, value, errors) {
  return el("select", {
    id: fieldId(spec.name), name: spec.name,
    "aria-required": spec.required ? "true" : null,
    "aria-invalid": errors ? "true" : null,
    "aria-describedby": describedBy(spec, errors),
  },
  el("option", { value: "" }, t("choose")),
  spec.options.map((o) => el("option", { value: o.value, selected: o.value === value }, pick(o.label))));
}

/** Radio buttons (choice) or checkboxes (multichoice), grouped under a legend. */
function optionGroup(spec, value, errors, errorsLang) {
  const multiple = spec.type === "multichoice";
  const chosen = new Set(multiple ? value || [] : [value]);
  return el("fieldset", {
    class: "field options", id: fieldId(spec.name),
    "aria-required": spec.required ? "true" : null,
    "aria-invalid": errors ? "true" : null,
    "aria-describedby": describedBy(spec, errors),
  },
  el("legend", {}, labelText(spec)),
  el("div", { class: "choices" }, spec.options.map((o) => el("label", { class: "choice" },
    el("input", { type: multiple ? "checkbox" : "radio", name: spec.name, value: o.value, checked: chosen.has(o.value) }),
    el("span", {}, pick(o.label))))),
  helpAndError(spec, errors, errorsLang));
}

function checkboxField(spec, value, errors, errorsLang) {
  return el("div", { class: `field check${spec.type === "consent" ? " consent" : ""}` },
    el("label", { class: "choice" },
      el("input", {
        type: "checkbox", id: fieldId(spec.name), name: spec.name, checked: value === true,
        "aria-invalid": errors ? "true" : null, "aria-describedby": describedBy(spec, errors),
      }),
      el("span", {}, labelText(spec))),
    helpAndError(spec, errors, errorsLang));
}

/** Server messages keep the language they were sent in (errorsLang) until the next submit. */
function helpAndError(spec, errors, errorsLang) {
  return [
    spec.help ? el("p", { class: "help", id: `${fieldId(spec.name)}-help` }, pick(spec.help)) : null,
    el("p", { class: "error", id: `${fieldId(spec.name)}-error`, hidden: !errors, lang: errors ? errorsLang : null },
      errors ? errors.join(" ") : ""),
  ];
}

/** The block for one field; `extra` (e.g. the share-phone button) goes under its help and error. */
export function renderField(spec, value, errors, extra = null, errorsLang = null) {
  if (spec.type === "choice" || spec.type === "multichoice") return optionGroup(spec, value, errors, errorsLang);
  if (spec.type === "consent" || spec.type === "checkbox") return checkboxField(spec, value, errors, errorsLang);
  const control = spec.type === "province" ? selectControl(spec, value, errors) : textControl(spec, value, errors);
  return el("div", { class: "field" },
    el("label", { for: fieldId(spec.name) }, labelText(spec)),
    control,
    helpAndError(spec, errors, errorsLang),
    extra);
}

/** The answers as the API wants them: booleans for checkboxes, lists for multichoice, blanks left out. */
export function readValues(form, definition) {
  const data = new FormData(form);
  const values = {};
  for (const spec of definition.fields) {
    if (spec.type === "consent" || spec.type === "checkbox") values[spec.name] = data.has(spec.name);
    else if (spec.type === "multichoice") values[spec.name] = data.getAll(spec.name);
    else if ((data.get(spec.name) || "").trim()) values[spec.name] = data.get(spec.name).trim();
  }
  return values;
}
