import { z } from "zod";
import { MetricKind, MetricName } from "../config-kit/common.js";
import { compilePath } from "./json-path.js";

const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with an MQTT topic filter written with Hearth's named wildcards, or [] when it is fine. */
export function topicFilterProblems(filter: string): string[] {
  if (filter.length === 0) return ["a topic filter cannot be empty"];
  const levels = filter.split("/");
  const problems: string[] = [];
  const names = new Set<string>();
  levels.forEach((level, i) => {
    const wildcard = level[0] === "+" || level[0] === "#";
    if (wildcard) {
      const name = level.slice(1);
      if (name && !CAPTURE_NAME.test(name)) problems.push(`"${level}": a wildcard's name holds letters, digits and '_'`);
      if (name && names.has(name)) problems.push(`"${level}": the name "${name}" is captured twice`);
      if (name) names.add(name);
      // [MQTT-4.7.1-2] the multi-level wildcard must be the last level
      if (level[0] === "#" && i !== levels.length - 1) problems.push(`"${level}": '#' is only allowed as the last level`);
    } else if (level.includes("+") || level.includes("#")) {
      problems.push(`"${level}": '+' and '#' must fill a whole level, as in "tele/+device/SENSOR"`);
    }
  });
  return problems;
}

/** The names a filter captures: "tele/+device/SENSOR" captures "device". */
const topicCaptureNames = (filter: string): string[] =>
  filter
    .split("/")
    .filter((l) => (l[0] === "+" || l[0] === "#") && l.length > 1)
    .map((l) => l.slice(1));

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The captures a tag template uses: "device:{device}" uses "device". */
export const placeholdersOf = (template: string): string[] => [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);

export const TopicFilter = z
  .string()
  .superRefine((s, ctx) => {
    for (const message of topicFilterProblems(s)) ctx.addIssue({ code: "custom", message });
  })
  .meta({
    description: "An MQTT topic filter. '+name' matches one level and captures it as {name}; '#name' matches the rest. Example: tele/+device/SENSOR.",
    examples: ["tele/+device/SENSOR", "sensors/+room/temperature"],
  });

const TagTemplate = z
  .string()
  .regex(/^[^\s:,{}][^\s,:]*:[^\s,]+$/, { message: 'expected a "key:value" tag; the value may use captures, as in "device:{device}"' })
  .meta({ description: 'A "key:value" tag. {name} in the value is replaced by a topic or path capture.' });

const CalibrationPoint = z.tuple([z.number(), z.number()]).meta({ description: "[raw reading, true value]" });

/** How one number is read out of a message. Shared by a mapping's shorthand and each entry of `samples`. */
const valueFields = {
  path: z.string().min(1).optional().meta({
    description:
      "Where the value sits in a JSON payload: ENERGY.Power, Current.0, or +sensor.Temperature (any key, captured as {sensor}). Absent: the whole payload.",
  }),
  unit: z.string().optional().meta({ description: 'The unit of the value ("W", "kWh", "°C"). A payload like "21.5 °C" brings its own.' }),
  kind: MetricKind.default("gauge"),
  calibrate: z
    .tuple([CalibrationPoint, CalibrationPoint])
    .optional()
    .meta({ description: "Two-point linear calibration of a raw reading: [[raw1, value1], [raw2, value2]]." }),
  scale: z.number().optional().meta({ description: "Multiply the value (after calibration), e.g. 0.001 for Wh → kWh." }),
  offset: z.number().optional().meta({ description: "Add to the value, after scale." }),
  states: z
    .record(z.string(), z.number())
    .optional()
    .meta({ description: "Words and the numbers they mean, replacing the built-in ON/OFF, open/closed, home/not_home vocabulary." }),
};

export const SampleSpec = z
  .strictObject({
    metric: MetricName,
    ...valueFields,
    tags: z.array(TagTemplate).default([]),
  })
  .meta({ description: "One sample read from each matching message." });

