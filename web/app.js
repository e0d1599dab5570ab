import { get, post } from "./api.js";
import { initChart, openChart } from "./chart.js";
import { ago, esc, hubNow, num, setHubClock, when, whenUtc, zoneLabel } from "./format.js";
import { draw as drawDashboard, initDashboards } from "./dashboards.js";
import { houseCards } from "./house.js";

const $ = (id) => document.getElementById(id);
const HISTORY_EVERY_MS = 15_000;
const DASHBOARD_EVERY_MS = 15_000;
let latest = [];
let since = { "power.on": [], "presence.home": [] };
let sinceAt = 0;

async function refresh() {
  try {
    const h = await get("/healthz");
    setHubClock(h.timezone, h.now);
    $("status").textContent = h.status;
    $("status").className = `pill state-${h.status}`;
    $("about").textContent = [h.host, h.version && `v${h.version}`, `${when(hubNow())} · times in ${zoneLabel()}`].filter(Boolean).join(" · ");
    const [series, alerts, downtimes, notes, events, house] = await Promise.all([
      get("/api/series"),
      get("/api/alerts"),
      get("/api/downtimes?days=3"),
      get("/api/notifications?limit=30"),
      get("/api/events?limit=50"),
      get("/api/house"),
    ]);
    latest = series.series;
    if (Date.now() - sinceAt > HISTORY_EVERY_MS) {
      sinceAt = Date.now();
      const [on, home] = await Promise.all([get("/api/series?metric=power.on&from=2d"), get("/api/series?metric=presence.home&from=2d")]);
      since = { "power.on": on.series, "presence.home": home.series };
    }
    $("house").innerHTML = houseCards(latest, since, house, h.components);
    renderAlerts(alerts.alerts, downtimes.one_offs);
    renderQuiet(downtimes.calendars);
    renderNotifications(notes.notifications, events.events);
    renderSeries();
    renderComponents(h.components);
  } catch (e) {
    $("status").textContent = `unreachable (${e.message})`;
    $("status").className = "pill state-down";
  }
}

// The list is redrawn every refresh: a snooze length picked but not yet sent survives it.
const SNOOZE_LENGTHS = ["30m", "1h", "4h", "1d"];
const snoozeLength = new Map();

function renderAlerts(alerts, oneOffs) {
  if (!alerts.length) return void ($("alerts").innerHTML = `<div class="item muted">No monitor has had data yet.</div>`);
  $("alerts").innerHTML = alerts
    .map((a) => {
      const oneOff = oneOffs.find((d) => a.muted_by === `${d.kind} #${d.id}`);
      const muted = oneOff
        ? `${oneOff.kind === "snooze" ? "snoozed" : "in downtime"} until ${when(oneOff.end)}${oneOff.by ? ` by ${esc(oneOff.by)}` : ""}`
        : a.muted
          ? `muted by ${esc(a.muted_by)}`
          : "";
      const ack = a.acknowledged_by || a.acknowledged_at ? `acknowledged by ${esc(a.acknowledged_by ?? "someone")} at ${when(a.acknowledged_at)}` : "";
      const group = a.group === "*" ? "" : ` <span class="tag">${esc(a.group)}</span>`;
      const data = `data-monitor="${esc(a.monitor)}" data-group="${esc(a.group)}"`;
      return `<div class="item alert" ${data}>
        <span class="badge state-${a.state}">${a.state}</span>
        <span class="main"><strong>${esc(a.monitor)}</strong>${group}${a.value === null ? "" : ` <span class="muted">${num(a.value)}</span>`}
          ${muted ? `<div class="note muted-by">${muted}</div>` : ""}${ack ? `<div class="note">${ack}</div>` : ""}</span>
        <span class="side">since ${when(a.since)}</span>
        <span class="actions">
          <select aria-label="snooze length">${SNOOZE_LENGTHS.map((l) => `<option${l === (snoozeLength.get(`${a.monitor}\n${a.group}`) ?? "1h") ? " selected" : ""}>${l}</option>`).join("")}</select>
          <button data-act="snooze">Snooze</button>${a.state !== "OK" && !a.acknowledged_at ? `<button data-act="ack">Acknowledge</button>` : ""}
        </span></div>`;
    })
    .join("");
}

function renderQuiet(calendars) {
  if (!calendars.length) return void ($("quiet").innerHTML = `<div class="item muted">No downtime calendar in the rules.</div>`);
  $("quiet").innerHTML = calendars
    .map((c) => {
      const windows = (c.active ? [c.active, ...c.windows.filter((w) => w.start !== c.active.start)] : c.windows).slice(0, 3);
      const lines = windows.map(
        (w) =>
          `<div class="note">${w === c.active ? "<strong>now</strong> " : ""}${when(w.start)} → ${when(w.end)} <span class="muted">(${esc(w.length)}; UTC ${whenUtc(w.start)} → ${whenUtc(w.end)}; calendar zone ${esc(c.timezone)})</span></div>`,
      );
      return `<div class="item"><span class="main"><strong>${esc(c.name)}</strong> ${c.active ? `<span class="badge state-WARN">in force</span>` : ""}
        <div class="note">mutes ${c.monitors.map(esc).join(", ") || "no monitor"}</div>${lines.join("") || `<div class="note">no window in the next 3 days</div>`}</span></div>`;
    })
    .join("");
}

