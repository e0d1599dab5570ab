import { z } from "zod";
import { normalizeTag } from "../../pipeline/normalize.js";
import type { CompiledRule, RuleOrigin } from "../../pipeline/rule.js";
import { codeRule, definePreset, type PresetEmitter } from "../preset.js";
import type { PresetRuntime } from "../runtime.js";
import { entitiesOf, type Availability, type DiscoveredEntity } from "./entity.js";

/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
 * devices announce each entity with a retained JSON config on
 * <prefix>/<component>/[<node_id>/]<object_id>/config, and remove it with an empty one. Each
 * announced sensor, binary sensor and switch becomes a rule for its state topic, and each
 * availability topic a `device.online` rule, while the hub runs: no reload. A topic that a
 * preset or a mapping already reads keeps its configured meaning; discovery fills the gaps.
 */
const PRESET = "ha_discovery";
const SOURCE = "source:ha_discovery";

interface Announced {
  entities: DiscoveredEntity[];
}

function stateRule(x: DiscoveredEntity, origin: RuleOrigin): CompiledRule {
  const tags = [`device:${x.device}`, `entity:${x.objectId}`, SOURCE];
  const { metric, unit, multiplier, divisor } = x.naming;
  return codeRule(
    x.stateTopic,
    origin,
    () => tags,
    (e) => {
      const raw = readTemplate(e, x.template, metric);
      if (raw === undefined) return;
      e.emit(metric, raw.value, { ...(unit ? { unit } : {}), ...(multiplier ? { multiplier } : {}), ...(divisor ? { divisor } : {}), states: x.states });
    },
    { reads: x.template?.path ?? [] },
  );
}

function availabilityRule(a: Availability, origin: RuleOrigin): CompiledRule {
  const states = new Map([
    [a.available.toLowerCase(), 1],
    [a.notAvailable.toLowerCase(), 0],
  ]);
  return codeRule(
    a.topic,
    origin,
    () => [`device:${a.device}`, SOURCE],
    (e) => {
      const raw = readTemplate(e, a.template, "device.online");
      if (raw !== undefined) e.emit("device.online", raw.value, { states });
    },
    { reads: a.template?.path ?? [] },
  );
}

/** The payload as the entity's template sees it; undefined after recording why there is nothing to read. */
function readTemplate(e: PresetEmitter, template: DiscoveredEntity["template"], metric: string): { value: unknown } | undefined {
  const text = e.msg.text();
  if (!text.ok) return void e.skip(metric, text.detail, text.reason);
  if (!template) return { value: text.value };
  const json = template.usesJson ? e.json() : undefined;
  if (template.usesJson && json === undefined) return undefined;
  const r = template.apply(text.value, json);
  if (r.ok) return { value: r.value };
  e.skip(metric, r.why, r.missing ? undefined : "wrong_type");
  return undefined;
}

/** Every announced entity's rules; availability topics shared by many entities (a Zigbee bridge) are read once per device. */
function rulesOf(announced: Map<string, Announced>): CompiledRule[] {
  const rules: CompiledRule[] = [];
  const seen = new Set<string>();
  for (const [topic, { entities }] of announced) {
    const origin: RuleOrigin = { kind: "preset", preset: PRESET, discoveredAt: topic };
    for (const x of entities) {
      rules.push(stateRule(x, origin));
      for (const a of x.availability) {
        const key = [a.topic, a.device, a.available, a.notAvailable, a.templateText ?? ""].join("\u0000");
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(availabilityRule(a, origin));
      }
    }
  }
  return rules;
}

const describe = (x: DiscoveredEntity) =>
  `discovered ${x.platform} ${x.objectId}: ${x.stateTopic} → ${x.naming.metric}${x.naming.unit ? ` (${x.naming.unit})` : ""}, ${normalizeTag(`device:${x.device}`)}` +
  (x.availability.length ? `; availability on ${x.availability.map((a) => a.topic).join(", ")}` : "");

const HaDiscoveryOptions = z
  .strictObject({
    prefix: z
      .string()
      .min(1)
      .regex(/^[^#+]+$/, { message: "the discovery prefix has no wildcards" })
      .default("homeassistant")
      .meta({ description: "The discovery prefix devices announce under (Home Assistant's default: homeassistant)." }),
  })
  .meta({ description: "Devices that announce themselves with Home Assistant MQTT discovery." });

export const haDiscovery = definePreset({
  name: PRESET,
  title: "Home Assistant MQTT discovery",
  options: HaDiscoveryOptions,
  rules({ prefix }, runtime: PresetRuntime): CompiledRule[] {
    const announced = runtime.memory<Announced>(PRESET);
    const onConfig = (e: PresetEmitter) => {
      const topic = e.msg.topic;
      const { component, node, object } = e.captures;
      if (e.msg.payload.length === 0) {
        const had = announced.get(topic);
        announced.delete(topic);
        runtime.discovered.replace(PRESET, rulesOf(announced));
        return e.note(had ? `removed ${had.entities.map((x) => `${x.platform} ${x.objectId}`).join(", ")}` : "nothing was announced here; nothing to remove");
      }
      const payload = e.json();
      if (payload === undefined) return;
      if (typeof payload !== "object" || payload === null || Array.isArray(payload))
        return e.skip("(discovery)", "a discovery config is a JSON object", "wrong_type");
      const entities: DiscoveredEntity[] = [];
      for (const r of entitiesOf(component!, node, object!, payload as Record<string, unknown>)) {
        if ("entity" in r) entities.push(r.entity);
        else if ("problem" in r) e.skip("(discovery)", r.problem, "wrong_type");
        else e.note(r.ignored);
      }
      if (entities.length > 0) announced.set(topic, { entities });
      else announced.delete(topic);
      runtime.discovered.replace(PRESET, rulesOf(announced));
      for (const x of entities) e.note(describe(x));
    };
    return [
      codeRule(`${prefix}/+component/+object/config`, PRESET, () => [], onConfig),
      codeRule(`${prefix}/+component/+node/+object/config`, PRESET, () => [], onConfig),
    ];
  },
});
