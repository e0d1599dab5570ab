import fs from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Sample } from "../../src/pipeline/sample.js";
import { startTestHub, type TestHub } from "../../test/helpers/hub.js";
import { ProxmoxServer } from "../../test/helpers/proxmox-server.js";
import { sampleInstance } from "../../test/helpers/samples.js";
import { selfSignedCertificate, type SelfSigned } from "../../test/helpers/tls.js";
import { waitFor } from "../../test/helpers/wait.js";

const TOKEN_ID = "hearth@pve!monitoring";
const SECRET = "5f0e6c1a-2b7d-4e39-9c1f-0a8b7c6d5e4f";
const recorded = (file: string) => (JSON.parse(fs.readFileSync(new URL(`./testdata/${file}`, import.meta.url), "utf8")) as { data: unknown }).data;

/**
 * The recorded 4-node cluster, plus the recorded containers of nodes-lxc-list.json in the shape
 * /cluster/resources gives them (pve-manager PVE/API2/Cluster.pm: `id` "lxc/<vmid>", `type`,
 * `node`). One container's disk arrives as a string, as in Telegraf's recorded data
 * (influxdata/telegraf plugins/inputs/proxmox/proxmox_test.go).
 */
function clusterResources(): Record<string, unknown>[] {
  const lxc: Record<string, unknown>[] = (recorded("nodes-lxc-list.json") as Record<string, unknown>[]).map((c) => ({
    ...c,
    id: `lxc/${String(c.vmid)}`,
    node: "node2",
  }));
  lxc[0]!.disk = String(lxc[0]!.disk);
  return [...(recorded("cluster-resources-pve8.json") as Record<string, unknown>[]), ...lxc];
}

let cert: SelfSigned;
let server: ProxmoxServer | undefined;
let hub: TestHub | undefined;
beforeAll(() => {
  cert = selfSignedCertificate();
});
afterEach(async () => {
  await hub?.stop();
  await server?.stop();
  hub = undefined;
  server = undefined;
});

async function startServer(): Promise<ProxmoxServer> {
  server = await new ProxmoxServer(cert, `${TOKEN_ID}=${SECRET}`).start();
  server.routes.set("/version", { version: "8.2.4", release: "8.2", repoid: "faa83925c9641325" });
  server.routes.set("/cluster/resources", clusterResources());
  for (const node of ["node1", "node2", "node3", "node4"]) server.routes.set(`/nodes/${node}/status`, recorded("node-status-pve7.4.json"));
  return server;
}

