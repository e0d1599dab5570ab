import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Calendar } from "../alerts/calendar-schema.js";
import type { Monitor } from "../alerts/monitor-schema.js";
import type { Dashboard } from "../dashboards/schema.js";
import type { Appliance, Person, Tank } from "../house/schema.js";
import type { Mapping } from "../pipeline/mapping-schema.js";
import { PRESETS, type EnabledPresets } from "../presets/index.js";
import { RulesFile } from "../rules/schema.js";
import type { Issue, SourceRef, Sourced } from "../config-kit/issues.js";
import { formatSource, sortIssues } from "../config-kit/issues.js";
import { HearthConfig } from "./schema.js";
import { validate, type Locator } from "../config-kit/validate.js";
import { locate, readYamlFile, type Env, type YamlFile } from "../config-kit/yaml.js";

/** Every rules file of the directory, combined. */
export interface Rules {
  files: string[];
  presets: EnabledPresets;
  mappings: Sourced<Mapping>[];
  monitors: Sourced<Monitor>[];
  calendars: Sourced<Calendar>[];
  dashboards: Sourced<Dashboard>[];
  appliances: Map<string, Sourced<Appliance>>;
  people: Map<string, Sourced<Person>>;
  tanks: Map<string, Sourced<Tank>>;
}

export interface Loaded {
  config: HearthConfig;
  rules: Rules;
  configFile: string;
  rulesDir: string;
}

type LoadResult = { ok: true; loaded: Loaded } | { ok: false; issues: Issue[] };

/**
 * The environment wins over the file for the settings a deployment changes most
 * (docs/design.md, "Config keys others rely on").
 */
const ENV_OVERRIDES: readonly { name: string; path: string[]; type: "string" | "port"; whenSectionSet?: true }[] = [
  { name: "HEARTH_HOST", path: ["host"], type: "string" },
  { name: "HEARTH_MQTT_HOST", path: ["mqtt", "host"], type: "string" },
  { name: "HEARTH_MQTT_PORT", path: ["mqtt", "port"], type: "port" },
  { name: "HEARTH_HTTP_HOST", path: ["http", "host"], type: "string" },
  { name: "HEARTH_HTTP_PORT", path: ["http", "port"], type: "port" },
  { name: "HEARTH_DATA_DIR", path: ["storage", "dir"], type: "string" },
  // Only for a listener the file turns on: a container image can set these ports for every house, and a house without TLS keeps it off.
  { name: "HEARTH_MQTT_TLS_PORT", path: ["mqtt", "tls", "port"], type: "port", whenSectionSet: true },
  { name: "HEARTH_MQTT_WS_PORT", path: ["mqtt", "websocket", "port"], type: "port", whenSectionSet: true },
];

function applyEnvOverrides(value: Record<string, unknown>, env: Env): { overridden: Map<string, string>; issues: Issue[] } {
  const overridden = new Map<string, string>();
  const issues: Issue[] = [];
  for (const o of ENV_OVERRIDES) {
    const raw = env[o.name];
    if (raw === undefined || raw === "") continue;
    let v: unknown = raw;
    if (o.type === "port") {
      v = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(v) || (v as number) > 65535) {
        issues.push({ file: `environment ${o.name}`, line: 0, col: 0, message: `expected a port number (0-65535), got ${JSON.stringify(raw)}` });
        continue;
      }
    }
    let target: Record<string, unknown> | undefined = value;
    for (const key of o.path.slice(0, -1)) {
      const next: unknown = target[key];
      if (typeof next !== "object" || next === null) {
        if (o.whenSectionSet) {
          target = undefined;
          break;
        }
        target[key] = {};
      }
      target = target[key] as Record<string, unknown>;
    }
    if (!target) continue;
    target[o.path[o.path.length - 1]!] = v;
    overridden.set(o.path.join("."), o.name);
  }
  return { overridden, issues };
}

const locatorFor =
  (y: YamlFile, overridden = new Map<string, string>()): Locator =>
  (p, opts) => {
    for (const [dotted, name] of overridden) {
      if (p.join(".").startsWith(dotted)) return { file: `environment ${name}`, line: 0, col: 0 };
    }
    return locate(y, p, opts);
  };

/** A value whose `${VAR}` could not be substituted is reported once, not again as the wrong type. */
const notAlreadyReported = (later: Issue[], earlier: Issue[]): Issue[] =>
  later.filter((i) => !earlier.some((e) => e.file === i.file && e.line === i.line && e.col === i.col));

const asObject = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function loadConfigFile(file: string, env: Env): { config?: HearthConfig; issues: Issue[] } {
  const { yaml, issues } = readYamlFile(file, env);
  if (!yaml) return { issues };
  if (yaml.value !== null && typeof yaml.value !== "object") {
    return { issues: [...issues, { file, line: 1, col: 1, message: "the configuration must be a map of keys" }] };
  }
  const value = structuredClone(asObject(yaml.value));
  const env_ = applyEnvOverrides(value, env);
  const result = validate(HearthConfig, value, locatorFor(yaml, env_.overridden));
  const all = [...issues, ...env_.issues, ...notAlreadyReported(result.issues, issues)];
  if (!result.data || all.length > 0) return { issues: all };
  return { config: withDefaultsFromEnvironment(result.data, env), issues: [] };
}

