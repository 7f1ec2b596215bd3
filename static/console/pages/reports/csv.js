/** The report as a CSV a spreadsheet opens (UTF-8 with a BOM, so Excel reads Vietnamese correctly). */
import { t } from "./strings.js";

function cell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function rows(report) {
  const head = ["section", "name", "cycles", "answered", "response_rate", "first_response_median_s",
    "first_response_p90_s", "resolved", "resolution_median_s", "replies"];
  const line = (section, name, r) => [section, name, r.cycles, r.answered, r.response_rate,
    r.first_response_seconds?.median, r.first_response_seconds?.p90, r.resolved, r.resolution_seconds?.median, r.replies];
  return [head, line("overall", `${report.period.from}..${report.period.to}`, report.overall),
    ...report.days.map((d) => line("day", d.date, d)),
    ...report.agents.map((a) => line("agent", a.name || t("oaConsole"), a)),
    ["forms", "submissions", report.forms.submissions], ["forms", "converted", report.forms.converted],
    ["followers", "follows", report.followers.follows], ["followers", "unfollows", report.followers.unfollows]];
}

export function downloadCsv(report) {
  const text = rows(report).map((r) => r.map(cell).join(",")).join("\r\n");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }));
  link.download = `bao-cao-${report.period.from}-${report.period.to}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
