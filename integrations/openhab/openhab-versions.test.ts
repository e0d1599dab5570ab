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
 * openHAB 2's REST root: API version "1" and links, no runtimeInfo (openhab-core 2.5,
 * org.eclipse.smarthome.io.rest RootBean). No recording of it exists here: built from that source.
 */
const OH2_ROOT = { version: "1", links: [{ type: "items", url: "http://openhab:8080/rest/items" }, { type: "events", url: "http://openhab:8080/rest/events" }] };

/** The plug of the recorded event stream and a power reading, in the /rest/items shape (EnrichedItemDTO, the same in openHAB 2 and 3). */
const plugItems = (stove: string): Record<string, unknown>[] => [
  { name: "Arbeit_Steck_P_power", type: "Number", state: "225.99", groupNames: [], tags: ["Measurement", "Power"] },
  { name: "Arbeit_Steck_3DD_EnergyTotal", type: "Number", state: "31.2", groupNames: [], tags: ["Measurement", "Energy"] },
  { name: "Stove_Power", type: "Number:Power", state: stove, groupNames: ["GF_Kitchen"], tags: [] },
];

/**
 * The recorded frames (an openHAB 3 install) as openHAB 2 sends them: the same events under
 * Eclipse SmartHome's `smarthome/` namespace (openHAB 2 docs, developers/utils/events.md:
 * `smarthome/items/{itemName}/state`), the only change.
 */
const oh2Frames = () => recorded("sse-events.txt").replaceAll('"topic":"openhab/', '"topic":"smarthome/');

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
const healthOf = async (t: TestHub) => ((await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> });
const of = (t: TestHub, item: string, inst: string) => t.samples.filter((s) => s.tags.includes(`openhab_item:${item.toLowerCase()}`) && s.tags.includes(`openhab_instance:${inst}`));

describe("openHAB versions", () => {
  it("follows openHAB 2.5 under smarthome/items and openHAB 3 under openhab/items, each update once, two servers told apart by their instance", async () => {
    const oh2 = await serve(plugItems("120 W"), { root: OH2_ROOT });
    const oh3 = await serve(plugItems("60 W"), { version: "3.0.1" });
    hub = await startTestHub({ config: { integrations: { house: instance(oh2), cabin: instance(oh3) } }, env: { OPENHAB_TOKEN: TOKEN } });
    const t = hub;
    await waitFor(() => oh2.openStreams === 1 && oh3.openStreams === 1 && of(t, "Stove_Power", "house").length > 0 && of(t, "Stove_Power", "cabin").length > 0, "both servers' items");

    // The namespace each server publishes in, with …/state: before openHAB 4 the update itself.
    expect(oh2.topicFilters).toEqual(["smarthome/items/*/state,smarthome/items/*/added,smarthome/items/*/updated,smarthome/items/*/removed"]);
    expect(oh3.topicFilters).toEqual(["openhab/items/*/state,openhab/items/*/added,openhab/items/*/updated,openhab/items/*/removed"]);

    // The same item name on two servers is two series.
    expect(of(t, "Stove_Power", "house").map((s) => [s.metric, s.value, s.unit])).toEqual([["openhab.power", 120, "W"]]);
    expect(of(t, "Stove_Power", "cabin").map((s) => [s.metric, s.value, s.unit])).toEqual([["openhab.power", 60, "W"]]);

    // The update behind the recorded change (ItemStateEvent, as openHAB 2/3 publish it before
    // the ItemStateChangedEvent it causes), then the recorded frames.
    const powerUpdate = (ns: string) => oh2.event(`${ns}/items/Arbeit_Steck_P_power/state`, "ItemStateEvent", { type: "Decimal", value: "222.23" });
    oh2.send(powerUpdate("smarthome") + oh2Frames());
    oh3.send(powerUpdate("openhab") + recorded("sse-events.txt"));
    await waitFor(() => of(t, "Arbeit_Steck_3DD_EnergyTotal", "house").length === 2 && of(t, "Arbeit_Steck_3DD_EnergyTotal", "cabin").length === 2, "the recorded update on both");
    for (const inst of ["house", "cabin"]) {
      // Each update once: the loaded state, then the event (the change repeating it is not a second reading).
      expect(of(t, "Arbeit_Steck_P_power", inst).map((s) => s.value), inst).toEqual([225.99, 222.23]);
      expect(of(t, "Arbeit_Steck_3DD_EnergyTotal", inst).map((s) => [s.metric, s.value]), inst).toEqual([
        ["openhab.energy", 31.2],
        ["openhab.energy", 31.325],
      ]);
    }
    const h = await healthOf(t);
    expect([h.components["integration:house"]?.state, h.components["integration:cabin"]?.state]).toEqual(["ok", "ok"]);
    expect(t.logs.entries.some((e) => e.instance === "house" && String(e.msg).includes("openHAB 2.x: following smarthome/items/"))).toBe(true);
  });

  it("refuses a server whose REST root says no version it knows, instead of listening to a silent stream", async () => {
    const odd = await serve(plugItems("120 W"), { root: { version: "9", links: [] } });
    hub = await startTestHub({ config: { integrations: { house: instance(odd) } }, env: { OPENHAB_TOKEN: TOKEN } });
    const t = hub;
    await waitFor(async () => (await healthOf(t)).components["integration:house"]?.state === "degraded", "the refusal");
    expect((await healthOf(t)).components["integration:house"]!.detail).toContain('answered with version "9" and no runtimeInfo: not openHAB 2, 3, 4 or 5, so Hearth cannot tell which event topics to follow');
    expect(odd.count("/rest/events")).toBe(0);
    expect(t.samples.filter((s) => s.metric.startsWith("openhab."))).toEqual([]);
  });

  it("sends the states loaded at start once, at the time they were read, so an item that stops updating shows as no data", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T12:00:00Z"));
    const oh = await serve(plugItems("120 W"), { version: "4.2.1" });
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
    const stored = queryStore<{ time: number; value: number }>(t.dir, "SELECT p.time, p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'openhab.power' AND s.tags LIKE '%openhab_item:stove_power%'");
    fs.rmSync(t.dir, { recursive: true, force: true });
    expect(stored).toEqual([{ time: loadedAt, value: 120 }]);
  });
});
