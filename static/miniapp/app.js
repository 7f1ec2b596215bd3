// The Mini App form page: open a session through the platform adapter, render the shop's form,
// let the customer share their Zalo phone, submit, and show field errors or a confirmation.

import * as api from "./api.js";
import { chooseAdapter } from "./adapters/index.js";
import { el } from "./dom.js";
import { fieldId, readValues } from "./fields.js";
import { formCard } from "./form_view.js";
import { lang, pick, setLang, t } from "./i18n.js";
import { createSubmitter } from "./submission.js";

const main = document.getElementById("app");
const state = {
  view: "loading", // loading | message | form | done
  messageKey: null,
  adapter: null,
  session: null,
  slug: null,
  definition: null,
  values: {},
  errors: {}, // server messages by field name, in errorsLang
  errorsLang: null,
  notice: null, // {key, extra: [server messages for names the form does not have]}
  phoneVerified: false,
  result: null,
};

/** "+84912345678" → "0912 345 678", the way Vietnamese customers write their number. */
function localPhone(e164) {
  if (!e164 || !e164.startsWith("+84")) return e164 || "";
  const local = "0" + e164.slice(3);
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : local;
}

const phoneSpec = () => state.definition.fields.find((f) => f.type === "phone");

/** Start from what the profile already knows, so a returning customer does not type it again. */
function prefill(customer) {
  const known = {
    full_name: customer.full_name || customer.zalo_display_name,
    phone: localPhone(customer.phone),
    email: customer.email,
    province: customer.province,
    address: customer.address,
  };
  const values = {};
  for (const spec of state.definition.fields) {
    const value = spec.maps_to && known[spec.maps_to];
    if (!value) continue;
    // Choices are stored on the profile by their Vietnamese label ("Hà Nội"), not their code.
    const option = (spec.options || []).find((o) => o.label.vi === value || o.value === value);
    if (spec.options && !option) continue;
    values[spec.name] = option ? option.value : value;
  }
  state.values = values;
  state.phoneVerified = (customer.phones || []).some((p) => p.verified && p.e164 === customer.phone);
}

async function startSession() {
  const accessToken = await state.adapter.getAccessToken();
  const info = await state.adapter.getUserInfo().catch(() => null); // idByOA is optional
  state.session = await api.openSession(accessToken, info && info.userInfo && info.userInfo.idByOA);
  return state.session;
}

/** Call the API with the session token; an expired session is reopened once, transparently. */
async function withSession(call) {
  try {
    return await call(state.session.session_token);
  } catch (error) {
    if (!(error instanceof api.ApiError) || error.status !== 401) throw error;
    return call((await startSession()).session_token);
  }
}

const submit = createSubmitter((values, key) =>
  withSession((token) => api.submitForm(token, state.slug, values, key)));

function currentForm() {
  return main.querySelector("form");
}

function keepTypedValues() {
  if (state.view === "form" && currentForm()) state.values = readValues(currentForm(), state.definition);
}

async function onSubmit(event) {
  event.preventDefault();
  keepTypedValues();
  const button = currentForm().querySelector("button[type=submit]");
  button.disabled = true;
  button.textContent = t("submitting");
  try {
    state.result = await submit(state.values);
    state.view = "done";
    state.errors = {};
    state.notice = null;
  } catch (error) {
    showSubmitError(error);
  }
  render();
  if (state.view === "form") focusFirstError();
}

function showSubmitError(error) {
  if (!(error instanceof api.ApiError)) {
    state.notice = { key: "network", extra: [] }; // the key is kept: trying again cannot create a duplicate
    return;
  }
  const errors = error.fieldErrors;
  state.errors = errors;
  state.errorsLang = lang();
  const known = new Set(state.definition.fields.map((f) => f.name));
  const stray = Object.entries(errors).filter(([name]) => !known.has(name)).map(([, m]) => m.join(" "));
  const fieldProblem = error.status === 422 && Object.keys(errors).length;
  state.notice = { key: fieldProblem ? "fix_errors" : "failed", extra: stray };
}

