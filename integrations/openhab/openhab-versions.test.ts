import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startTestHub, type TestHub } from "../../test/helpers/hub.js";
import { OpenhabServer } from "../../test/helpers/openhab-server.js";
import { queryStore } from "../../test/helpers/store.js";
import { waitFor } from "../../test/helpers/wait.js";

const TOKEN = "oh.hearth.versions";
const recorded = (file: string) => fs.readFileSync(new URL(`./testdata/${file}`, import.meta.url), "utf8");

/**
 * openHAB 2.5's REST root: REST API version "3" and links, no runtimeInfo (openhab-core 2.5.0,
 * org.eclipse.smarthome.io.rest.internal.resources.beans.RootBean). No recording of it exists
 * here: built from that source.
 */
const OH25_ROOT = {
  version: "3",
  links: [
    { type: "items", url: "http://openhab:8080/rest/items" },
    { type: "events", url: "http://openhab:8080/rest/events" },
  ],
};

/** The plug of the recorded event stream and a power reading in a group, in the /rest/items shape (EnrichedItemDTO, the same from openHAB 2 to 5). */
const plugItems = (): Record<string, unknown>[] => [
  { name: "Arbeit_Steck_P_power", type: "Number", state: "225.99", groupNames: [], tags: ["Measurement", "Power"] },
  { name: "Arbeit_Steck_3DD_EnergyTotal", type: "Number", state: "31.325", groupNames: [], tags: ["Measurement", "Energy"] },
  { name: "Stove_Power", type: "Number:Power", state: "120 W", groupNames: ["GF_Kitchen"], tags: [] },
  { name: "GF_Kitchen", type: "Group", groupType: "Number:Power", function: { name: "SUM" }, state: "120 W", groupNames: [], tags: [] },
];

interface Update {
  item: string;
  type: string;
  value: string;
  old: string;
  /** The group whose SUM the item is in, and the group's state before and after. */
  group?: { name: string; old: string; value: string };
}

/** openHAB 5's times in payloads (ISO_ZONED_DATE_TIME, AbstractEventFactory.ZonedDateTimeAdapter): the update and change *before* this one. */
const PREVIOUS = { lastStateUpdate: "2025-04-02T21:59:16.1+02:00[Europe/Berlin]", lastStateChange: "2025-04-02T20:01:02.5+02:00[Europe/Berlin]" };

/**
 * Every item event openHAB posts on its bus for one update, in order, by openhab-core at each
 * version: the ItemStateEvent of whoever updates the item (ItemEventFactory.createStateEvent);
 * from 4.0, GenericItem.applyState's ItemStateUpdatedEvent on every update (#3141); an
 * ItemStateChangedEvent when the state differs (every version); the group's own events under
 * `<ns>/items/<group>/<member>/…` (GroupItem: GroupItemStateChangedEvent on a change, from 4.0
 * GroupStateUpdatedEvent as well); from 5.0 the previous update's and change's times in the
 * payloads (#4606, #4752). The server's `topics=` filter then picks what the stream gets, as
 * openHAB's does.
 */
function busFrames(server: OpenhabServer, major: number, u: Update): string {
  const ns = major < 3 ? "smarthome" : "openhab";
  const changed = u.value !== u.old;
  const upd = major >= 5 ? { lastStateUpdate: PREVIOUS.lastStateUpdate } : {};
  const chg = major >= 5 ? PREVIOUS : {};
  let out = server.event(`${ns}/items/${u.item}/state`, "ItemStateEvent", { type: u.type, value: u.value });
  if (major >= 4) out += server.event(`${ns}/items/${u.item}/stateupdated`, "ItemStateUpdatedEvent", { type: u.type, value: u.value, ...upd });
  if (changed)
    out += server.event(`${ns}/items/${u.item}/statechanged`, "ItemStateChangedEvent", {
      type: u.type,
      value: u.value,
      oldType: u.type,
      oldValue: u.old,
      ...chg,
    });
  if (u.group) {
    const g = u.group;
    const at = `${ns}/items/${g.name}/${u.item}`;
    if (major >= 4) out += server.event(`${at}/stateupdated`, "GroupStateUpdatedEvent", { type: "Quantity", value: g.value, ...upd });
    if (g.value !== g.old)
      out += server.event(`${at}/statechanged`, "GroupItemStateChangedEvent", {
        type: "Quantity",
        value: g.value,
        oldType: "Quantity",
        oldValue: g.old,
        ...chg,
      });
  }
  return out;
}

