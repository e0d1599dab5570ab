import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Sample } from "../../src/pipeline/sample.js";
import { startTestHub, type TestHub } from "../../test/helpers/hub.js";
import { OpenhabServer } from "../../test/helpers/openhab-server.js";
import { sampleInstance } from "../../test/helpers/samples.js";
import { queryStore } from "../../test/helpers/store.js";
import { waitFor } from "../../test/helpers/wait.js";

const TOKEN = "oh.hearth.test-token";
const recorded = (file: string) => fs.readFileSync(new URL(`./testdata/${file}`, import.meta.url), "utf8");
const demoItems = () => JSON.parse(recorded("items-oh3.0-demo.json")) as Record<string, unknown>[];

/**
 * Items the story needs that the demo recording lacks, in the /rest/items shape
 * (openhab-core EnrichedItemDTO): the power plug of the recorded event stream, a pressure
 * and a power reading with their units, and two presence switches.
 */
const houseItems = (): Record<string, unknown>[] => [
  { name: "Arbeit_Steck_P_power", type: "Number", state: "225.99", groupNames: [], tags: ["Measurement", "Power"] },
  { name: "Pressure_Outside", type: "Number:Pressure", state: "1013 hPa", groupNames: ["Weather"], tags: ["Measurement", "Pressure"] },
  { name: "Stove_Power", type: "Number:Power", state: "120 W", groupNames: ["GF_Kitchen"], tags: [] },
  { name: "Presence_Alex", type: "Switch", state: "ON", groupNames: ["Presence"], tags: [] },
  { name: "Presence_Sam", type: "Switch", state: "NULL", groupNames: ["Presence"], tags: [] },
];

let server: OpenhabServer | undefined;
let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  await server?.stop();
  hub = undefined;
  server = undefined;
});

/** The shipped sample.yaml, pointed at the local server, with the token from the environment as a homeowner would. */
async function start(overrides: Record<string, unknown> = {}, token = TOKEN): Promise<TestHub> {
  const { name, instance } = sampleInstance("openhab");
  expect(name).toBe("house");
  hub = await startTestHub({ config: { integrations: { house: { ...instance, url: server!.url, ...overrides } } }, env: { OPENHAB_TOKEN: token } });
  return hub;
}

const byItem = (t: TestHub, item: string) => t.samples.filter((s) => s.tags.includes(`openhab_item:${item.toLowerCase()}`));
const view = (s: Sample) => ({ metric: s.metric, value: s.value, unit: s.unit });
const healthOf = async (t: TestHub) =>
  (await (await fetch(`${t.httpUrl}/healthz`)).json()) as {
    status: string;
    components: Record<string, { state: string; detail?: string; info?: Record<string, unknown> }>;
  };
const metricsText = async (t: TestHub) => (await fetch(`${t.httpUrl}/metrics`)).text();

