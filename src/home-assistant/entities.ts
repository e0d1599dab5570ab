import type { Sample } from "../pipeline/sample.js";

/**
 * What Hearth shows Home Assistant, as data: which samples become which entity, with the
 * device class, state class and unit Home Assistant reads them by
 * (https://developers.home-assistant.io/docs/core/entity/sensor/,
 * https://www.home-assistant.io/integrations/binary_sensor/#device-class). An energy sensor
 * must be `device_class: energy`, `state_class: total_increasing` and in kWh (or Wh) for the
 * energy dashboard to offer it (https://www.home-assistant.io/docs/energy/faq/).
 */
export type OwnerKind = "appliance" | "person" | "tank" | "device";

export interface Entity {
  component: "sensor" | "binary_sensor";
  /** Unique within one Hearth; the object id of the discovery topic and of the unique_id. */
  objectId: string;
  /** The entity's name under its device ("Power" under "stove"). */
  name: string;
  /** The thing it belongs to, a device of its own in Home Assistant; absent: Hearth itself. */
  owner?: { kind: OwnerKind; name: string };
  /** The monitor it shows, for monitor entities. */
  monitor?: string;
  deviceClass?: string;
  stateClass?: "measurement" | "total_increasing";
  unit?: string;
  /** Set when the state is a JSON object: the template that reads ON/OFF from it, the rest shown as attributes. */
  valueTemplate?: string;
}

interface Reading {
  metric: string;
  owner: OwnerKind;
  component: Entity["component"];
  name: string;
  deviceClass?: string;
  stateClass?: Entity["stateClass"];
  /** The unit shown; "sample": the one the sample carries (a tank's level is in the sensor's own unit). */
  unit?: string;
  /** Tags that tell apart several entities of one owner: the channels of a multi-channel plug. */
  channels?: readonly string[];
}

const READINGS: readonly Reading[] = [
  { metric: "power.on", owner: "appliance", component: "binary_sensor", name: "Power", deviceClass: "power" },
  { metric: "presence.home", owner: "person", component: "binary_sensor", name: "Home", deviceClass: "presence" },
  { metric: "hydro.ph", owner: "tank", component: "sensor", name: "pH", deviceClass: "ph", stateClass: "measurement" },
  { metric: "hydro.ec", owner: "tank", component: "sensor", name: "EC", stateClass: "measurement", unit: "mS/cm" },
  {
    metric: "hydro.water_temperature",
    owner: "tank",
    component: "sensor",
    name: "Water temperature",
    deviceClass: "temperature",
    stateClass: "measurement",
    unit: "°C",
  },
  { metric: "hydro.level", owner: "tank", component: "sensor", name: "Level", stateClass: "measurement", unit: "sample" },
  {
    metric: "power.energy",
    owner: "device",
    component: "sensor",
    name: "Energy",
    deviceClass: "energy",
    stateClass: "total_increasing",
    unit: "kWh",
    channels: ["channel", "relay"],
  },
];

const BY_METRIC = new Map(READINGS.map((r) => [r.metric, r]));

/** A sample read from a device that announced itself to Home Assistant: Home Assistant has that entity already. */
const FROM_HA_DISCOVERY = "source:ha_discovery";

/** Home Assistant allows [a-zA-Z0-9_-] in a discovery topic's node and object ids. */
export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "") || "_";

const tagValue = (tags: readonly string[], key: string): string | undefined => {
  const prefix = `${key}:`;
  const tag = tags.find((t) => t.startsWith(prefix));
  return tag === undefined ? undefined : tag.slice(prefix.length);
};

/** The entity a sample shows, with its state as Home Assistant reads it; undefined for a sample Home Assistant is not shown. */
export function sampleEntity(s: Sample): { entity: Entity; state: string } | undefined {
  const r = BY_METRIC.get(s.metric);
  if (!r || s.tags.includes(FROM_HA_DISCOVERY)) return undefined;
  const owner = tagValue(s.tags, r.owner);
  if (owner === undefined) return undefined;
  const channels = (r.channels ?? []).flatMap((key) => {
    const v = tagValue(s.tags, key);
    return v === undefined ? [] : [{ key, v }];
  });
  const unit = r.unit === "sample" ? s.unit : r.unit;
  const entity: Entity = {
    component: r.component,
    objectId: [r.owner, owner, r.metric, ...channels.map((c) => `${c.key}_${c.v}`)].map(slug).join("_"),
    name: [r.name, ...channels.map((c) => `${c.key} ${c.v}`)].join(" "),
    owner: { kind: r.owner, name: owner },
    ...(r.deviceClass ? { deviceClass: r.deviceClass } : {}),
    ...(r.stateClass ? { stateClass: r.stateClass } : {}),
    ...(unit ? { unit } : {}),
  };
  // binary_sensor's default payload_on/payload_off are ON/OFF (https://www.home-assistant.io/integrations/binary_sensor.mqtt/).
  const state = r.component === "binary_sensor" ? (s.value > 0 ? "ON" : "OFF") : String(s.value);
  return { entity, state };
}

type MonitorState = "OK" | "WARN" | "ALERT" | "NO_DATA";

export interface MonitorGroup {
  monitor: string;
  /** "*" for a monitor without groups. */
  group: string;
  state: MonitorState;
  value: number | null;
}

/**
 * A monitor group as a `problem` binary sensor: on in WARN, ALERT and NO_DATA (a probe that
 * went quiet is a problem too), its state word and value as attributes.
 */
export function monitorEntity(g: MonitorGroup): { entity: Entity; state: string } {
  const grouped = g.group !== "*";
  const entity: Entity = {
    component: "binary_sensor",
    objectId: ["monitor", g.monitor, ...(grouped ? [g.group] : [])].map(slug).join("_"),
    name: grouped ? `${g.monitor} (${g.group})` : g.monitor,
    monitor: g.monitor,
    deviceClass: "problem",
    valueTemplate: "{{ value_json.problem }}",
  };
  const state = JSON.stringify({ problem: g.state === "OK" ? "OFF" : "ON", state: g.state, value: g.value });
  return { entity, state };
}
