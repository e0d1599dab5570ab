import { HEADLINE_PREFIXES } from "./headlines.js";

/**
 * The status page at `/`: plain HTML that asks the JSON API every two seconds. From another
 * machine, open it as http://host:8686/#token=<http.token>; the token stays in the browser
 * (a URL fragment is never sent to the server) and goes out only as a bearer header.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth</title>
<style>
  :root { color-scheme: light dark; --muted: #888; --ok: #2e9d5b; --warn: #d99a00; --bad: #d2453c; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; max-width: 72rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1rem; margin: 1.5rem 0 .4rem; }
  .muted { color: var(--muted); } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .6rem .25rem 0; border-bottom: 1px solid #8883; vertical-align: top; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .tag { display: inline-block; background: #8882; border-radius: 3px; padding: 0 .3rem; margin: 0 .2rem .1rem 0; font-size: 12px; }
  .state-ok { color: var(--ok); } .state-degraded, .state-starting, .state-WARN, .state-NO_DATA { color: var(--warn); }
  .state-down, .state-ALERT { color: var(--bad); font-weight: 600; }
  input { font: inherit; padding: .2rem .4rem; width: 18rem; }
</style>
</head>
<body>
<h1>Hearth <span id="status" class="muted">…</span></h1>
<div class="muted" id="about"></div>
<h2>Components</h2>
<table id="components"><thead><tr><th>Component</th><th>State</th><th>Since</th><th>Detail</th></tr></thead><tbody></tbody></table>
<div id="alerts-section" hidden><h2>Alerts</h2>
<table id="alerts"><thead><tr><th>Monitor</th><th>Group</th><th>State</th><th>Value</th><th>Since</th></tr></thead><tbody></tbody></table></div>
<h2>Series <input id="filter" placeholder="filter: metric or tag"></h2>
<table id="series"><thead><tr><th>Metric</th><th>Tags</th><th class="num">Value</th><th>Unit</th><th class="num">Age</th></tr></thead><tbody></tbody></table>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const headers = token ? { Authorization: "Bearer " + token } : {};
const get = (p) => fetch(p, { headers }).then((r) => (r.ok || r.status === 503 ? r.json() : Promise.reject(new Error(r.status))));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const age = (t) => { const s = Math.max(0, Math.round((Date.now() - t) / 1000)); return s < 90 ? s + "s" : s < 5400 ? Math.round(s / 60) + "m" : Math.round(s / 3600) + "h"; };
const fmt = (v) => Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : String(Number(v.toPrecision(4)));
const HEADLINES = ${JSON.stringify(HEADLINE_PREFIXES)};
const rank = (m) => { const i = HEADLINES.findIndex((h) => m.startsWith(h)); return i < 0 ? HEADLINES.length : i; };
function rows(id, html) { document.querySelector("#" + id + " tbody").innerHTML = html.join("") || "<tr><td colspan=5 class=muted>nothing yet</td></tr>"; }
async function refresh() {
  try {
    const h = await get("/healthz");
    document.getElementById("status").textContent = h.status;
    document.getElementById("status").className = "state-" + h.status;
    document.getElementById("about").textContent = [h.host, h.version && "v" + h.version, h.uptime_s !== undefined && "up " + age(Date.now() - h.uptime_s * 1000)].filter(Boolean).join(" · ");
    rows("components", Object.entries(h.components).map(([n, c]) =>
      "<tr><td>" + esc(n) + "</td><td class='state-" + c.state + "'>" + c.state + "</td><td>" + esc(c.since.replace("T", " ").slice(0, 19)) + "</td><td>" + esc(c.detail || Object.entries(c.info || {}).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => k + "=" + v).join(" ")) + "</td></tr>"));
    const s = await get("/api/series");
    const f = document.getElementById("filter").value.trim().toLowerCase();
    rows("series", s.series.filter((x) => !f || (x.metric + " " + x.tags.join(" ")).toLowerCase().includes(f))
      .sort((a, b) => rank(a.metric) - rank(b.metric) || a.metric.localeCompare(b.metric) || a.tags.join().localeCompare(b.tags.join()))
      .map((x) => "<tr><td>" + esc(x.metric) + "</td><td>" + x.tags.map((t) => "<span class=tag>" + esc(t) + "</span>").join("") + "</td><td class=num>" + fmt(x.value) + "</td><td>" + esc(x.unit || "") + "</td><td class=num>" + age(x.time) + "</td></tr>"));
    const a = await fetch("/api/alerts", { headers }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    document.getElementById("alerts-section").hidden = !a;
    if (a) rows("alerts", (a.alerts || []).map((x) => "<tr><td>" + esc(x.monitor) + "</td><td>" + esc(x.group || "") + "</td><td class='state-" + x.state + "'>" + x.state + "</td><td class=num>" + (x.value === undefined || x.value === null ? "" : fmt(x.value)) + "</td><td>" + esc((x.since || "").replace("T", " ").slice(0, 19)) + "</td></tr>"));
  } catch (e) { document.getElementById("status").textContent = "unreachable (" + e.message + ")"; document.getElementById("status").className = "state-down"; }
}
refresh(); setInterval(refresh, 2000);
</script>
</body>
</html>
`;