/** Defaults that depend on where Hearth runs, so they cannot live in the schema (or the committed JSON Schema would differ per machine). */
function withDefaultsFromEnvironment(config: HearthConfig, env: Env): HearthConfig {
  return {
    ...config,
    host: config.host ?? os.hostname(),
    host_ip: config.host_ip ?? firstIPv4(),
    datadog: {
      ...config.datadog,
      api_key: config.datadog.api_key ?? (env.DD_API_KEY || undefined),
      app_key: config.datadog.app_key ?? (env.DD_APP_KEY || undefined),
      site: config.datadog.site ?? (env.DD_SITE || "datadoghq.com"),
    },
  };
}

function firstIPv4(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

function listRulesFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name) && !e.name.startsWith("."))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export function loadRulesDir(dir: string, env: Env): { rules?: Rules; issues: Issue[] } {
  let files: string[];
  try {
    files = listRulesFiles(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { issues: [{ file: dir, line: 0, col: 0, message: code === "ENOENT" ? "rules directory not found" : `cannot read the rules directory: ${code}` }] };
  }
  const issues: Issue[] = [];
  const rules: Rules = {
    files,
    presets: new Map(),
    mappings: [],
    appliances: new Map(),
    people: new Map(),
    tanks: new Map(),
    monitors: [],
    calendars: [],
    dashboards: [],
  };
  const presetOptions = new Map<string, { options: unknown; explicit: SourceRef | undefined }>();
  const disabled = new Set<string>();
  for (const file of files) {
    const read = readYamlFile(file, env);
    issues.push(...read.issues);
    if (!read.yaml) continue;
    const y = read.yaml;
    const result = validate(RulesFile, y.value ?? {}, locatorFor(y));
    issues.push(...notAlreadyReported(result.issues, read.issues));
    const data = result.data;
    if (!data) continue;
    const presetEntries: [string, unknown][] = Array.isArray(data.presets) ? data.presets.map((n) => [n, true]) : Object.entries(data.presets ?? {});
    for (const [name, options] of presetEntries) {
      if (options === false) disabled.add(name);
      else if (typeof options === "object") {
        const at = locate(y, ["presets", name]);
        const earlier = presetOptions.get(name)?.explicit;
        if (earlier) issues.push({ ...at, message: `preset "${name}" already has options at ${formatSource(earlier)}` });
        else presetOptions.set(name, { options, explicit: at });
      } else if (options === true && !presetOptions.has(name)) {
        presetOptions.set(name, { options: PRESETS[name]!.options.parse({}), explicit: undefined });
      }
    }
    data.mappings?.forEach((m, i) => rules.mappings.push({ ...m, source: locate(y, ["mappings", i]) }));
    data.monitors?.forEach((m, i) => rules.monitors.push({ ...m, source: locate(y, ["monitors", i]) }));
    data.calendars?.forEach((c, i) => rules.calendars.push({ ...c, source: locate(y, ["calendars", i]) }));
    data.dashboards?.forEach((d, i) => {
      const at = locate(y, ["dashboards", i, "name"]);
      const earlier = rules.dashboards.find((e) => e.name === d.name)?.source;
      if (earlier) issues.push({ ...at, message: `dashboards: "${d.name}" is already defined at ${formatSource(earlier)}` });
      else rules.dashboards.push({ ...d, source: locate(y, ["dashboards", i]) });
    });
    issues.push(
      ...collectNamed(y, "appliances", data.appliances, rules.appliances),
      ...collectNamed(y, "people", data.people, rules.people),
      ...collectNamed(y, "tanks", data.tanks, rules.tanks),
    );
  }
  for (const [name, { options }] of presetOptions) if (!disabled.has(name)) rules.presets.set(name, options);
  return issues.length ? { issues } : { rules, issues };
}

/** Adds a file's named entries (appliances, people, tanks) to `into`; a name may be used once across all files. */
function collectNamed<T extends object>(y: YamlFile, section: string, entries: Record<string, T> | undefined, into: Map<string, Sourced<T>>): Issue[] {
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(entries ?? {})) {
    const at = locate(y, [section, name], { key: true });
    const earlier = into.get(name)?.source;
    if (earlier) issues.push({ ...at, message: `${section}: "${name}" is already defined at ${formatSource(earlier)}` });
    else into.set(name, { ...value, source: at });
  }
  return issues;
}

interface LoadOptions {
  configFile: string;
  rulesDir: string;
  env?: Env;
  /** Cross-file checks that need the whole picture (a tag naming a missing capture, an unknown recipient). */
  check?: (loaded: Loaded) => Issue[];
}

/** Reads and validates the configuration and every rules file, and reports all problems at once. */
export function loadAll(opts: LoadOptions): LoadResult {
  const env = opts.env ?? process.env;
  const c = loadConfigFile(opts.configFile, env);
  const r = loadRulesDir(opts.rulesDir, env);
  const issues = [...c.issues, ...r.issues];
  if (!c.config || !r.rules || issues.length) return { ok: false, issues: sortIssues(issues) };
  const loaded: Loaded = { config: c.config, rules: r.rules, configFile: opts.configFile, rulesDir: opts.rulesDir };
  const later = opts.check?.(loaded) ?? [];
  return later.length ? { ok: false, issues: sortIssues(later) } : { ok: true, loaded };
}