function renderNotifications(rows, events) {
  const sent = rows.map((r) => ({
    t: r.created_at,
    status: r.status,
    title: r.title,
    detail: `to ${r.recipient} by ${r.channel}${r.status === "failed" || r.last_error ? `: ${r.last_error ?? ""}` : ""}${r.status === "pending" && r.attempts ? ` (tried ${r.attempts}×: ${r.last_error ?? ""})` : ""}`,
  }));
  const muted = events
    .filter((e) => e.type === "notification" && e.muted)
    .map((e) => ({ t: e.t, status: "muted", title: e.subject, detail: `muted by ${e.muted_by}` }));
  const all = [...sent, ...muted].sort((a, b) => Date.parse(b.t) - Date.parse(a.t)).slice(0, 30);
  const cls = { sent: "state-OK", pending: "state-WARN", failed: "state-ALERT", expired: "state-ALERT", dropped: "state-ALERT", muted: "muted" };
  $("notifications").innerHTML =
    all
      .map(
        (n) =>
          `<div class="item notification"><span class="badge ${cls[n.status] ?? ""}">${esc(n.status)}</span><span class="main">${esc(n.title)}<div class="note">${esc(n.detail)}</div></span><span class="side">${when(n.t)}</span></div>`,
      )
      .join("") || `<div class="item muted">Nothing sent yet.</div>`;
}

const HEADLINES = ["presence.", "power.on", "power.watts", "hydro.", "sensor.", "power.energy", "device.online"];
const rank = (m) => {
  const i = HEADLINES.findIndex((h) => m.startsWith(h));
  return i < 0 ? HEADLINES.length : i;
};

function renderSeries() {
  const f = $("filter").value.trim().toLowerCase();
  const shown = latest
    .filter((x) => !f || `${x.metric} ${x.tags.join(" ")}`.toLowerCase().includes(f))
    .sort((a, b) => rank(a.metric) - rank(b.metric) || a.metric.localeCompare(b.metric) || a.tags.join().localeCompare(b.tags.join()));
  $("series").innerHTML =
    shown
      .map(
        (x) =>
          `<div class="item clickable series" data-i="${latest.indexOf(x)}" title="open the chart"><span class="main">${esc(x.metric)} ${x.tags
            .filter((t) => !t.startsWith("env:") && !t.startsWith("source:"))
            .map((t) => `<span class="tag">${esc(t)}</span>`)
            .join("")}</span><strong>${num(x.value, x.unit)}</strong><span class="side">${ago(x.time)} ago</span></div>`,
      )
      .join("") || `<div class="item muted">No series yet.</div>`;
}

function renderComponents(components) {
  $("components").innerHTML = Object.entries(components)
    .map(
      ([name, c]) =>
        `<div class="item"><span class="badge state-${c.state}">${esc(c.state)}</span><span class="main">${esc(name)}${c.detail ? `<div class="note">${esc(c.detail)}</div>` : ""}</span><span class="side">since ${when(c.since)}</span></div>`,
    )
    .join("");
}

async function act(fn) {
  try {
    $("action-result").textContent = await fn();
    await refresh();
  } catch (e) {
    $("action-result").textContent = `Refused: ${e.message}`;
  }
}

$("alerts").addEventListener("click", (e) => {
  const button = e.target.closest("button[data-act]");
  if (!button) return;
  const row = button.closest(".alert");
  const monitor = row.dataset.monitor;
  const group = row.dataset.group === "*" ? undefined : row.dataset.group;
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (button.dataset.act === "snooze")
    act(async () => {
      const { snooze } = await post("/api/snoozes", {
        monitor,
        ...(group ? { group } : {}),
        for: row.querySelector("select").value,
        by: "status page",
        timezone,
      });
      return `Snoozed ${monitor} until ${when(snooze.end)}.`;
    });
  else act(async () => (await post("/api/acks", { monitor, ...(group ? { group } : {}), by: "status page" }), `Acknowledged ${monitor}.`));
});

$("alerts").addEventListener("change", (e) => {
  const row = e.target.closest(".alert");
  if (row && e.target.tagName === "SELECT") snoozeLength.set(`${row.dataset.monitor}\n${row.dataset.group}`, e.target.value);
});

$("downtime-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const scope = String(form.get("scope") ?? "").trim();
  act(async () => {
    const { downtime } = await post("/api/downtimes", {
      for: form.get("for"),
      ...(scope ? { scope } : {}),
      by: "status page",
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    return `Downtime #${downtime.id} until ${when(downtime.end)}.`;
  });
});

$("series").addEventListener("click", (e) => {
  const row = e.target.closest(".series");
  if (row) openChart(latest[Number(row.dataset.i)]);
});
$("filter").addEventListener("input", renderSeries);
initChart();
refresh();
setInterval(refresh, 2000);
initDashboards().catch((e) => ($("dashboard").textContent = `The dashboards could not be read: ${e.message}`));
setInterval(() => drawDashboard().catch(() => undefined), DASHBOARD_EVERY_MS);
