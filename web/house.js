import { ago, esc, num, tag, when } from "./format.js";

// The house at a glance, from the latest values (/api/series), two days of on/off and home/away
// history (for "since"), the tanks' ranges (/api/house) and the hub's components (/healthz).
const CORE = new Set(["broker", "store", "http", "notify", "datadog", "dogstatsd", "alerts", "pipeline", "bridges", "simulator"]);

const find = (series, metric, key, name) => series.find((s) => s.metric === metric && tag(s.tags, key) === name);

/** When the series last changed to its current value, from its stored history. */
function changedAt(history, key, name) {
  const h = history.find((s) => tag(s.tags, key) === name);
  if (!h || !h.points.length) return undefined;
  const pts = h.points;
  const now = pts[pts.length - 1][1];
  for (let i = pts.length - 1; i > 0; i--) if (pts[i - 1][1] !== now) return { t: pts[i][0], exact: true };
  return { t: pts[0][0], exact: false };
}
const sinceText = (c) => (c ? `${c.exact ? "" : "at least since "}${when(c.t)}` : "–");

const row = (label, value) => `<div class="row"><span>${label}</span><span>${value}</span></div>`;
const names = (series, metric, key) =>
  [
    ...new Set(
      series
        .filter((s) => s.metric === metric)
        .map((s) => tag(s.tags, key))
        .filter(Boolean),
    ),
  ].sort();

function appliances(series, since) {
  return names(series, "power.on", "appliance").map((a) => {
    const on = find(series, "power.on", "appliance", a)?.value === 1;
    const watts = find(series, "power.watts", "appliance", a);
    const today = find(series, "power.energy_today", "appliance", a);
    return `<div class="card appliance ${on ? "on" : ""}" data-name="${esc(a)}"><div class="kind">Appliance</div><div class="name">${esc(a)}</div>
      <div class="big ${on ? "warn" : "muted"}">${on ? "On" : "Off"}</div>
      ${row("now", num(watts?.value, "W"))}${row("energy today", num(today?.value, "kWh"))}${row(on ? "on since" : "off since", sinceText(changedAt(since["power.on"], "appliance", a)))}</div>`;
  });
}

function people(series, since) {
  return names(series, "presence.home", "person").map((p) => {
    const home = find(series, "presence.home", "person", p)?.value === 1;
    return `<div class="card person ${home ? "home" : "away"}" data-name="${esc(p)}"><div class="kind">Person</div><div class="name">${esc(p)}</div>
      <div class="big ${home ? "ok" : "muted"}">${home ? "Home" : "Away"}</div>${row("since", sinceText(changedAt(since["presence.home"], "person", p)))}</div>`;
  });
}

function rangeBar(value, range, lo, hi) {
  if (value === undefined || !range) return "";
  const pos = (v) => `${Math.min(100, Math.max(0, ((v - lo) / (hi - lo)) * 100))}%`;
  return `<div class="range" title="${range.min}–${range.max}"><div class="band" style="left:${pos(range.min)};right:calc(100% - ${pos(range.max)})"></div><div class="mark" style="left:${pos(value)}"></div></div>`;
}

function tanks(series, house) {
  return (house.tanks ?? []).map((t) => {
    const v = (m) => find(series, m, "tank", t.name);
    const ph = v("hydro.ph");
    const ec = v("hydro.ec");
    const out = (x, r) => x && r && (x.value < r.min || x.value > r.max);
    const bad = out(ph, t.ph_range) || out(ec, t.ec_range);
    const judged = (x, r, unit) =>
      `${num(x?.value, unit)}${r ? ` <span class="muted">(${r.min}–${r.max})</span>` : ""}${out(x, r) ? ` <span class="bad">out of range</span>` : ""}`;
    return `<div class="card tank ${bad ? "problem" : ""}" data-name="${esc(t.name)}"><div class="kind">Tank${t.crop ? ` · ${esc(t.crop)}` : ""}</div><div class="name">${esc(t.name)}</div>
      ${row("pH", judged(ph, t.ph_range))}${rangeBar(ph?.value, t.ph_range, 4, 8)}
      ${row("EC", judged(ec, t.ec_range, "mS/cm"))}${rangeBar(ec?.value, t.ec_range, 0, 3)}
      ${row("water", num(v("hydro.water_temperature")?.value, "°C"))}${row("level", num(v("hydro.level")?.value, v("hydro.level")?.unit))}</div>`;
  });
}

function devices(series) {
  return names(series, "device.online", "device").map((d) => {
    const online = find(series, "device.online", "device", d)?.value === 1;
    const lastSeen = Math.max(...series.filter((s) => tag(s.tags, "device") === d && s.metric !== "device.online").map((s) => s.time), 0);
    const battery = find(series, "device.battery", "device", d);
    const signal = ["device.linkquality", "device.rssi", "device.wifi_rssi", "device.signal"].map((m) => find(series, m, "device", d)).find(Boolean);
    return `<div class="card device ${online ? "" : "problem"}" data-name="${esc(d)}"><div class="kind">Device</div><div class="name">${esc(d)}</div>
      <div class="${online ? "ok" : "bad"}"><strong>${online ? "online" : "offline"}</strong></div>
      ${row("last seen", lastSeen ? `${ago(lastSeen)} ago` : "–")}${battery ? row("battery", num(battery.value, battery.unit ?? "%")) : ""}${signal ? row("signal", num(signal.value, signal.unit)) : ""}</div>`;
  });
}

function integrations(components) {
  const list = Object.entries(components).filter(([name]) => !CORE.has(name) && !name.startsWith("bridge"));
  if (!list.length)
    return [
      `<div class="card integration"><div class="kind">Integrations</div><div class="note">None configured: openHAB, Proxmox and PostgreSQL go under <code>integrations:</code> in the configuration.</div></div>`,
    ];
  return list.map(
    ([
      name,
      c,
    ]) => `<div class="card integration ${c.state === "ok" ? "" : "problem"}" data-name="${esc(name)}"><div class="kind">Integration</div><div class="name">${esc(name)}</div>
      <div class="state-${c.state}"><strong>${c.state === "ok" ? "up" : esc(c.state)}</strong></div>${c.detail ? `<div class="note">${esc(c.detail)}</div>` : ""}${row("since", when(c.since))}</div>`,
  );
}

export function houseCards(series, since, house, components) {
  return [...appliances(series, since), ...people(series, since), ...tanks(series, house), ...devices(series), ...integrations(components)].join("");
}