async function onSharePhone(event) {
  const button = event.currentTarget;
  const spec = phoneSpec();
  keepTypedValues();
  button.disabled = true;
  button.textContent = t("sharing_phone");
  try {
    const { token: code } = await state.adapter.getPhoneNumber();
    const accessToken = await state.adapter.getAccessToken();
    const result = await withSession((token) => api.sharePhone(token, accessToken, code));
    state.values[spec.name] = localPhone(result.phone);
    state.phoneVerified = true;
    delete state.errors[spec.name];
  } catch (error) {
    // Refused permission or an unapproved app: typing the number still works.
    state.errors = { ...state.errors, [spec.name]: [t("phone_denied")] };
    state.errorsLang = lang();
  }
  render();
}

/** A field being edited drops its error; an edited shared number is no longer Zalo-verified. */
function onInput(event) {
  const name = event.target.name;
  if (state.errors[name]) {
    delete state.errors[name];
    document.getElementById(`${fieldId(name)}-error`).hidden = true;
    document.getElementById(fieldId(name)).removeAttribute("aria-invalid");
  }
  const spec = phoneSpec();
  if (!spec || name !== spec.name || !state.phoneVerified) return;
  state.phoneVerified = false;
  currentForm().querySelector(".verified").hidden = true;
  currentForm().querySelector(".share-phone").hidden = false;
}

function phoneTools() {
  return el("div", { class: "phone-tools" },
    el("button", { type: "button", class: "secondary share-phone", hidden: state.phoneVerified, onclick: onSharePhone },
      t("share_phone")),
    el("span", { class: "verified", hidden: !state.phoneVerified }, "✓ ", t("phone_verified")));
}

function focusFirstError() {
  const invalid = main.querySelector('[aria-invalid="true"]');
  const target = invalid && (invalid.matches("fieldset") ? invalid.querySelector("input") : invalid);
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "center" });
  } else {
    main.querySelector(".notice:not([hidden])")?.scrollIntoView({ block: "center" });
  }
}

function formView() {
  return formCard(state.definition, {
    values: state.values, errors: state.errors, errorsLang: state.errorsLang, phoneTools: phoneTools(),
    notice: state.notice ? [t(state.notice.key), ...state.notice.extra].join(" ") : "", onSubmit, onInput,
  });
}

function doneView() {
  const { submission } = state.result;
  return el("section", { class: "card done", role: "status" },
    el("div", { class: "tick", "aria-hidden": "true" }, "✓"),
    el("h1", {}, t("success_title")),
    el("p", {}, t("success_body")),
    el("p", { class: "ref" }, `${t("success_ref")}: `, el("strong", {}, submission.ref)),
    el("button", { type: "button", class: "secondary", onclick: () => {
      prefill(state.result.customer);
      state.view = "form";
      render();
    } }, t("again")));
}

function render() {
  document.documentElement.lang = lang();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
  document.getElementById("sandbox-badge").hidden = !(state.adapter && state.adapter.name === "sandbox");
  document.getElementById("sandbox-badge").textContent = t("sandbox");
  if (state.definition) document.title = pick(state.definition.title);
  const views = {
    loading: () => el("p", { class: "status" }, t("loading")),
    message: () => el("p", { class: "card status", role: "alert" }, t(state.messageKey)),
    form: formView,
    done: doneView,
  };
  main.replaceChildren(views[state.view]());
}

function stop(messageKey) {
  state.view = "message";
  state.messageKey = messageKey;
  render();
}

async function boot() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      keepTypedValues();
      setLang(button.dataset.lang);
      render();
    });
  }
  render();
  let config;
  try {
    config = await api.getConfig();
    state.adapter = await chooseAdapter(config);
  } catch (error) {
    return stop("failed");
  }
  if (!state.adapter) return stop("not_in_zalo");
  try {
    await startSession();
  } catch (error) {
    return stop("session_failed");
  }
  // The link that opened the page (services/forms/links.py): ?form=<slug>&utm_source=<message kind>.
  state.slug = linkParams(state.adapter).form || config.default_form;
  try {
    state.definition = await api.getForm(state.slug);
  } catch (error) {
    return stop(error instanceof api.ApiError && error.status === 404 ? "form_missing" : "failed");
  }
  prefill(state.session.customer);
  state.view = "form";
  render();
}

/** The query of the link that opened the page: the page URL's, and inside Zalo zmp-sdk's getRouteParams(). */
function linkParams(adapter) {
  const fromUrl = Object.fromEntries(new URLSearchParams(location.search));
  return { ...fromUrl, ...(adapter.getRouteParams ? adapter.getRouteParams() : {}) };
}

boot();
