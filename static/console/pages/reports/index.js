/**
 * Reports: how fast and how fully the shop answers, who answers, and what forms turn into, for a chosen period
 * (business hours applied by the server). Each chart has its numbers beside it, times read as "3 phút 20 giây",
 * and the whole report downloads as CSV. Everything comes from `GET /metrics` (docs/metrics.md).
 */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { date as formatDate, duration, vietnamDay } from "../../lib/format.js";
import { replaceQuery } from "../../lib/router.js";
import { Alert, Loading, PageHeader, useApi } from "../../lib/ui.js";
import { ChartCanvas } from "./chart.js";
import { downloadCsv } from "./csv.js";
import { t } from "./strings.js";

const MINUTE = 60;

function percent(value) {
  return value === null || value === undefined ? t("none") : `${Math.round(value * 1000) / 10}%`;
}

function daysBefore(day, count) {
  const when = new Date(`${day}T12:00:00+07:00`);
  when.setUTCDate(when.getUTCDate() - count);
  return vietnamDay(when);
}

function PeriodPicker({ period, onPick }) {
  const [from, setFrom] = useState(period.from);
  const [to, setTo] = useState(period.to);
  const today = vietnamDay();
  const pick = (first, last) => { setFrom(first); setTo(last); onPick(first, last); };
  return html`<form class="row report-period" aria-label=${t("period")}
      onSubmit=${(e) => { e.preventDefault(); onPick(from, to); }}>
    <label>${t("from")} <input type="date" value=${from} max=${to} onInput=${(e) => setFrom(e.target.value)} /></label>
    <label>${t("to")} <input type="date" value=${to} max=${today} onInput=${(e) => setTo(e.target.value)} /></label>
    <button class="primary">${t("show")}</button>
    <button type="button" onClick=${() => pick(daysBefore(today, 6), today)}>${t("last7")}</button>
    <button type="button" onClick=${() => pick(daysBefore(today, 29), today)}>${t("last30")}</button>
    <button type="button" onClick=${() => pick(`${today.slice(0, 8)}01`, today)}>${t("thisMonth")}</button>
  </form>`;
}

function Figure({ label, value, detail }) {
  return html`<div class="card figure"><h2>${label}</h2><p class="figure-value">${value}</p>
    ${detail && html`<p class="muted">${detail}</p>`}</div>`;
}

function OverTime({ days }) {
  const labels = days.map((d) => formatDate(`${d.date}T12:00:00+07:00`));
  const minutes = (key) => days.map((d) => (d.first_response_seconds[key] === null ? null : d.first_response_seconds[key] / MINUTE));
  const config = { type: "line", data: { labels, datasets: [
    { label: `${t("median")} (${t("minutes")})`, data: minutes("median"), borderColor: "#0659c2", spanGaps: true },
    { label: `${t("p90")} (${t("minutes")})`, data: minutes("p90"), borderColor: "#c77700", spanGaps: true }] },
    options: { scales: { y: { beginAtZero: true } } } };
  return html`<section class="card report-section">
    <h2>${t("overTime")}</h2>
    <div class="report-pair">
      <${ChartCanvas} what=${t("overTime")} config=${config} />
      <div class="table-wrap" tabindex="0"><table>
        <caption class="visually-hidden">${t("overTime")}</caption>
        <thead><tr><th>${t("day")}</th><th class="num">${t("median")}</th><th class="num">${t("p90")}</th>
          <th class="num">${t("cycles")}</th><th class="num">${t("replies")}</th></tr></thead>
        <tbody>${days.map((d, i) => html`<tr><td>${labels[i]}</td>
          <td class="num">${duration(d.first_response_seconds.median)}</td><td class="num">${duration(d.first_response_seconds.p90)}</td>
          <td class="num">${d.cycles}</td><td class="num">${d.replies}</td></tr>`)}</tbody>
      </table></div>
    </div>
  </section>`;
}

