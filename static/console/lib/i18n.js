/**
 * Vietnamese first, English available. Each page keeps its own strings beside its code
 * (`const t = messages({vi: {...}, en: {...}})`), so pages can be added without touching a shared file.
 */
import { signal } from "@preact/signals";

const STORED = "console.locale";
export const LOCALES = ["vi", "en"];
export const locale = signal(LOCALES.includes(localStorage.getItem(STORED)) ? localStorage.getItem(STORED) : "vi");

export function setLocale(value) {
  if (!LOCALES.includes(value)) return;
  localStorage.setItem(STORED, value);
  document.documentElement.lang = value;
  locale.value = value;
}

/** A translator for one page's strings: `t("key", {name: "Lan"})` fills `{name}`; falls back to vi, then the key. */
export function messages(dictionaries) {
  return (key, params = {}) => {
    const text = dictionaries[locale.value]?.[key] ?? dictionaries.vi?.[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}
