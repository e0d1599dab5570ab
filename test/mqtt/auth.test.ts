import { describe, expect, it } from "vitest";
import { Acl } from "../../src/mqtt/acl.js";
import { authenticate, authorizePublish, authorizeSubscribe, mayReceive, type BrokerPolicy } from "../../src/mqtt/auth.js";
import { hashPassword } from "../../src/mqtt/passwd.js";
import { MqttConfig } from "../../src/mqtt/schema.js";

/** Cheaper scrypt parameters than the default, so the suite stays quick; the default is tested in passwd.test.ts. */
const CHEAP = { ln: 10, r: 8, p: 1 };

const aclOf = (acl: unknown) => Acl.compile(MqttConfig.parse({ acl }).acl!);

const plug = { user: "tasmota", clientId: "plug1" };
const phone = { user: "alice", clientId: "phone" };
const anon = { user: undefined, clientId: "dashboard" };

describe("ACL (mqtt.acl), the way Mosquitto's ACL file works", () => {
  const acl = aclOf([
    { user: "tasmota", publish: ["tele/%c/#", "stat/%c/#"], subscribe: ["cmnd/%c/#"] },
    { user: "alice", both: ["owntracks/%u/#"], subscribe: ["tele/+/SENSOR"] },
    { anonymous: true, subscribe: ["tele/+/LWT"] },
    { everyone: true, publish: ["clients/%c/status"] },
  ]);

  it("fills in %c with the client id and %u with the user name", () => {
    expect(acl.mayPublish(plug, "tele/plug1/SENSOR")).toBe(true);
    expect(acl.mayPublish(plug, "tele/plug2/SENSOR")).toBe(false);
    expect(acl.mayPublish(phone, "owntracks/alice/phone")).toBe(true);
    expect(acl.mayPublish(phone, "owntracks/bob/phone")).toBe(false);
  });

  it("checks a subscription against what the patterns cover, and each delivery against the topic", () => {
    expect(acl.maySubscribe(phone, "tele/+/SENSOR")).toBe(true);
    expect(acl.maySubscribe(phone, "tele/kitchen/SENSOR")).toBe(true);
    expect(acl.maySubscribe(phone, "tele/#")).toBe(false);
    expect(acl.mayReceive(phone, "tele/kitchen/SENSOR")).toBe(true);
    expect(acl.mayReceive(phone, "tele/kitchen/STATE")).toBe(false);
  });

  it("gives anonymous clients the anonymous entry and everyone's, and %u nothing", () => {
    expect(acl.maySubscribe(anon, "tele/+/LWT")).toBe(true);
    expect(acl.maySubscribe(anon, "tele/+/SENSOR")).toBe(false);
    expect(acl.mayPublish(anon, "clients/dashboard/status")).toBe(true);
    expect(acl.mayPublish(plug, "clients/plug1/status")).toBe(true);
  });

  it("gives nothing through a personal pattern to a client whose id or name holds '/', '+' or '#' (CVE-2017-7650)", () => {
    expect(acl.mayPublish({ user: "tasmota", clientId: "#" }, "tele/x/SENSOR")).toBe(false);
    expect(acl.mayPublish({ user: "tasmota", clientId: "plug1/../plug2" }, "tele/plug1/../plug2/SENSOR")).toBe(false);
    expect(acl.mayPublish({ user: "alice/x", clientId: "p" }, "owntracks/alice/x/p")).toBe(false);
  });
});

describe("broker policy", () => {
  const policy = async (over: Partial<BrokerPolicy> = {}): Promise<BrokerPolicy> => ({
    allowAnonymous: false,
    passwords: new Map([["tasmota", await hashPassword("s3cret", CHEAP)]]),
    acl: undefined,
    maxPayloadBytes: 100,
    ...over,
  });
  const login = (p: BrokerPolicy, username: string | undefined, password: string | undefined, will?: string) =>
    authenticate(p, {
      clientId: "plug1",
      username,
      password: password === undefined ? undefined : Buffer.from(password),
      ...(will ? { will: { topic: will, payload: Buffer.from("Offline") } } : {}),
    });

  it("lets a user in with the right password, and answers CONNACK 4 to a wrong password or an unknown user", async () => {
    const p = await policy();
    expect(await login(p, "tasmota", "s3cret")).toEqual({ ok: true, identity: { user: "tasmota", clientId: "plug1" } });
    expect(await login(p, "tasmota", "wrong")).toMatchObject({ ok: false, returnCode: 4, reason: "bad_credentials", why: 'wrong password for user "tasmota"' });
    expect(await login(p, "mallory", "s3cret")).toMatchObject({ ok: false, returnCode: 4, why: 'unknown user "mallory"' });
  });

  it("answers CONNACK 5 to a client without credentials unless anonymous access is on", async () => {
    expect(await login(await policy(), undefined, undefined)).toMatchObject({ ok: false, returnCode: 5, reason: "anonymous" });
    expect(await login(await policy({ allowAnonymous: true }), undefined, undefined)).toMatchObject({ ok: true, identity: { user: undefined } });
    // A wrong password is refused even when anonymous access is on.
    expect(await login(await policy({ allowAnonymous: true }), "tasmota", "wrong")).toMatchObject({ ok: false, returnCode: 4 });
  });

  it("refuses a will the client could not publish itself (CONNACK 5)", async () => {
    const p = await policy({ acl: aclOf([{ user: "tasmota", publish: ["tele/%c/#"] }]) });
    expect((await login(p, "tasmota", "s3cret", "tele/plug1/LWT")).ok).toBe(true);
    expect(await login(p, "tasmota", "s3cret", "tele/plug2/LWT")).toMatchObject({ ok: false, returnCode: 5, reason: "will_denied" });
  });

  it("reserves $-topics and hearth/ for publishing, and limits the payload", async () => {
    const p = await policy();
    expect(authorizePublish(p, plug, "tele/plug1/SENSOR", 10)).toEqual({ ok: true });
    expect(authorizePublish(p, plug, "$SYS/broker/uptime", 10)).toMatchObject({ ok: false, reason: "reserved" });
    expect(authorizePublish(p, plug, "hearth/alerts/stove", 10)).toMatchObject({ ok: false, reason: "reserved" });
    expect(authorizePublish(p, plug, "tele/plug1/SENSOR", 101)).toMatchObject({ ok: false, reason: "too_large" });
  });

  it("lets clients read $SYS/ (ACL permitting) but no other $-topic", async () => {
    const p = await policy();
    expect(authorizeSubscribe(p, plug, "$SYS/#")).toEqual({ ok: true });
    expect(authorizeSubscribe(p, plug, "$hearth/#")).toMatchObject({ ok: false, reason: "reserved" });
    const strict = await policy({ acl: aclOf([{ user: "tasmota", subscribe: ["cmnd/%c/#"] }]) });
    expect(authorizeSubscribe(strict, plug, "cmnd/plug1/POWER")).toEqual({ ok: true });
    expect(authorizeSubscribe(strict, plug, "cmnd/#")).toMatchObject({ ok: false, reason: "acl" });
    expect(mayReceive(strict, plug, "cmnd/plug2/POWER")).toBe(false);
  });
});
