import { topicFilterProblems } from "../../pipeline/mapping-schema.js";
import { NO_STATES, type StateTable } from "../../pipeline/value.js";
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS, expandKeys } from "./abbreviations.js";
import { nameEntity, type Naming } from "./naming.js";
import { compileTemplate, type CompiledTemplate } from "./template.js";

/**
 * One discovery message turned into the entities Hearth reads, following Home Assistant's own
 * handling (home-assistant/core homeassistant/components/mqtt/discovery.py): abbreviations
 * written out, device-based messages (<prefix>/device/<id>/config) split into their `components`
 * with the shared options (state and availability topics) inherited, and `~` replaced at the
 * start or end of every *_topic.
 */
export interface Availability {
  topic: string;
  device: string;
  available: string;
  notAvailable: string;
  template: CompiledTemplate | undefined;
  templateText: string | undefined;
}

export interface DiscoveredEntity {
  platform: string;
  objectId: string;
  device: string;
  stateTopic: string;
  naming: Naming;
  template: CompiledTemplate | undefined;
  /** Payload words and their numbers (payload_on/off, state_on/off), lower-case. */
  states: StateTable;
  availability: Availability[];
}

type EntityResult = { entity: DiscoveredEntity } | { problem: string } | { ignored: string };

/** Shared options of a device-based message that each component inherits unless it sets its own. */
const SHARED = [
  "availability",
  "availability_mode",
  "availability_template",
  "availability_topic",
  "payload_available",
  "payload_not_available",
  "state_topic",
  "~",
];

/** Only Hearth publishes here (devices are refused, see docs/broker.md). */
const HEARTH_TOPICS = "hearth/";

const READ_PLATFORMS = new Set(["sensor", "binary_sensor", "switch"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);

function expand(payload: Record<string, unknown>): Record<string, unknown> {
  const p = expandKeys(payload, ABBREVIATIONS);
  if (Array.isArray(p.availability)) p.availability = p.availability.map((a: unknown) => (isObject(a) ? expandKeys(a, ABBREVIATIONS) : a));
  if (isObject(p.device)) p.device = expandKeys(p.device, DEVICE_ABBREVIATIONS);
  return p;
}

/** `~` at the start or end of a topic is the base topic (discovery.py: _replace_topic_base). */
function replaceBase(p: Record<string, unknown>): void {
  const base = str(p["~"]);
  if (base === undefined) return;
  const sub = (t: string) => (t.startsWith("~") ? base + t.slice(1) : t.endsWith("~") ? t.slice(0, -1) + base : t);
  for (const [k, v] of Object.entries(p)) if (k.endsWith("topic") && typeof v === "string" && v) p[k] = sub(v);
  if (Array.isArray(p.availability)) for (const a of p.availability) if (isObject(a) && typeof a.topic === "string" && a.topic) a.topic = sub(a.topic);
}

function deviceName(p: Record<string, unknown>, fallback: string): string {
  const d = isObject(p.device) ? p.device : {};
  const ids: unknown = Array.isArray(d.identifiers) ? d.identifiers[0] : d.identifiers;
  return str(d.name) ?? str(ids) ?? fallback;
}

function availabilityOf(p: Record<string, unknown>, device: string): Availability[] | string {
  const entries: Record<string, unknown>[] = [];
  if (Array.isArray(p.availability)) entries.push(...p.availability.filter(isObject));
  if (typeof p.availability_topic === "string")
    entries.push({
      topic: p.availability_topic,
      payload_available: p.payload_available,
      payload_not_available: p.payload_not_available,
      value_template: p.availability_template,
    });
  const out: Availability[] = [];
  for (const a of entries) {
    const topic = str(a.topic);
    if (!topic || topicFilterProblems(topic).length > 0 || /[+#]/.test(topic)) return `availability topic ${JSON.stringify(a.topic)} is not a topic`;
    let template: CompiledTemplate | undefined;
    if (typeof a.value_template === "string") {
      const t = compileTemplate(a.value_template);
      if ("error" in t) return t.error;
      template = t;
    }
    out.push({
      topic,
      device,
      available: str(a.payload_available) ?? "online",
      notAvailable: str(a.payload_not_available) ?? "offline",
      template,
      templateText: str(a.value_template),
    });
  }
  return out;
}

function entityOf(platform: string, objectId: string, fallbackDevice: string, p: Record<string, unknown>): EntityResult {
  if (!READ_PLATFORMS.has(platform)) return { ignored: `${platform} ${objectId}: Hearth reads sensor, binary_sensor and switch entities` };
  const stateTopic = str(p.state_topic);
  if (!stateTopic || /[+#]/.test(stateTopic) || topicFilterProblems(stateTopic).length > 0)
    return { problem: `${platform} ${objectId}: state_topic ${JSON.stringify(p.state_topic)} is not a topic` };
  // Hearth's own announcements (home_assistant.discovery): reading them back would count every reading twice.
  if (stateTopic.startsWith(HEARTH_TOPICS)) return { ignored: `${platform} ${objectId}: Hearth's own entity (${stateTopic})` };
  const device = deviceName(p, fallbackDevice);
  let template: CompiledTemplate | undefined;
  if (typeof p.value_template === "string") {
    const t = compileTemplate(p.value_template);
    if ("error" in t) return { problem: `${platform} ${objectId}: ${t.error}` };
    template = t;
  }
  const availability = availabilityOf(p, device);
  if (typeof availability === "string") return { problem: `${platform} ${objectId}: ${availability}` };
  const unit = str(p.unit_of_measurement);
  const hints = { diagnostic: str(p.entity_category) === "diagnostic", words: [objectId, str(p.object_id), str(p.name)].join(" ") };
  const naming: Naming =
    platform === "sensor" ? nameEntity(unit, str(p.device_class), hints) : { metric: platform === "switch" ? "power.relay" : "sensor.state", unit: undefined };
  // A switch reports state_on/state_off, defaulting to payload_on/payload_off, defaulting to ON/OFF.
  const on = str(p.state_on) ?? str(p.payload_on) ?? "ON";
  const off = str(p.state_off) ?? str(p.payload_off) ?? "OFF";
  const states: StateTable =
    platform === "sensor"
      ? NO_STATES
      : new Map([
          [on.toLowerCase(), 1],
          [off.toLowerCase(), 0],
        ]);
  return { entity: { platform, objectId: str(p.object_id) ?? objectId, device, stateTopic, naming, template, states, availability } };
}

/**
 * The entities announced on one config topic: `component` and `object` come from the topic
 * (<prefix>/<component>/[<node>/]<object>/config).
 */
export function entitiesOf(component: string, node: string | undefined, object: string, payload: Record<string, unknown>): EntityResult[] {
  const top = expand(payload);
  const fallbackDevice = node ?? object;
  if (component !== "device") {
    replaceBase(top);
    return [entityOf(component, object, fallbackDevice, top)];
  }
  if (!isObject(top.components)) return [{ problem: "a device-based discovery message needs `components` (cmps)" }];
  return Object.entries(top.components).map(([id, raw]): EntityResult => {
    if (!isObject(raw)) return { problem: `component ${id} is not a map` };
    const c = expand(raw);
    // A component with nothing but its platform is being removed (discovery.py: _parse_device_payload).
    if (Object.keys(c).every((k) => k === "platform")) return { ignored: `${id}: removed` };
    for (const k of SHARED) if (k in top && !(k in c)) c[k] = top[k];
    c.device = top.device;
    replaceBase(c);
    return entityOf(str(c.platform) ?? "(no platform)", id, object, c);
  });
}
