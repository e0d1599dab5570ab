import type { Sourced } from "../config-kit/issues.js";
import type { CompiledRule, RuleOrigin } from "../pipeline/rule.js";
import { parseDecimal, stateWords } from "../pipeline/value.js";
import { codeRule, type PresetEmitter } from "../presets/preset.js";
import type { Person } from "./schema.js";

/**
 * Where each person's `presence.home` 1/0 comes from, as ingest rules: OwnTracks phones and
 * plain topics. Samples that already carry the metric and a `person:` tag (the openHAB
 * integration's presence switches) need no rule; the presence tracker reads them all.
 */
export const PRESENCE_METRIC = "presence.home";

/** Home Assistant's device_tracker words (payload_home / payload_not_home), switches and booleans. */
const PRESENCE_STATES = stateWords({ home: 1, not_home: 0, away: 0, on: 1, off: 0, true: 1, false: 0 });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const sameRegion = (a: unknown, home: string) => typeof a === "string" && a.trim().toLowerCase() === home.trim().toLowerCase();

/**
 * OwnTracks location (owntracks/booklet docs/tech/json.md): `inregions` lists the regions the
 * phone is in, the most robust "is home" signal (owntracks/talk#85). The app leaves out empty
 * fields, so a location without it is in no region: away.
 */
function readLocation(e: PresetEmitter, person: string, home: string): void {
  const p = e.json();
  if (!isObject(p)) return;
  if (p._type === "transition") return readTransition(e, person, home);
  if (p._type !== "location") return e.skip(PRESENCE_METRIC, `an OwnTracks "${String(p._type)}" message says nothing about where ${person} is`);
  const regions = Array.isArray(p.inregions) ? p.inregions : [];
  e.emit(PRESENCE_METRIC, regions.some((r) => sameRegion(r, home)) ? 1 : 0);
}

/** OwnTracks transition: `event` enter/leave for the region in `desc` (sent on …/event, never retained). */
function readTransition(e: PresetEmitter, person: string, home: string): void {
  const p = e.json();
  if (!isObject(p)) return;
  if (p._type !== "transition") return e.skip(PRESENCE_METRIC, `an OwnTracks "${String(p._type)}" message says nothing about where ${person} is`);
  if (!sameRegion(p.desc, home)) return e.skip(PRESENCE_METRIC, `${JSON.stringify(p.desc)} is not the home region "${home}"`);
  if (p.event === "enter") e.emit(PRESENCE_METRIC, 1);
  else if (p.event === "leave") e.emit(PRESENCE_METRIC, 0);
  else e.skip(PRESENCE_METRIC, `unknown transition event ${JSON.stringify(p.event)}`, "wrong_type");
}

/** A plain payload: a word, or a number where anything above 0 means home. */
function readPlain(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip(PRESENCE_METRIC, text.detail, text.reason);
  const n = parseDecimal(text.value);
  if (n !== undefined && Number.isFinite(n)) return e.emit(PRESENCE_METRIC, n > 0 ? 1 : 0);
  e.emit(PRESENCE_METRIC, text.value, { states: PRESENCE_STATES });
}

export function peopleRules(people: ReadonlyMap<string, Sourced<Person>>): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const [name, p] of people) {
    const origin: RuleOrigin = { kind: "house", section: "people", name, source: p.source };
    const tags = () => [`person:${name}`];
    for (const topic of p.topics ?? []) rules.push(codeRule(topic, origin, tags, readPlain));
    for (const topic of p.owntracks ?? []) {
      rules.push(codeRule(topic, origin, tags, (e) => readLocation(e, name, p.home_region)));
      rules.push(codeRule(`${topic}/event`, origin, tags, (e) => readTransition(e, name, p.home_region)));
    }
  }
  return rules;
}