describe("openHAB", () => {
  it("turns the recorded /rest/items into the documented samples, with units kept and item name, type, groups and tags as tags", async () => {
    server = await new OpenhabServer([...demoItems(), ...houseItems()], { token: TOKEN }).start();
    const t = await start();
    await waitFor(() => byItem(t, "Temperature_GF_Kitchen").length > 0, "the first samples");

    expect(byItem(t, "Temperature_GF_Kitchen").map((s) => s.tags)[0]).toEqual([
      "openhab_group:gf_kitchen",
      "openhab_group:temperature",
      "openhab_group:thermostat",
      "openhab_instance:house",
      "openhab_item:temperature_gf_kitchen",
      "openhab_tag:currenttemperature",
      "openhab_tag:measurement",
      "openhab_tag:temperature",
      "openhab_type:number",
      "site:house",
    ]);
    const want: [item: string, readings: { metric: string; value: number; unit: string | undefined }[]][] = [
      // A plain Number named by its semantic "Temperature" tag; its state has no unit.
      ["Temperature_GF_Kitchen", [{ metric: "openhab.temperature", value: 19.9, unit: undefined }]],
      ["Pressure_Outside", [{ metric: "openhab.pressure", value: 1013, unit: "hPa" }]],
      ["Stove_Power", [{ metric: "openhab.power", value: 120, unit: "W" }]],
      ["Sun_Azimuth", [{ metric: "openhab.angle", value: 284.9626891614299, unit: "°" }]],
      ["Wifi_Level", [{ metric: "openhab.number", value: 0, unit: undefined }]],
      ["Light_GF_Toilet_Mirror", [{ metric: "openhab.light", value: 1, unit: undefined }]],
      ["Light_FF_Son_Ceiling", [{ metric: "openhab.light", value: 0, unit: undefined }]],
      // A Dimmer tagged Light: its level, and whether it is on at all.
      [
        "Light_GF_Living_Table",
        [
          { metric: "openhab.light.level", value: 0, unit: "%" },
          { metric: "openhab.light", value: 0, unit: undefined },
        ],
      ],
      ["Heating_FF_Bath", [{ metric: "openhab.switch", value: 1, unit: undefined }]],
      ["Window_GF_Kitchen", [{ metric: "openhab.contact", value: 1, unit: undefined }]],
      ["Window_FF_Bed", [{ metric: "openhab.contact", value: 0, unit: undefined }]],
      // Not numbers: a String, a DateTime and a Location are not metrics; groups are reported through their members.
      ["Moon_Phase", []],
      ["CurrentDate", []],
      ["DemoLocation", []],
      ["Lights", []],
      ["Temperature", []],
      // NULL: skipped (and counted below).
      ["Shutter_GF_Living", []],
    ];
    for (const [item, readings] of want) expect(byItem(t, item).map(view), item).toEqual(readings.map((r) => ({ ...r, unit: r.unit })));
    expect(byItem(t, "Light_GF_Toilet_Mirror")[0]!.attrs).toEqual({ state: "ON" });

    // Exactly the people configured, with exactly the presence tag: no instance tags, no item tags.
    const presence = t.samples.filter((s) => s.metric === "presence.home");
    expect(presence.map((s) => [s.tags, s.value])).toEqual([[["person:alex"], 1]]);

    // Every NULL state among items that would be metrics is skipped and counted, once.
    const readableTypes = /^(Number|Switch|Contact|Dimmer|Rollershutter|Color)(:|$)/;
    const nulls = [...demoItems(), ...houseItems()].filter((i) => i.state === "NULL" && readableTypes.test(String(i.type))).length;
    expect(nulls).toBeGreaterThan(10);
    expect(await metricsText(t)).toContain(`hearth_integration_skipped_values_total{instance="house",reason="null"} ${nulls}`);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("reads openHAB 5's event stream: JSON inside JSON, keep-alives, requests and changes next to each update, group topics, the previous update's time", async () => {
    server = await new OpenhabServer([...demoItems(), ...houseItems()], { token: TOKEN, version: "5.0.0" }).start();
    const t = await start();
    await waitFor(() => server!.openStreams === 1 && byItem(t, "Stove_Power").length > 0, "the stream and the first samples");
    const before = t.samples.length;
    const sentAt = Date.now();

    /**
     * One update as openHAB 5 posts it (openhab-core 5.0.0): the ItemStateEvent request, then
     * GenericItem.applyState's ItemStateUpdatedEvent and, on a change, ItemStateChangedEvent,
     * carrying the times of the update and change before this one (ItemEventFactory payload beans).
     */
    const update = (item: string, type: string, value: string, oldType: string, oldValue: string) => {
      const previous = { lastStateUpdate: "2025-04-02T21:59:16.1+02:00[Europe/Berlin]" };
      return (
        server!.event(`openhab/items/${item}/state`, "ItemStateEvent", { type, value }) +
        server!.event(`openhab/items/${item}/stateupdated`, "ItemStateUpdatedEvent", { type, value, ...previous }) +
        (value === oldValue
          ? ""
          : server!.event(`openhab/items/${item}/statechanged`, "ItemStateChangedEvent", {
              type,
              value,
              oldType,
              oldValue,
              ...previous,
              lastStateChange: previous.lastStateUpdate,
            }))
      );
    };
    // A keep-alive as openHAB 3.4+ sends it every 10 s (SseResource ALIVE_INTERVAL_SECONDS).
    server.send('event: alive\ndata: {"type":"ALIVE","interval":10}\n\n');
    server.send(update("Stove_Power", "Quantity", "1850 W", "Quantity", "120 W"));
    // A group's own state, caused by a member: openhab/items/<group>/<member>/stateupdated (GroupStateUpdatedEvent).
    server.send(server.event("openhab/items/Lights/Light_FF_Son_Ceiling/stateupdated", "GroupStateUpdatedEvent", { type: "OnOff", value: "ON" }));
    server.send(update("Light_FF_Son_Ceiling", "OnOff", "ON", "OnOff", "OFF"));
    server.send(update("Temperature_GF_Kitchen", "Decimal", "21.5", "Decimal", "19.9"));
    server.send(update("Presence_Alex", "OnOff", "OFF", "OnOff", "ON"));
    server.send(update("Presence_Sam", "UnDef", "UNDEF", "UnDef", "NULL"));
    // An item made after the load (ItemAddedEvent carries the ItemDTO, without a state), then its first state.
    server.send(
      server.event("openhab/items/Garage_Temperature/added", "ItemAddedEvent", {
        type: "Number:Temperature",
        name: "Garage_Temperature",
        tags: [],
        groupNames: ["Garden"],
      }),
    );
    server.send(update("Garage_Temperature", "Quantity", "4.5 °C", "UnDef", "NULL"));

    const events = () => t.samples.slice(before);
    await waitFor(() => events().some((s) => s.tags.includes("openhab_item:garage_temperature")), "the new item's state");
    const got = events().map((s) => [s.metric, s.value, s.unit, s.tags.find((x) => x.startsWith("openhab_item:") || x.startsWith("person:"))]);
    expect(got).toEqual([
      ["openhab.power", 1850, "W", "openhab_item:stove_power"],
      ["openhab.light", 1, undefined, "openhab_item:light_ff_son_ceiling"],
      ["openhab.temperature", 21.5, undefined, "openhab_item:temperature_gf_kitchen"],
      ["presence.home", 0, undefined, "person:alex"],
      ["openhab.switch", 0, undefined, "openhab_item:presence_alex"],
      ["openhab.temperature", 4.5, "°C", "openhab_item:garage_temperature"],
    ]);
    // At its arrival, not at lastStateUpdate: that is when the state before this one was set.
    expect(events().find((s) => s.metric === "openhab.temperature")!.time).toBeGreaterThanOrEqual(sentAt);
    expect(await metricsText(t)).toContain('hearth_integration_skipped_values_total{instance="house",reason="undef"} 1');
  });

  it("reconnects a dropped stream and resynchronises every item from /rest/items, sending again only what changed meanwhile; only this instance is degraded", async () => {
    server = await new OpenhabServer([...demoItems(), ...houseItems()], { token: TOKEN }).start();
    const t = await start();
    await waitFor(() => server!.openStreams === 1 && byItem(t, "Stove_Power").length > 0, "the stream");
    expect(server.count("/rest/items")).toBe(1);
    const loaded = t.samples.length;
    const nullsAtStart = /reason="null"\} (\d+)/.exec(await metricsText(t))![1];

    // openHAB restarts: the connection breaks, and a state changes while nobody listens.
    const droppedAt = Date.now();
    server.dropStreams();
    (server.items.find((i) => i.name === "Stove_Power") as { state: string }).state = "2400 W";
    await waitFor(async () => (await healthOf(t)).components["integration:house"]?.state === "degraded", "the instance to be degraded");
    const h = await healthOf(t);
    expect(h.status).toBe("degraded");
    expect(h.components.broker?.state).toBe("ok");
    expect(h.components["integration:house"]!.info).toMatchObject({ code: "HEARTH_E_INTEGRATION_FAILED", retry_in_ms: 1000 });

    await waitFor(() => byItem(t, "Stove_Power").some((s) => s.value === 2400), "the state changed during the outage", 15_000);
    expect(server.count("/rest/items")).toBe(2);
    expect(server.openStreams).toBe(1);
    expect((await healthOf(t)).components["integration:house"]!.state).toBe("ok");
    // The reload sent the one state that changed, at the reload; every other state is still the
    // point of its time, not a new one (and a NULL is not counted again).
    expect(t.samples.slice(loaded).map((s) => [s.metric, s.value, s.tags.find((x) => x.startsWith("openhab_item:"))])).toEqual([
      ["openhab.power", 2400, "openhab_item:stove_power"],
    ]);
    expect(t.samples.at(-1)!.time).toBeGreaterThan(droppedAt);
    expect(/reason="null"\} (\d+)/.exec(await metricsText(t))![1]).toBe(nullsAtStart);

    // Stopping the hub closes the stream: openHAB is left with no listener.
    await t.hub.stop();
    hub = undefined;
    await waitFor(() => server!.openStreams === 0, "the stream to close");
    const stored = queryStore<{ item: string; n: number }>(
      t.dir,
      "SELECT s.tags AS item, COUNT(*) AS n FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric LIKE 'openhab.%' GROUP BY s.id",
    );
    fs.rmSync(t.dir, { recursive: true, force: true });
    // In the store: one point per series from the load, and the change's second one.
    expect(stored.filter((r) => r.n !== 1).map((r) => [/openhab_item:[a-z_]+/.exec(r.item)![0], r.n])).toEqual([["openhab_item:stove_power", 2]]);
  });

  it("treats a stream whose keep-alives stop as dropped, and reconnects", async () => {
    server = await new OpenhabServer(houseItems(), { token: TOKEN }).start();
    const t = await start();
    await waitFor(() => server!.openStreams === 1, "the stream");
    // A 1 s keep-alive interval, then silence on a connection that stays open (a half-open TCP connection).
    server.send('event: alive\ndata: {"type":"ALIVE","interval":1}\n\n');
    await waitFor(async () => (await healthOf(t)).components["integration:house"]?.detail?.includes("sent no keep-alive for 3s"), "the watchdog", 15_000);
    await waitFor(() => server!.count("/rest/items") === 2, "the reconnection", 15_000);
  });

  it("reports a refused token as degraded with the auth code, without the token in the message", async () => {
    server = await new OpenhabServer(houseItems(), { token: TOKEN }).start();
    const t = await start({}, "oh.wrong-token");
    await waitFor(async () => (await healthOf(t)).components["integration:house"]?.state === "degraded", "the refusal");
    const c = (await healthOf(t)).components["integration:house"]!;
    expect(c.info?.code).toBe("HEARTH_E_INTEGRATION_AUTH");
    expect(c.detail).toContain("HTTP 401");
    expect(c.detail).not.toContain("oh.wrong-token");
    expect(t.samples.filter((s) => s.metric.startsWith("openhab."))).toEqual([]);
  });
});
