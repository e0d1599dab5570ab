// Times in the hub's zone, against the hub's clock (the demo runs on story time).
let zone = "UTC";
let skew = 0;

export function setHubClock(timezone, hubNowIso) {
  zone = timezone || "UTC";
  if (hubNowIso) skew = Date.parse(hubNowIso) - Date.now();
}
export const hubZone = () => zone;
export const hubNow = () => Date.now() + skew;

const parts = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...opts });
const timeFmt = () => parts({ hour: "2-digit", minute: "2-digit" });
const dayTimeFmt = () => parts({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const utcFmt = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", hour: "2-digit", minute: "2-digit" });

/** "14:05" today, "Sat 28 Nov, 14:05" on another day (in the hub's zone). */
export function when(t) {
  const ms = typeof t === "string" ? Date.parse(t) : t;
  const sameDay = parts({ dateStyle: "short" }).format(ms) === parts({ dateStyle: "short" }).format(hubNow());
  return sameDay ? timeFmt().format(ms) : dayTimeFmt().format(ms);
}
export const whenUtc = (t) => `${utcFmt.format(typeof t === "string" ? Date.parse(t) : t)} UTC`;

export function ago(t) {
  const s = Math.max(0, Math.round((hubNow() - (typeof t === "string" ? Date.parse(t) : t)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/**
 * A number at the precision it carries, by the rule of src/kit/readable-number.ts (docs/http-api.md):
 * as the device sent it (`11.661`), or, when arithmetic left a tail of more than ten significant
 * digits (`61.354392999999995`), six significant digits and never fewer than the whole part
 * (`61.3544`). test/http/readable-numbers.test.ts holds the two to the same answers.
 */
export function readable(v) {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const digits = String(v).replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").length;
  if (digits <= 10) return v;
  const whole = Math.abs(v) >= 1 ? Math.floor(Math.log10(Math.abs(v))) + 1 : 0;
  return Number(v.toPrecision(Math.min(21, Math.max(6, whole))));
}

export const num = (v, unit) => {
  if (v === null || v === undefined) return "–";
  const text = String(readable(v));
  return unit ? `${text} ${unit}` : text;
};

export const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** The value of `key:` among a series' tags. */
export const tag = (tags, key) => tags.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1);

/** The zone's name and its offset now: "Europe/Berlin (UTC+01:00)". */
export function zoneLabel() {
  const off =
    parts({ timeZoneName: "longOffset" })
      .formatToParts(hubNow())
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  return `${zone}${off && off !== "GMT" ? ` (${off.replace("GMT", "UTC")})` : ""}`;
}
