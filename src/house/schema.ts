import { z } from "zod";
import { Duration, Name } from "../config-kit/common.js";
import { TopicFilter } from "../pipeline/mapping-schema.js";
import { CROP_NAMES } from "./crops.js";

/** The rules sections about the house itself: `appliances:`, `people:` and `tanks:`. */

const ExactTag = z.string().regex(/^[^\s:,][^\s,]*:[^\s,]+$/, { message: 'expected a "key:value" tag' });

const ApplianceSpec = z
  .strictObject({
    device: z
      .string()
      .min(1)
      .meta({ description: "The device as its preset tags it (device:<name>): the Tasmota topic, the Shelly id, the Zigbee2MQTT friendly name." }),
    tags: z
      .array(ExactTag)
      .default([])
      .meta({ description: 'Further tags the device\'s samples must carry, for one channel of a multi-channel device: ["relay:1"].' }),
    threshold: z.number().positive().default(10).meta({ description: "Watts above which the appliance is on." }),
    hysteresis: z
      .number()
      .nonnegative()
      .optional()
      .meta({ description: "Watts below the threshold the power must fall before the appliance is off; default half the threshold." }),
    min_duration: Duration.prefault("1m").meta({
      description: "How long the power must stay past the threshold before on/off changes, so a short dip or spike does not count.",
    }),
  })
  .refine((a) => a.hysteresis === undefined || a.hysteresis < a.threshold, {
    message: "hysteresis must be smaller than threshold, or the appliance could never turn off",
    path: ["hysteresis"],
  })
  .meta({ description: "An appliance on a metering plug, with how its power means on or off." });

export const Appliance = z
  .union([
    z
      .string()
      .min(1)
      .transform((device) => ApplianceSpec.parse({ device })),
    ApplianceSpec,
  ])
  .meta({ description: "The device the appliance is plugged into (`stove: kitchen_plug`), or the long form with its thresholds." });

export type Appliance = z.output<typeof ApplianceSpec>;

const Topics = z.union([TopicFilter, z.array(TopicFilter).min(1)]).transform((t) => (Array.isArray(t) ? t : [t]));

const PersonSpec = z
  .strictObject({
    owntracks: Topics.refine((ts) => ts.every((t) => !t.includes("#")), {
      message: "an OwnTracks topic is owntracks/<user>/<device>; use + for any device, not #",
    })
      .optional()
      .meta({
        description: "OwnTracks topics of the person's phones (owntracks/<user>/<device>); their transitions on …/event are read too.",
      }),
    home_region: z.string().min(1).default("home").meta({ description: "The OwnTracks region that is home, as named in the app (case ignored)." }),
    topics: Topics.optional().meta({ description: "Topics with a plain payload: home / not_home, ON / OFF, true / false, 1 / 0." }),
    stale_after: Duration.prefault("12h").meta({ description: "With no report for this long, the person's state is unknown rather than the last one." }),
  })
  .meta({ description: "A person and where their presence comes from. presence.home samples tagged person:<name> (the openHAB integration's) count too." });

export const Person = z
  .union([TopicFilter.transform((topic) => PersonSpec.parse({ topics: [topic] })), PersonSpec])
  .meta({ description: "A plain home/not_home topic (`alex: presence/alex`), or the long form." });

export type Person = z.output<typeof PersonSpec>;

const readingFields = {
  topic: TopicFilter.optional().meta({ description: "Where the reading is published; default the tank's `topic`." }),
  path: z.string().min(1).optional().meta({ description: "Where the value sits in a JSON payload (ANALOG.A1); absent: the whole payload." }),
  field: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: "The position in a comma-separated payload, from 1 (an Atlas EZO EC circuit answers EC,TDS,SAL,SG)." }),
  calibrate: z
    .tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])])
    .refine(([a, b]) => a[0] !== b[0], { message: "the two raw readings must differ" })
    .optional()
    .meta({ description: "Two-point calibration of a raw reading: [[raw1, value1], [raw2, value2]], e.g. the ADC in pH 4 and pH 7 buffers." }),
  scale: z.number().optional().meta({ description: "Multiply the reading (after calibration): 0.01 for a pH sent as pH×100." }),
  offset: z.number().optional().meta({ description: "Add to the reading, after scale." }),
};

const reading = <S extends Record<string, z.ZodType>>(extra: S, description: string) => {
  const spec = z.strictObject({ ...readingFields, ...extra });
  return z
    .union([
      z
        .string()
        .min(1)
        .transform((path) => spec.parse({ path })),
      spec,
    ])
    .meta({ description: `${description} A path into the tank's topic, or the long form.` });
};

const EcUnit = z.enum(["µS/cm", "uS/cm", "mS/cm", "ppm"]);