const TimeSpec = z
  .strictObject({
    path: z.string().min(1).optional().meta({ description: "Where the payload's own timestamp sits, e.g. tst or Time." }),
    user_property: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "The MQTT 5 user property that carries the timestamp, e.g. ts. A message without it gets the time Hearth received it." }),
    format: z.enum(["iso", "epoch_s", "epoch_ms"]).default("iso"),
    zone: z.string().optional().meta({ description: "IANA time zone of ISO times written without an offset (Tasmota's Time has none)." }),
  })
  .superRefine((t, ctx) => {
    if ((t.path === undefined) === (t.user_property === undefined))
      ctx.addIssue({
        code: "custom",
        message: "write where the timestamp is: `path` (in the payload) or `user_property` (an MQTT 5 user property), one of them",
        path: [],
      });
  })
  .meta({ description: "Trust the message's own timestamp (in the payload, or in an MQTT 5 user property) instead of the time Hearth received it." });

/** Capture names and the MQTT 5 user properties (MQTT 5 §3.3.2.3.7) whose values they take. */
const UserPropertyCaptures = z
  .record(
    z.string().regex(CAPTURE_NAME, { message: "a capture's name holds letters, digits and '_', and does not start with a digit" }),
    z.string().min(1).meta({ description: "The user property's name, as the publisher sends it." }),
  )
  .meta({
    description:
      "MQTT 5 user properties read as captures for tags: {room: room} makes the value of the message's user property `room` the capture {room}. A tag using a capture the message does not carry (a 3.1.1 device) is left off.",
    examples: [{ room: "room" }, { site: "x-site" }],
  });

const MappingShape = z.strictObject({
  name: z.string().optional().meta({ description: "A label shown by `hearth check --explain`." }),
  topic: TopicFilter,
  tags: z.array(TagTemplate).default([]),
  user_properties: UserPropertyCaptures.optional(),
  time: TimeSpec.optional(),
  metric: MetricName.optional().meta({ description: "Shorthand for a single sample; use `samples` for several." }),
  ...valueFields,
  samples: z.array(SampleSpec).min(1).optional(),
});

export const Mapping = MappingShape.superRefine((m, ctx) => {
  if (m.metric === undefined && m.samples === undefined)
    ctx.addIssue({ code: "custom", message: "a mapping needs `metric` (one sample) or `samples` (several)", path: [] });
  if (m.metric !== undefined && m.samples !== undefined)
    ctx.addIssue({ code: "custom", message: "write either `metric` or `samples`, not both", path: ["samples"] });
  checkCaptures(m, ctx);
}).meta({ description: "Turns messages on a topic into samples." });

/**
 * Every {name} in a tag must be captured by the topic, a user property or the path of the sample it tags
 * (and a user property's capture must not take a topic capture's name);
 * two calibration points must have different raw readings (or the line through them is vertical).
 */
function checkCaptures(m: z.output<typeof MappingShape>, ctx: z.RefinementCtx): void {
  const topic = new Set(topicCaptureNames(m.topic));
  for (const name of Object.keys(m.user_properties ?? {})) {
    if (topic.has(name))
      ctx.addIssue({ code: "custom", message: `{${name}} is captured by the topic ("${m.topic}") already`, path: ["user_properties", name] });
    topic.add(name);
  }
  const pathCaptures = (path: string | undefined) => (path ? compilePath(path).captures : []);
  const specs = m.samples ?? [{ metric: m.metric ?? "", path: m.path, calibrate: m.calibrate, tags: [] }];
  const inEverySample = specs.map((s) => new Set(pathCaptures(s.path))).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
  const report = (template: string, known: Set<string>, path: PropertyKey[]) => {
    for (const name of placeholdersOf(template))
      if (!known.has(name)) ctx.addIssue({ code: "custom", message: `{${name}} is not captured by the topic ("${m.topic}") or the path`, path });
  };
  m.tags.forEach((t, i) => report(t, new Set([...topic, ...inEverySample]), ["tags", i]));
  specs.forEach((s, j) => {
    s.tags.forEach((t, i) => report(t, new Set([...topic, ...pathCaptures(s.path)]), ["samples", j, "tags", i]));
    if (s.calibrate && s.calibrate[0][0] === s.calibrate[1][0])
      ctx.addIssue({
        code: "custom",
        message: "the two calibration points need different raw readings",
        path: m.samples ? ["samples", j, "calibrate"] : ["calibrate"],
      });
  });
}

export type SampleSpec = z.output<typeof SampleSpec>;
export type Mapping = z.output<typeof Mapping>;