/** The shipped sample.yaml pointed at the local server; trust settings replaced as a test asks. */
async function startHub(trust: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<TestHub> {
  const { instance } = sampleInstance("proxmox");
  const { fingerprint: _sampleFingerprint, ...rest } = instance;
  hub = await startTestHub({ config: { integrations: { lab: { ...rest, url: server!.url, ...trust }, ...extra } }, env: { PVE_TOKEN_SECRET: SECRET } });
  return hub;
}

const of = (samples: Sample[], id: string) => samples.filter((s) => s.tags.includes(`proxmox_id:${id}`)).map((s) => [s.metric, s.value]);
const healthOf = async (t: TestHub) =>
  (await (await fetch(`${t.httpUrl}/healthz`)).json()) as {
    status: string;
    components: Record<string, { state: string; detail?: string; info?: Record<string, unknown> }>;
  };

describe("Proxmox VE", () => {
  it("turns the recorded /cluster/resources and node status into Datadog's Proxmox metrics and tags, over TLS pinned by fingerprint", async () => {
    await startServer();
    const t = await startHub({ fingerprint: cert.fingerprint256, min_collection_interval: 1 });
    await waitFor(() => server!.count("/nodes/node4/status") === 1 && t.samples.some((s) => s.metric === "proxmox.cpu.avg15"), "the first poll", 15_000);
    const first = [...t.samples];
    const serverTag = `proxmox_server:${server!.url}/api2/json`;

    expect(first.find((s) => s.metric === "proxmox.api.up")).toMatchObject({
      value: 1,
      tags: ["proxmox_server:" + `${server!.url}/api2/json`.toLowerCase(), "proxmox_status:up", "site:lab"],
    });
    expect(first.find((s) => s.metric === "proxmox.node.up" && s.tags.includes("proxmox_id:node/node1"))!.tags).toEqual([
      "proxmox_id:node/node1",
      "proxmox_name:node1",
      serverTag.toLowerCase(),
      "proxmox_type:host",
      "proxmox_type:node",
      "site:lab",
    ]);
    expect(of(first, "node/node1")).toEqual([
      ["proxmox.node.count", 1],
      ["proxmox.node.up", 1],
      ["proxmox.cpu", 0.00336910406788121],
      ["proxmox.cpu.max", 8],
      ["proxmox.mem", 2113265664],
      ["proxmox.mem.max", 65919459328],
      ["proxmox.disk", 10486546432],
      ["proxmox.disk.max", 951055941632],
      ["proxmox.uptime", 872854],
      // /nodes/node1/status: load averages arrive as strings ("0.00").
      ["proxmox.cpu.avg1", 0],
      ["proxmox.cpu.avg5", 0],
      ["proxmox.cpu.avg15", 0],
      ["proxmox.cpu.iowait", 0],
      ["proxmox.mem.total", 65919459328],
      ["proxmox.mem.used", 8095399936],
      ["proxmox.swap.total", 0],
      ["proxmox.swap.used", 0],
      ["proxmox.disk.total", 948338819072],
      ["proxmox.disk.used", 10487595008],
    ]);
    expect(of(first, "qemu/100")).toEqual([
      ["proxmox.vm.count", 1],
      ["proxmox.vm.up", 1],
      ["proxmox.cpu", 0.0249060195469461],
      ["proxmox.cpu.max", 1],
      ["proxmox.mem", 842551296],
      ["proxmox.mem.max", 1073741824],
      ["proxmox.disk", 0],
      ["proxmox.disk.max", 34359738368],
      ["proxmox.uptime", 874350],
    ]);
    expect(first.find((s) => s.tags.includes("proxmox_id:qemu/100"))!.tags).toContain("proxmox_node:node2");
    // Stopped: down, not idle. Its own Proxmox tags become proxmox_tag: tags.
    expect(of(first, "qemu/102")).toEqual([
      ["proxmox.vm.count", 1],
      ["proxmox.vm.up", 0],
    ]);
    expect(first.find((s) => s.tags.includes("proxmox_id:qemu/102"))!.tags).toContain("proxmox_tag:go-proxmox_cloud-init");
    // A template never runs: not a guest that could be down.
    expect(of(first, "qemu/101")).toEqual([]);
    expect(of(first, "lxc/101")).toEqual([]);
    // A container: no vCPU count (an unlimited one reports the host's threads), a disk that came as a string.
    expect(of(first, "lxc/106")).toEqual([
      ["proxmox.container.count", 1],
      ["proxmox.container.up", 1],
      ["proxmox.cpu", 0],
      ["proxmox.mem", 34304000],
      ["proxmox.mem.max", 536870912],
      ["proxmox.disk", 640397312],
      ["proxmox.disk.max", 8350298112],
      ["proxmox.uptime", 919760],
    ]);
    expect(of(first, "storage/node1/local-zfs")).toEqual([
      ["proxmox.storage.count", 1],
      ["proxmox.storage.up", 1],
      ["proxmox.disk", 14446702592],
      ["proxmox.disk.max", 955016175616],
    ]);
    expect(first.find((s) => s.tags.includes("proxmox_id:storage/node1/local-zfs"))!.tags).toContain("proxmox_name:local-zfs");
    expect(
      first.filter((s) => s.metric.startsWith("proxmox.net.")),
      "no traffic before there are two readings",
    ).toEqual([]);

    // Between polls: VM 100 received 4096 bytes, VM 200 was deleted.
    const next = clusterResources()
      .filter((r) => r.id !== "qemu/200")
      .map((r) => (r.id === "qemu/100" ? { ...r, netin: (r.netin as number) + 4096 } : r));
    server!.routes.set("/cluster/resources", next);
    const mark = t.samples.length;
    await waitFor(
      () => server!.count("/nodes/node4/status") >= 2 && t.samples.slice(mark).some((s) => s.metric === "proxmox.cpu.avg15"),
      "the second poll",
      15_000,
    );
    const second = t.samples.slice(mark);
    expect(second.filter((s) => s.metric === "proxmox.net.in" && s.tags.includes("proxmox_id:qemu/100")).map((s) => [s.kind, s.value, s.unit])).toEqual([
      ["count", 4096, "B"],
    ]);
    expect(second.filter((s) => s.metric === "proxmox.net.out" && s.tags.includes("proxmox_id:qemu/100")).map((s) => s.value)).toEqual([0]);
    expect(of(second, "qemu/200")).toEqual([]);
    expect(of(first, "qemu/200")).toEqual([
      ["proxmox.vm.count", 1],
      ["proxmox.vm.up", 0],
    ]);
    expect(server!.requests.every((r) => r.authorization === `PVEAPIToken=${TOKEN_ID}=${SECRET}`)).toBe(true);
  });

  it("refuses a certificate whose fingerprint differs from the pinned one before sending the token, and reports the API as down", async () => {
    await startServer();
    const wrong = cert.fingerprint256.replace(/^../, cert.fingerprint256.startsWith("00") ? "11" : "00");
    const t = await startHub({ fingerprint: wrong });
    await waitFor(async () => (await healthOf(t)).components["integration:lab"]?.state === "degraded", "the refusal");
    const c = (await healthOf(t)).components["integration:lab"]!;
    expect(c.info?.code).toBe("HEARTH_E_INTEGRATION_TLS");
    expect(c.detail).toContain(cert.fingerprint256);
    expect(server!.requests).toEqual([]);
    expect(t.samples.filter((s) => s.metric === "proxmox.api.up").map((s) => [s.value, s.tags.find((x) => x.startsWith("proxmox_status:"))])[0]).toEqual([
      0,
      "proxmox_status:down",
    ]);
  });

  it("does not trust a self-signed certificate by default, trusts it through ca_file, and with insecure: true says so in the log", async () => {
    await startServer();
    let t = await startHub({});
    await waitFor(async () => (await healthOf(t)).components["integration:lab"]?.state === "degraded", "the untrusted certificate");
    expect((await healthOf(t)).components["integration:lab"]!.info?.code).toBe("HEARTH_E_INTEGRATION_TLS");
    expect(server!.requests).toEqual([]);
    await t.stop();

    t = await startHub({ ca_file: cert.certFile });
    await waitFor(() => t.samples.some((s) => s.metric === "proxmox.vm.up"), "samples with the CA trusted");
    await t.stop();

    t = await startHub({ insecure: true });
    await waitFor(() => t.samples.some((s) => s.metric === "proxmox.vm.up"), "samples without checking");
    expect(t.logs.find((e) => e.level === 40 && String(e.msg).includes("insecure: true"))).toBeDefined();
  });

  it("degrades only its own instance when the server goes away, while the broker and my_metric carry on", async () => {
    await startServer();
    const t = await startHub({ fingerprint: cert.fingerprint256, min_collection_interval: 1 }, { story: { type: "my_metric", min_collection_interval: 1 } });
    await waitFor(
      async () => (await healthOf(t)).components["integration:lab"]?.state === "ok" && t.samples.some((s) => s.metric === "proxmox.vm.up"),
      "the cluster",
    );
    await server!.stop();
    server = undefined;
    await waitFor(async () => (await healthOf(t)).components["integration:lab"]?.state === "degraded", "the instance to degrade", 15_000);
    const res = await fetch(`${t.httpUrl}/healthz`);
    const h = (await res.json()) as Awaited<ReturnType<typeof healthOf>>;
    expect(res.status).toBe(200);
    expect(h.components.broker!.state).toBe("ok");
    expect(h.components["integration:story"]!.state).toBe("ok");
    expect(h.components["integration:lab"]!.info?.code).toBe("HEARTH_E_INTEGRATION_UNREACHABLE");
    const mark = t.samples.length;
    await waitFor(() => t.samples.slice(mark).some((s) => s.metric === "my_metric"), "my_metric to keep coming");
    await waitFor(() => t.samples.slice(mark).some((s) => s.metric === "proxmox.api.up" && s.value === 0), "the API reported down");
  });
});