const EcReading = z
  .strictObject({
    ...readingFields,
    unit: EcUnit.meta({ description: "What the meter reports: µS/cm (Atlas EZO), mS/cm, or ppm (TDS; then say which factor the meter uses)." }),
    ppm_factor: z
      .union([z.literal(500), z.literal(700)])
      .optional()
      .meta({ description: 'For ppm: the meter\'s conversion, 500 (NaCl, "TDS") or 700 (442, "PPM 700"); ppm = EC in mS/cm × factor.' }),
  })
  .refine((e) => e.unit !== "ppm" || e.ppm_factor !== undefined, {
    message: "a ppm reading needs ppm_factor: 500 or 700 (see the meter's manual)",
    path: ["ppm_factor"],
  })
  .meta({ description: "Electrical conductivity, reported as hydro.ec in mS/cm whatever the meter sends." });

/**
 * No nutrient solution is this conductive: the crop tables in crops.ts top out at 5 mS/cm and
 * sea water is about 50. An ec_range past it was written in µS/cm (or as TDS ppm).
 */
const MAX_NUTRIENT_EC = 20;

const microSiemensHint = (min: number, max: number) =>
  `ec_range is in mS/cm, and no crop grows at ${max} mS/cm: [${min}, ${max}] looks like µS/cm; did you mean mS/cm, [${min / 1000}, ${max / 1000}]? (TDS ppm: divide by the meter's 500 or 700)`;

const RangePair = z.tuple([z.number(), z.number()]).refine(([min, max]) => min < max, { message: "write [min, max] with min below max" });

export const Tank = z
  .strictObject({
    crop: z.enum(CROP_NAMES).optional().meta({ description: "What grows in it; its pH and EC ranges are the crop's profile." }),
    topic: TopicFilter.optional().meta({ description: "The topic most readings come from (tele/tank1/SENSOR)." }),
    ph: reading({}, "The pH.").optional(),
    ec: EcReading.optional(),
    water_temperature: reading(
      { unit: z.enum(["°C", "°F"]).default("°C").meta({ description: "What the probe reports; hydro.water_temperature is always °C." }) },
      "The water temperature.",
    ).optional(),
    level: reading(
      { unit: z.string().min(1).optional().meta({ description: "The level's unit as the sensor reports it: %, cm, L, kg." }) },
      "The water level.",
    ).optional(),
    ph_range: RangePair.refine(([min, max]) => min >= 0 && max <= 14, { message: "a pH range lies within 0 to 14" })
      .optional()
      .meta({ description: "[min, max] pH for this tank, narrowing the crop's." }),
    ec_range: RangePair.superRefine(([min, max], ctx) => {
      if (max > MAX_NUTRIENT_EC) ctx.addIssue({ code: "custom", message: microSiemensHint(min, max) });
    })
      .optional()
      .meta({ description: "[min, max] EC in mS/cm for this tank, narrowing the crop's." }),
    refill_below: z
      .number()
      .optional()
      .meta({ description: "The level (in the level reading's unit) below which the reservoir needs refilling; a tank_range monitor on `level` watches it." }),
  })
  .superRefine(
    (t, ctx) => {
      const readings = (["ph", "ec", "water_temperature", "level"] as const).filter((k) => t[k] !== undefined);
      if (readings.length === 0) ctx.addIssue({ code: "custom", message: "a tank needs at least one reading: ph, ec, water_temperature or level", path: [] });
      const topicOf = (r: unknown) => (typeof r === "object" && r !== null ? (r as { topic?: unknown }).topic : undefined);
      for (const k of readings) {
        if (topicOf(t[k]) === undefined && t.topic === undefined)
          ctx.addIssue({ code: "custom", message: `${k} needs a topic, here or on the tank`, path: [k] });
      }
      if (t.refill_below !== undefined && t.level === undefined)
        ctx.addIssue({ code: "custom", message: "refill_below needs a level reading", path: ["refill_below"] });
    },
    // Also when another field of the tank is wrong: every problem is reported at once.
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .meta({ description: "A hydroponic tank: where its readings come from, in what units, and what grows in it." });

export type Tank = z.output<typeof Tank>;

export const Appliances = z
  .record(Name, Appliance)
  .meta({ description: "Appliances by name: `stove: kitchen_plug` tags the plug's samples appliance:stove and derives power.on 1/0." });
export const People = z
  .record(Name, Person)
  .meta({ description: "The people who live here, by name: presence.home{person:<name>} 1/0 and presence.anyone_home." });
export const Tanks = z.record(Name, Tank).meta({ description: "Hydroponic tanks by name: hydro.* metrics tagged tank:<name>." });
