/** How the console writes money, durations and times: as a Vietnamese shop reads them, in Vietnam's time zone. */
import { locale } from "./i18n.js";

export const TIME_ZONE = "Asia/Ho_Chi_Minh";

const tag = () => (locale.value === "en" ? "en-GB" : "vi-VN");

/** 1250000 → "1.250.000 ₫" (Vietnamese grouping in both languages: it is the currency's own writing). */
export function money(amount) {
  if (amount === null || amount === undefined || amount === "") return "—";
  const rounded = Math.round(Number(amount));
  return `${rounded.toLocaleString("vi-VN")} ₫`;
}

const UNITS = {
  vi: [["ngày", 86400], ["giờ", 3600], ["phút", 60], ["giây", 1]],
  en: [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]],
};

/** 200 → "3 phút 20 giây"; the two largest units only, so long times stay readable ("2 ngày 4 giờ"). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "—";
  let rest = Math.max(0, Math.round(Number(seconds)));
  const units = UNITS[locale.value] || UNITS.vi;
  if (rest === 0) return locale.value === "en" ? "0 s" : "0 giây";
  const parts = [];
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length) {
      break;
    }
  }
  return parts.join(" ");
}

/** An ISO instant as a date and time in Vietnam: "02/12/2026 14:05". */
export function dateTime(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(tag(), {
    timeZone: TIME_ZONE, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

export function date(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(tag(), { timeZone: TIME_ZONE, day: "2-digit", month: "2-digit", year: "numeric" })
    .format(new Date(iso));
}

/** "5 phút trước" / "5 minutes ago", for lists where the exact time matters less than how long ago. */
export function ago(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(tag(), { numeric: "auto" });
  const steps = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(seconds, "second");
}

/** A Date as the YYYY-MM-DD it is in Vietnam (for date inputs and report periods). */
export function vietnamDay(when = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(when);
}