/** A change (the recorded one), an update that keeps the value, and a change in a group. */
const UPDATES: Update[] = [
  { item: "Arbeit_Steck_P_power", type: "Decimal", value: "222.23", old: "225.99" },
  { item: "Arbeit_Steck_3DD_EnergyTotal", type: "Decimal", value: "31.325", old: "31.325" },
  { item: "Stove_Power", type: "Quantity", value: "1850 W", old: "120 W", group: { name: "GF_Kitchen", old: "120 W", value: "1850 W" } },
];

const servers: OpenhabServer[] = [];
let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(items: Record<string, unknown>[], opts: { version?: string; root?: Record<string, unknown> }): Promise<OpenhabServer> {
  const s = await new OpenhabServer(items, { token: TOKEN, ...opts }).start();
  servers.push(s);
  return s;
}

const instance = (server: OpenhabServer) => ({ type: "openhab", url: server.url, token: "${OPENHAB_TOKEN}" });
const healthOf = async (t: TestHub) =>
  (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> };
const of = (t: TestHub, item: string, inst: string) =>
  t.samples.filter((s) => s.tags.includes(`openhab_item:${item.toLowerCase()}`) && s.tags.includes(`openhab_instance:${inst}`));

/** One openHAB of each generation Hearth tells apart, and what it should ask for. */
const VERSIONS = [
  // 2.5 and 3.0–3.2 match each topic pattern as a prefix, so `…/state` brings `…/statechanged` too.
  {
    instance: "oh25",
    major: 2,
    opts: { root: OH25_ROOT },
    topics: "smarthome/items/*/state,smarthome/items/*/added,smarthome/items/*/updated,smarthome/items/*/removed",
  },
  {
    instance: "oh30",
    major: 3,
    opts: { version: "3.0.1" },
    topics: "openhab/items/*/state,openhab/items/*/added,openhab/items/*/updated,openhab/items/*/removed",
  },
  {
    instance: "oh34",
    major: 3,
    opts: { version: "3.4.5" },
    topics: "openhab/items/*/state,openhab/items/*/added,openhab/items/*/updated,openhab/items/*/removed",
  },
  {
    instance: "oh42",
    major: 4,
    opts: { version: "4.2.1" },
    topics: "openhab/items/*/stateupdated,openhab/items/*/added,openhab/items/*/updated,openhab/items/*/removed",
  },
  {
    instance: "oh50",
    major: 5,
    opts: { version: "5.0.0" },
    topics: "openhab/items/*/stateupdated,openhab/items/*/added,openhab/items/*/updated,openhab/items/*/removed",
  },
];

