/** A Chart.js canvas that follows its data; the canvas is labelled and the numbers are always shown beside it. */
import { html } from "../../lib/html.js";
import { useEffect, useRef } from "preact/hooks";
import { Chart, registerables } from "chart.js";
import { t } from "./strings.js";

Chart.register(...registerables);

export function ChartCanvas({ what, config }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, { ...config, options: { responsive: true, maintainAspectRatio: false,
      animation: false, ...config.options } });
    return () => chart.current.destroy();
  }, [JSON.stringify(config.data)]);
  return html`<div class="chart-box"><canvas ref=${canvas} role="img" aria-label=${t("chartOf", { what })}></canvas></div>`;
}
