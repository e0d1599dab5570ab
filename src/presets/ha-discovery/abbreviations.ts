/**
 * The abbreviated keys of Home Assistant MQTT discovery that Hearth reads, and their full
 * names (home-assistant/core homeassistant/components/mqtt/abbreviations.py: ABBREVIATIONS,
 * DEVICE_ABBREVIATIONS). Keys Hearth does not read are left as they are.
 */
export const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    avty: "availability",
    avty_mode: "availability_mode",
    avty_t: "availability_topic",
    avty_tpl: "availability_template",
    cmps: "components",
    dev: "device",
    dev_cla: "device_class",
    ent_cat: "entity_category",
    name: "name",
    obj_id: "object_id",
    p: "platform",
    pl_avail: "payload_available",
    pl_not_avail: "payload_not_available",
    pl_off: "payload_off",
    pl_on: "payload_on",
    stat_cla: "state_class",
    stat_off: "state_off",
    stat_on: "state_on",
    stat_t: "state_topic",
    t: "topic",
    uniq_id: "unique_id",
    unit_of_meas: "unit_of_measurement",
    val_tpl: "value_template",
  }),
);

export const DEVICE_ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ids: "identifiers",
    name: "name",
    mf: "manufacturer",
    mdl: "model",
    sw: "sw_version",
    hw: "hw_version",
    sn: "serial_number",
  }),
);

/** A copy of `payload` with every abbreviated key written out (a full key wins if both are given). */
export function expandKeys(payload: Record<string, unknown>, table: ReadonlyMap<string, string>): Record<string, unknown> {
  // Without a prototype: a key "__proto__" in the payload is a key like any other.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(payload)) {
    const full = table.get(k) ?? k;
    if (!(full in out) || full === k) out[full] = v;
  }
  return out;
}
