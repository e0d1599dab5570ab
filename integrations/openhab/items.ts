import { NO_STATES, parseDecimal, readValue, stateWords, type StateTable } from "../../src/pipeline/value.js";

/**
 * What an openHAB item becomes. The item's type decides the metric (Number:Temperature →
 * openhab.temperature), a plain Number is named by its semantic property tag (a "Temperature"
 * tagged Number is a temperature too, as in openHAB's demo), and lights are Switch, Dimmer or
 * Color items tagged as lights. Types, tags and states: openhab-core EnrichedItemDTO / ItemDTO
 * and https://www.openhab.org/docs/concepts/items.html.
 */
export interface Item {
  name: string;
  /** `Switch`, `Dimmer`, `Number`, `Number:Temperature`, `Group`, … */
  type: string;
  /** The state as openHAB writes it: `21.5 °C`, `ON`, `NULL`. */
  state: string;
  groupNames: string[];
  tags: string[];
}

export interface Reading {
  metric: string;
  value: number;
  unit?: string;
  /** The state word (`ON`, `CLOSED`) kept next to its 1/0. */
  state?: string;
}

/** Why an item gave no reading: `null`/`undef` are counted, `not_numeric` items are simply not metrics. */
export type Outcome = { readings: Reading[] } | { skip: "null" | "undef" | "not_numeric" } | { unreadable: string };

/** Semantic property tags that name what a plain Number measures. */
const PROPERTY_METRICS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    Temperature: "openhab.temperature",
    Pressure: "openhab.pressure",
    Power: "openhab.power",
    Energy: "openhab.energy",
    Humidity: "openhab.humidity",
  }),
);

/** Tags that make a Switch, Dimmer or Color item a light (semantic equipment and point tags). */
const LIGHT_TAGS = new Set(["Light", "Lightbulb", "Lighting", "LightStripe"]);

const SWITCH_STATES = stateWords({ on: 1, off: 0 });
const CONTACT_STATES = stateWords({ open: 1, closed: 0 });

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

const isLight = (item: Item): boolean => item.tags.some((t) => LIGHT_TAGS.has(t));

function number(state: string, metric: string, fallbackUnit?: string): Outcome {
  const r = readValue(state, NO_STATES);
  if (!r.ok) return { unreadable: r.detail };
  const unit = r.unit ?? fallbackUnit;
  return { readings: [{ metric, value: r.value, ...(unit ? { unit } : {}) }] };
}

function word(state: string, metric: string, states: StateTable): Outcome {
  const r = readValue(state, states);
  if (!r.ok || r.state === undefined) return { unreadable: `"${state}" is not one of ${[...states.keys()].map((s) => s.toUpperCase()).join("/")}` };
  return { readings: [{ metric, value: r.value, state: r.state }] };
}

/** A light's level (0–100 %) and whether it is on at all. */
function lightLevel(level: number): Reading[] {
  return [
    { metric: "openhab.light.level", value: level, unit: "%" },
    { metric: "openhab.light", value: level > 0 ? 1 : 0 },
  ];
}

/** One reader per item type, by the part before the colon (`Number:Power` → Number); a Map, as the type comes from openHAB. */
const READERS: ReadonlyMap<string, (item: Item, state: string) => Outcome> = new Map(
  Object.entries<(item: Item, state: string) => Outcome>({
    Number(item, state) {
      const property = item.tags.find((t) => PROPERTY_METRICS.has(t));
      const dimension = item.type.split(":")[1];
      const metric = property
        ? PROPERTY_METRICS.get(property)!
        : dimension
          ? (PROPERTY_METRICS.get(dimension) ?? `openhab.${snake(dimension)}`)
          : "openhab.number";
      return number(state, metric);
    },
    Switch: (item, state) => word(state, isLight(item) ? "openhab.light" : "openhab.switch", SWITCH_STATES),
    Contact: (_item, state) => word(state, "openhab.contact", CONTACT_STATES),
    Dimmer(item, state) {
      if (!isLight(item)) return number(state, "openhab.dimmer", "%");
      const r = readValue(state, NO_STATES);
      return r.ok ? { readings: lightLevel(r.value) } : { unreadable: r.detail };
    },
    Rollershutter: (_item, state) => number(state, "openhab.rollershutter", "%"),
    Color(_item, state) {
      // HSBType: "hue,saturation,brightness" (openhab-core HSBType.toString()).
      const brightness = parseDecimal(state.split(",")[2] ?? "");
      return brightness !== undefined && Number.isFinite(brightness)
        ? { readings: lightLevel(brightness) }
        : { unreadable: `"${state}" is not hue,saturation,brightness` };
    },
  }),
);

/**
 * The readings of an item in a state. Groups are left out: their members are reported and
 * carry `openhab_group:` tags, so a group's average or sum is a query, not a second series.
 */
export function readItem(item: Item, state: string = item.state): Outcome {
  const reader = READERS.get(item.type.split(":")[0]!);
  if (!reader) return { skip: "not_numeric" };
  if (state === "NULL") return { skip: "null" };
  if (state === "UNDEF") return { skip: "undef" };
  return reader(item, state);
}

/** The item's identity as tags: name, type, every group and every tag (keys repeat). */
export const itemTags = (item: Item): string[] => [
  `openhab_item:${item.name}`,
  `openhab_type:${item.type}`,
  ...item.groupNames.map((g) => `openhab_group:${g}`),
  ...item.tags.map((t) => `openhab_tag:${t}`),
];

/** `Temperature_*`-style patterns as one test. */
export function nameMatcher(include: readonly string[], exclude: readonly string[]): (name: string) => boolean {
  const toRegex = (patterns: readonly string[]) =>
    new RegExp(`^(?:${patterns.map((p) => p.replace(/[*?]/g, (c) => (c === "*" ? ".*" : "."))).join("|") || "(?!)"})$`);
  const inc = toRegex(include);
  const exc = toRegex(exclude);
  return (name) => inc.test(name) && !exc.test(name);
}

/** An item from `/rest/items` or an ItemAddedEvent, with the fields Hearth relies on checked. */
export function toItem(raw: unknown): Item | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== "string" || typeof r.type !== "string") return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return { name: r.name, type: r.type, state: typeof r.state === "string" ? r.state : "NULL", groupNames: strings(r.groupNames), tags: strings(r.tags) };
}
