import { slug, type Entity, type OwnerKind } from "./entities.js";

/**
 * Home Assistant MQTT discovery messages (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
 * a retained JSON config on <prefix>/<component>/<node_id>/<object_id>/config creates the
 * entity, an empty retained one removes it. Hearth's node id is hearth_<host>, so two hubs in
 * one house never take each other's entities; its states and its availability live under
 * hearth/<host>/, which no device may publish to.
 */
export interface Announcing {
  prefix: string;
  host: string;
  version: string;
}

const nodeId = (a: Announcing) => `hearth_${slug(a.host)}`;

export const availabilityTopic = (a: Announcing): string => `hearth/${slug(a.host)}/status`;
export const AVAILABLE = "online";
export const NOT_AVAILABLE = "offline";

export const configTopic = (a: Announcing, e: Entity): string => `${a.prefix}/${e.component}/${nodeId(a)}/${e.objectId}/config`;
export const stateTopic = (a: Announcing, e: Entity): string => `hearth/${slug(a.host)}/ha/${e.objectId}/state`;

const MODELS: Record<OwnerKind, string> = { appliance: "Appliance", person: "Person", tank: "Hydroponic tank", device: "Metered plug" };

function deviceOf(a: Announcing, e: Entity): Record<string, unknown> {
  const hub = nodeId(a);
  if (!e.owner) return { identifiers: [hub], name: `Hearth ${a.host}`, manufacturer: "Hearth", model: "Home-lab integration hub", sw_version: a.version };
  return { identifiers: [`${hub}_${e.owner.kind}_${slug(e.owner.name)}`], name: e.owner.name, model: MODELS[e.owner.kind], via_device: hub };
}

/** The discovery config of one entity, with Home Assistant's full key names (abbreviations are optional). */
export function discoveryConfig(a: Announcing, e: Entity): Record<string, unknown> {
  const state = stateTopic(a, e);
  return {
    name: e.name,
    unique_id: `${nodeId(a)}_${e.objectId}`,
    state_topic: state,
    ...(e.valueTemplate ? { value_template: e.valueTemplate, json_attributes_topic: state } : {}),
    ...(e.deviceClass ? { device_class: e.deviceClass } : {}),
    ...(e.stateClass ? { state_class: e.stateClass } : {}),
    ...(e.unit ? { unit_of_measurement: e.unit } : {}),
    availability_topic: availabilityTopic(a),
    payload_available: AVAILABLE,
    payload_not_available: NOT_AVAILABLE,
    device: deviceOf(a, e),
    origin: { name: "Hearth", sw_version: a.version },
  };
}
