import uPlot from "/ui/vendor/uPlot.esm.js";
import { get } from "./api.js";
import { esc, hubNow, hubZone, num } from "./format.js";

// One chart at a time, of one series from the local store: 1 h / 24 h / 7 d or a dragged range,
// rolled up by the hub (avg, sum, min, max, count over an interval) to about one point per pixel.
const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };
const state = { series: undefined, from: 0, until: 0, plot: undefined };
const $ = (id) => document.getElementById(id);

export function initChart() {
  $("ranges").addEventListener("click", (e) => {
    const r = e.target.closest("button")?.dataset.range;
    if (r) showRange(RANGES[r]);
  });
  $("rollup-fn").addEventListener("change", () => draw());
  $("rollup-interval").addEventListener("change", () => draw());
  $("chart-close").addEventListener("click", () => {
    $("chart-panel").hidden = true;
    state.plot?.destroy();
    state.plot = undefined;
    window.hearthChart = undefined;
  });
  window.addEventListener("resize", () => state.plot?.setSize(size()));
}

/** Opens the chart of one series (metric and tags, as /api/series lists it). */
export function openChart(series) {
  state.series = series;
  $("chart-panel").hidden = false;
  $("chart-title").innerHTML = `${esc(series.metric)} ${series.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}`;
  $("rollup-fn").value = series.kind === "count" ? "sum" : "avg";
  showRange(RANGES["1h"]);
  $("chart-panel").scrollIntoView({ block: "nearest" });
}

function showRange(span) {
  state.until = hubNow();
  state.from = state.until - span;
  for (const b of $("ranges").querySelectorAll("button")) b.classList.toggle("active", RANGES[b.dataset.range] === span);
  draw();
}

const size = () => ({ width: Math.max(260, $("chart").clientWidth), height: window.innerWidth < 600 ? 200 : 280 });

async function draw() {
  const s = state.series;
  if (!s) return;
  const width = size().width;
  const interval = $("rollup-interval").value;
  const q = new URLSearchParams({
    metric: s.metric,
    tags: s.tags.join(","),
    from: String(state.from / 1000),
    until: String(state.until / 1000),
    rollup: interval ? `${$("rollup-fn").value},${interval}` : $("rollup-fn").value,
    max_points: String(Math.min(2000, Math.round(width))),
  });
  const started = performance.now();
  const answer = await get(`/api/series?${q}`);
  const found = answer.series.find((x) => x.tags.length === s.tags.length) ?? answer.series[0];
  const points = found?.points ?? [];
  const data = [points.map(([t]) => t / 1000), points.map(([, v]) => v)];
  state.plot?.destroy();
  state.plot = new uPlot(
    {
      ...size(),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), hubZone()),
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      legend: { show: true },
      series: [
        {},
        {
          label: `${answer.rollup.fn} per ${label(answer.rollup.interval_s)}`,
          stroke: "#2b6cb0",
          fill: "rgba(43,108,176,.12)",
          width: 1.5,
          value: (_u, v) => num(v, s.unit),
        },
      ],
      axes: [
        { stroke: "#888", grid: { stroke: "#8882" } },
        { stroke: "#888", grid: { stroke: "#8882" }, size: 56 },
      ],
      hooks: {
        // A dragged range becomes the chart's range, fetched anew at the finer rollup it allows.
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            state.from = u.posToVal(u.select.left, "x") * 1000;
            state.until = u.posToVal(u.select.left + u.select.width, "x") * 1000;
            for (const b of $("ranges").querySelectorAll("button")) b.classList.remove("active");
            draw();
          },
        ],
      },
    },
    data,
    $("chart"),
  );
  const ms = Math.round(performance.now() - started);
  $("chart-note").textContent =
    `${points.length} points, ${answer.rollup.fn} per ${label(answer.rollup.interval_s)} · drawn in ${ms} ms · drag across the chart to zoom · times in ${hubZone()}`;
  // What the browser tests read back: the data drawn and how it was rolled up.
  window.hearthChart = { metric: s.metric, tags: s.tags, rollup: answer.rollup, from: state.from, until: state.until, data: state.plot.data, ms };
}

const label = (s) => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);
