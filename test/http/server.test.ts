import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/** This machine's address on its LAN interface: a request to it does not come from loopback. */
function lanAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  throw new Error("this machine has no non-loopback IPv4 address, which the bearer-token test needs");
}

describe("HTTP server", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { http: { host: "0.0.0.0", port: 0, token: "${TEST_HTTP_TOKEN}" } }, env: { TEST_HTTP_TOKEN: "s3cret-token" } });
  });
  afterAll(() => t.stop());

  it("answers /healthz with every component and the ports actually bound", async () => {
    const r = await fetch(`${t.httpUrl}/healthz`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      status: string;
      host: string;
      ports: { mqtt: number; http: number };
      components: Record<string, { state: string; critical: boolean }>;
    };
    expect(body.status).toBe("ok");
    expect(body.host).toBe("test-host");
    expect(body.ports).toEqual({ mqtt: t.mqttPort, http: t.hub.http.port });
    expect(body.components.broker).toMatchObject({ state: "ok", critical: true });
  });

  it("serves the latest value of each series, filtered by metric or prefix", async () => {
    await mosquittoPub(t.mqttPort, "tele/plug1/SENSOR", '{"ENERGY":{"Power":120,"Voltage":231}}');
    await waitFor(() => t.samples.length >= 2, "two samples");
    const all = (await (await fetch(`${t.httpUrl}/api/series`)).json()) as { series: { metric: string; value: number; unit: string; tags: string[] }[] };
    expect(all.series.map((s) => s.metric).sort()).toEqual(["power.voltage", "power.watts"]);
    const one = (await (await fetch(`${t.httpUrl}/api/series?metric=power.watts`)).json()) as typeof all;
    expect(one.series).toMatchObject([{ metric: "power.watts", value: 120, unit: "W", tags: ["device:plug1", "source:tasmota"] }]);
    const prefix = (await (await fetch(`${t.httpUrl}/api/series?metric=power.*`)).json()) as typeof all;
    expect(prefix.series).toHaveLength(2);
  });

  it("serves Prometheus text with hearth_ names", async () => {
    const r = await fetch(`${t.httpUrl}/metrics`);
    expect(r.headers.get("content-type")).toContain("text/plain");
    const text = await r.text();
    expect(text).toMatch(/^hearth_ingest_samples_total \d+$/m);
    expect(text).toMatch(/^hearth_process_resident_memory_bytes \d+/m);
    expect(text.split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith("hearth_"))).toEqual([]);
  });

  it("asks machines other than this one for the bearer token, and never logs it", async () => {
    const url = `http://${lanAddress()}:${t.hub.http.port}`;
    const refused = await fetch(`${url}/api/series`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: "HEARTH_E_HTTP_UNAUTHORIZED" });
    expect((await fetch(`${url}/healthz`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${url}/healthz`, { headers: { authorization: "Bearer s3cret-token" } })).status).toBe(200);
    expect((await fetch(`${url}/`)).status).toBe(200); // the status page's HTML holds no data
    expect(JSON.stringify(t.logs.entries)).not.toContain("s3cret-token");
  });
});