function PerAgent({ agents }) {
  const names = agents.map((a) => a.name || t("oaConsole"));
  const config = { type: "bar", data: { labels: names, datasets: [
    { label: t("conversations"), data: agents.map((a) => a.conversations), backgroundColor: "#0659c2" },
    { label: t("replies"), data: agents.map((a) => a.replies), backgroundColor: "#7fb0ea" }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } };
  return html`<section class="card report-section">
    <h2>${t("perAgent")}</h2>
    <div class="report-pair">
      <${ChartCanvas} what=${t("perAgent")} config=${config} />
      <div class="table-wrap" tabindex="0"><table>
        <caption class="visually-hidden">${t("perAgent")}</caption>
        <thead><tr><th>${t("agent")}</th><th class="num">${t("conversations")}</th><th class="num">${t("replies")}</th>
          <th class="num">${t("median")}</th><th class="num">${t("responseRate")}</th></tr></thead>
        <tbody>${agents.map((a, i) => html`<tr><td>${names[i]}</td><td class="num">${a.conversations}</td>
          <td class="num">${a.replies}</td><td class="num">${duration(a.first_response_seconds.median)}</td>
          <td class="num">${percent(a.response_rate)}</td></tr>`)}</tbody>
      </table></div>
    </div>
  </section>`;
}

function Funnel({ forms, followers }) {
  const config = { type: "bar", data: { labels: [t("submissions"), t("converted", { days: forms.window_days })],
    datasets: [{ label: t("funnel"), data: [forms.submissions, forms.converted], backgroundColor: ["#0659c2", "#146c2e"] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
  return html`<div class="grid">
    <section class="card report-section">
      <h2>${t("funnel")}</h2>
      <${ChartCanvas} what=${t("funnel")} config=${config} />
      <dl class="facts">
        <dt>${t("submissions")}</dt><dd>${forms.submissions}</dd>
        <dt>${t("converted", { days: forms.window_days })}</dt><dd>${forms.converted}</dd>
        <dt>${t("conversion")}</dt><dd>${percent(forms.conversion_rate)}</dd>
      </dl>
    </section>
    <section class="card report-section">
      <h2>${t("followers")}</h2>
      <dl class="facts">
        <dt>${t("follows")}</dt><dd>${followers.follows}</dd>
        <dt>${t("unfollows")}</dt><dd>${followers.unfollows}</dd>
        <dt>${t("net")}</dt><dd>${followers.net > 0 ? "+" : ""}${followers.net}</dd>
      </dl>
    </section>
  </div>`;
}

export default function Reports({ query }) {
  const period = { from: query.from || daysBefore(vietnamDay(), 6), to: query.to || vietnamDay() };
  const report = useApi("/metrics", period);
  const data = report.data;
  return html`<section class="reports">
    <${PageHeader} title=${t("title")}>
      ${data && html`<button type="button" onClick=${() => downloadCsv(data)}>${t("csv")}</button>`}
    <//>
    <${PeriodPicker} period=${period} onPick=${(from, to) => replaceQuery({ from, to })} key=${`${period.from}${period.to}`} />
    <${Alert} error=${report.error} onRetry=${report.reload} />
    ${!data ? html`<${Loading} />` : html`
      <p class="muted">${data.period.business_hours ? t("businessHours", { hours: data.period.business_hours }) : t("allHours")}</p>
      <div class="grid report-figures">
        <${Figure} label=${t("firstResponse")} value=${duration(data.overall.first_response_seconds.median)}
          detail=${`${t("p90")} ${duration(data.overall.first_response_seconds.p90)}`} />
        <${Figure} label=${t("responseRate")} value=${percent(data.overall.response_rate)}
          detail=${t("answeredOf", { answered: data.overall.answered, cycles: data.overall.cycles })} />
        <${Figure} label=${t("resolution")} value=${duration(data.overall.resolution_seconds.median)}
          detail=${t("resolved", { count: data.overall.resolved })} />
        <${Figure} label=${t("conversations")} value=${data.overall.opened + data.overall.reopened}
          detail=${`${t("closed")}: ${data.overall.closed} · ${t("waiting")}: ${data.overall.waiting}`} />
      </div>
      <${OverTime} days=${data.days} />
      <${PerAgent} agents=${data.agents} />
      <${Funnel} forms=${data.forms} followers=${data.followers} />`}
  </section>`;
}