describe("openHAB versions", () => {
  it("the frames openHAB 2.5, 3.0, 3.4, 4.2 and 5.0 send for a change and for an update that keeps the value are one sample per update, each server told apart by its instance", async () => {
    const running = await Promise.all(VERSIONS.map(async (v) => ({ ...v, server: await serve(plugItems(), v.opts) })));
    // The builder makes the recorded frame of openHAB 3's change byte for byte.
    expect(recorded("sse-events.txt")).toContain(
      busFrames(running[1]!.server, 3, UPDATES[0]!)
        .split("\n\n")
        .find((f) => f.includes("ItemStateChangedEvent")),
    );

    const integrations = Object.fromEntries(running.map((r) => [r.instance, instance(r.server)]));
    hub = await startTestHub({ config: { integrations }, env: { OPENHAB_TOKEN: TOKEN } });
    const t = hub;
    await waitFor(() => running.every((r) => r.server.openStreams === 1 && of(t, "Stove_Power", r.instance).length === 1), "every server's items");
    for (const r of running) expect(r.server.topicFilters, r.instance).toEqual([r.topics]);

    const before = t.samples.length;
    const sentAt = Date.now();
    for (const r of running) r.server.send(UPDATES.map((u) => busFrames(r.server, r.major, u)).join(""));
    await waitFor(() => running.every((r) => of(t, "Stove_Power", r.instance).length === 2), "every server's updates");
    // What openHAB 3 also sends around the recorded change: a Thing's status, not an item.
    for (const r of running) r.server.send(recorded("sse-events.txt").split("\n\n")[0]! + "\n\n");
    // A last update after all of the above: once it is in, nothing else is on its way.
    for (const r of running)
      r.server.send(busFrames(r.server, r.major, { item: "Arbeit_Steck_3DD_EnergyTotal", type: "Decimal", value: "31.4", old: "31.325" }));
    await waitFor(() => running.every((r) => of(t, "Arbeit_Steck_3DD_EnergyTotal", r.instance).length === 3), "the last update");

    for (const r of running) {
      const values = (item: string) => of(t, item, r.instance).map((s) => s.value);
      // The loaded state, then exactly one sample per update: the change once, the unchanged update once.
      expect(values("Arbeit_Steck_P_power"), r.instance).toEqual([225.99, 222.23]);
      expect(values("Arbeit_Steck_3DD_EnergyTotal"), r.instance).toEqual([31.325, 31.325, 31.4]);
      expect(values("Stove_Power"), r.instance).toEqual([120, 1850]);
      // A group is not a series of its own (its members are), whatever it sends.
      expect(of(t, "GF_Kitchen", r.instance), r.instance).toEqual([]);
      // Each at its arrival: openHAB 5's lastStateUpdate is the previous update's time, not this one's.
      for (const s of t.samples.slice(before).filter((x) => x.tags.includes(`openhab_instance:${r.instance}`))) expect(s.time).toBeGreaterThanOrEqual(sentAt);
    }
    const h = await healthOf(t);
    expect(running.map((r) => h.components[`integration:${r.instance}`]?.state)).toEqual(running.map(() => "ok"));
    expect(t.logs.entries.some((e) => e.instance === "oh25" && String(e.msg).includes("openHAB 2.x: following smarthome/items/"))).toBe(true);

    // Into the store: per instance and item, one point per sample.
    await t.hub.stop();
    hub = undefined;
    const stored = queryStore<{ tags: string; n: number }>(
      t.dir,
      "SELECT s.tags, COUNT(*) AS n FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric IN ('openhab.power', 'openhab.energy') GROUP BY s.id",
    );
    fs.rmSync(t.dir, { recursive: true, force: true });
    for (const r of running) {
      const n = (item: string) =>
        stored.find((x) => x.tags.includes(`openhab_item:${item.toLowerCase()}`) && x.tags.includes(`openhab_instance:${r.instance}`))?.n;
      expect([n("Arbeit_Steck_P_power"), n("Arbeit_Steck_3DD_EnergyTotal"), n("Stove_Power")], r.instance).toEqual([2, 3, 2]);
    }
  });

  it("refuses a server whose REST root says no version it knows, instead of listening to a silent stream", async () => {
    const odd = await serve(plugItems(), { root: { version: "9", links: [] } });
    hub = await startTestHub({ config: { integrations: { house: instance(odd) } }, env: { OPENHAB_TOKEN: TOKEN } });
    const t = hub;
    await waitFor(async () => (await healthOf(t)).components["integration:house"]?.state === "degraded", "the refusal");
    expect((await healthOf(t)).components["integration:house"]!.detail).toContain(
      'answered with version "9" and no runtimeInfo: not openHAB 2, 3, 4 or 5, so Hearth cannot tell which event topics to follow',
    );
    expect(odd.count("/rest/events")).toBe(0);
    expect(t.samples.filter((s) => s.metric.startsWith("openhab."))).toEqual([]);
  });

  it("sends the states loaded at start once, at the time they were read, so an item that stops updating shows as no data", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T12:00:00Z"));
    const oh = await serve(plugItems(), { version: "4.2.1" });
    hub = await startTestHub({ config: { pipeline: { flush_interval: "10s" }, integrations: { house: instance(oh) } }, env: { OPENHAB_TOKEN: TOKEN }, clock });
    const t = hub;
    await waitFor(() => of(t, "Stove_Power", "house").length > 0, "the loaded states");
    const loadedAt = clock.now();
    // Ten minutes of flushes with nothing from openHAB.
    for (let i = 0; i < 60; i++) {
      clock.advance(10_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(of(t, "Stove_Power", "house").map((s) => [s.value, s.time])).toEqual([[120, loadedAt]]);
    await t.hub.stop();
    hub = undefined;
    const stored = queryStore<{ time: number; value: number }>(
      t.dir,
      "SELECT p.time, p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'openhab.power' AND s.tags LIKE '%openhab_item:stove_power%'",
    );
    fs.rmSync(t.dir, { recursive: true, force: true });
    expect(stored).toEqual([{ time: loadedAt, value: 120 }]);
  });
});
