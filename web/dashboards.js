import uPlot from "/ui/vendor/uPlot.esm.js";
import { get } from "./api.js";
import { esc, hubZone, num } from "./format.js";

// The rules' dashboards (the same widgets `hearth datadog apply` creates in Datadog), evaluated
// by the hub against its store: /api/dashboards/<name>. One dashboard shown at a time.
const COLORS = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568"];
const $ = (id) => document.getElementById(id);
const state = { list: [], name: undefined, variables: new Map(), plots: [] };

export async function initDashboards() {
  const { dashboards } = await get("/api/dashboards");
  state.list = dashboards;
  $("dashboards-section").hidden = dashboards.length === 0;
  if (!dashboards.length) return;
  $("dashboard-tabs").innerHTML = dashboards.map((d) => `<button data-name="${esc(d.name)}">${esc(d.title)}</button>`).join("");
  $("dashboard-tabs").addEventListener("click", (e) => {
    const name = e.target.closest("button")?.dataset.name;
    if (name) show(name);
  });
  $("dashboard-vars").addEventListener("change", (e) => {
    if (e.target.name) state.variables.set(e.target.name, e.target.value.trim() || "*");
    void draw();
  });
  window.addEventListener("resize", () => void draw());
  await show(dashboards[0].name);
}

async function show(name) {
  state.name = name;
  state.variables = new Map();
  for (const b of $("dashboard-tabs").querySelectorAll("button")) b.classList.toggle("active", b.dataset.name === name);
  const d = state.list.find((x) => x.name === name);
  $("dashboard-vars").innerHTML = d.template_variables
    .map((v) => `<label>$${esc(v.name)} <input name="${esc(v.name)}" value="${esc(v.default)}" aria-label="template variable ${esc(v.name)}"></label>`)
    .join("");
  await draw();
}

/** Redraws the shown dashboard (the page calls it on its refresh too: widgets have live spans). */
export async function draw() {
  if (!state.name) return;
  const q = new URLSearchParams([...state.variables]);
  const width = $("dashboard").clientWidth;
  q.set("max_points", String(Math.max(60, Math.min(600, Math.round(width / 2)))));
  const d = await get(`/api/dashboards/${encodeURIComponent(state.name)}?${q}`);
  if (d.name !== state.name) return;
  for (const p of state.plots) p.destroy();
  state.plots = [];
  $("dashboard-about").innerHTML = d.description ? esc(d.description) : "";
  $("dashboard").innerHTML = d.evaluated.map((w, i) => frame(d.widgets[i], w, i)).join("");
  d.evaluated.forEach((w, i) => w.type === "timeseries" && plot(w, $(`widget-${i}`)));
  // What the browser tests read back: each widget as the hub evaluated it, and what was drawn.
  window.hearthDashboard = {
    name: d.name,
    evaluated: d.evaluated,
    drawn: state.plots.map((p) => ({ widget: p.hearthWidget, series: p.series.map((s) => s.label), data: p.data })),
  };
}

function frame(def, w, i) {
  const title = `<div class="widget-title">${esc(w.title ?? def.queries?.[0] ?? "")}</div>`;
  if (w.type === "note") return `<div class="widget note-widget">${markdownLite(w.text)}</div>`;
  if (w.type === "query_value") {
    const value = w.value === null ? "–" : w.precision !== null ? w.value.toFixed(w.precision) : num(w.value);
    return `<div class="widget query-value" data-widget="${i}">${title}<div class="value">${value}${w.unit ? ` <span class="unit">${esc(w.unit)}</span>` : ""}</div><div class="note">${esc(w.aggregator)} over ${esc(w.span)} · <code>${esc(w.query)}</code></div></div>`;
  }
  const notes = w.queries.filter((q) => q.note).map((q) => `<div class="note">${esc(q.note)}</div>`);
  const empty = w.queries.every((q) => q.series.length === 0) ? `<div class="note">No points in the past ${esc(w.span)}.</div>` : "";
  return `<div class="widget timeseries" data-widget="${i}">${title}<div id="widget-${i}" class="widget-chart"></div>${empty}${notes.join("")}<div class="note">${w.queries.map((q) => `<code>${esc(q.query)}</code>`).join(" ")} · past ${esc(w.span)} · per ${esc(label(w.interval_s))}</div></div>`;
}

/** Notes are Markdown in Datadog; here: text, `code` and line breaks, nothing that could run. */
const markdownLite = (text) =>
  esc(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\n\n/g, "<br><br>");

function plot(w, el) {
  // One x axis for every group of every query: the union of their bucket times.
  const times = [...new Set(w.queries.flatMap((q) => q.series.flatMap((s) => s.points.map(([t]) => t))))].sort((a, b) => a - b);
  if (times.length === 0) return;
  const index = new Map(times.map((t, i) => [t, i]));
  const column = (pairs, pick) => {
    const col = new Array(times.length).fill(null);
    for (const p of pairs) col[index.get(p[0])] = pick(p);
    return col;
  };
  const series = [{}];
  const data = [times.map((t) => t / 1000)];
  const bands = [];
  let color = 0;
  const paths = w.display === "bars" ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
  for (const q of w.queries) {
    for (const s of q.series) {
      const c = COLORS[color++ % COLORS.length];
      if (s.band) {
        // The band: upper and lower as thin lines, the space between filled (uPlot's bands).
        series.push({ label: `${groupLabel(s.group)} upper`, stroke: "#8886", width: 1, points: { show: false } });
        data.push(column(s.band, (b) => b[2]));
        series.push({ label: `${groupLabel(s.group)} lower`, stroke: "#8886", width: 1, points: { show: false } });
        data.push(column(s.band, (b) => b[1]));
        bands.push({ series: [series.length - 2, series.length - 1], fill: "rgba(128,128,128,.18)" });
      }
      series.push({
        label: groupLabel(s.group),
        stroke: c,
        width: 1.5,
        ...(w.display === "area" ? { fill: `${c}22` } : {}),
        ...(paths ? { paths, fill: `${c}99` } : {}),
        value: (_u, v) => num(v),
      });
      data.push(column(s.points, (p) => p[1]));
    }
  }
  const width = Math.max(240, el.clientWidth);
  const u = new uPlot(
    {
      width,
      height: window.innerWidth < 600 ? 170 : 200,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), hubZone()),
      scales: { x: { time: true } },
      series,
      bands,
      legend: { show: series.length <= 9 },
      axes: [
        { stroke: "#888", grid: { stroke: "#8882" } },
        { stroke: "#888", grid: { stroke: "#8882" }, size: 56 },
      ],
    },
    data,
    el,
  );
  u.hearthWidget = Number(el.id.slice("widget-".length));
  state.plots.push(u);
}

const groupLabel = (g) => (g === "*" ? "all" : g);
const label = (s) => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);
