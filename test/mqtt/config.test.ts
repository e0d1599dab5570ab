import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { checkReferences } from "../../src/config/references.js";
import { formatEntry, hashPassword } from "../../src/mqtt/passwd.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-mqtt-config-"));
const rulesDir = path.join(dir, "rules");
fs.mkdirSync(rulesDir);
fs.writeFileSync(path.join(rulesDir, "presets.yaml"), "presets: [tasmota]\n");

function check(yaml: string, env: Record<string, string> = {}) {
  const configFile = path.join(dir, "hearth.yaml");
  fs.writeFileSync(configFile, yaml);
  const result = loadAll({ configFile, rulesDir, env, check: checkReferences });
  return { result, problems: result.ok ? [] : result.issues.map(formatIssue).map((l) => l.replace(`${dir}/`, "")) };
}

describe("the mqtt: section is checked before anything connects, every problem with its position", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("points at ACL entries that say nothing about whom they are for, or grant nothing, and at bad patterns", () => {
    const { problems } = check(
      [
        "mqtt:",
        "  acl:",
        "    - publish: [tele/#]", // line 3
        "    - user: alice", // line 4
        "    - user: bob", // line 5
        "      subscribe: [tele/#/x]",
      ].join("\n"),
    );
    expect(problems).toEqual([
      "hearth.yaml:3:7: mqtt.acl[0]: say whom this entry is for with exactly one of user: NAME, anonymous: true or everyone: true",
      "hearth.yaml:4:7: mqtt.acl[1]: an entry needs at least one of publish, subscribe or both",
      "hearth.yaml:6:19: mqtt.acl[2].subscribe[0]: \"tele/#/x\": '#' is only allowed as the last level",
    ]);
  });

  it("reads the password file: a bad line is reported where it is, and an ACL user it lacks is named with a suggestion", async () => {
    const passwd = path.join(dir, "passwd");
    fs.writeFileSync(passwd, `${formatEntry("tasmota", await hashPassword("x", { ln: 10, r: 8, p: 1 }))}\nalice:plaintext\n`);
    const { problems } = check(["mqtt:", `  password_file: ${passwd}`, "  acl:", "    - user: tasmot", "      publish: [tele/%c/#]"].join("\n"));
    expect(problems).toEqual([
      'hearth.yaml:4:13: mqtt.acl[0].user: "tasmot" is not in the password file ' + passwd + ' (did you mean "tasmota"?)',
      `passwd:2:7: user "alice": expected "user:$scrypt$ln=…,r=…,p=…$salt$hash" (write it with \`hearth passwd FILE USER\`)`,
    ]);
  });

  it("points at a password file or certificate that is not there", () => {
    const { problems } = check(
      ["mqtt:", `  password_file: ${dir}/missing-passwd`, "  tls:", `    cert: ${dir}/nope.crt`, `    key: ${dir}/nope.key`].join("\n"),
    );
    expect(problems).toEqual([
      `hearth.yaml:2:18: mqtt.password_file: ${dir}/missing-passwd: password file not found (create it with \`hearth passwd FILE USER\`)`,
      `hearth.yaml:4:11: mqtt.tls.cert: cannot read ${dir}/nope.crt: ENOENT`,
      `hearth.yaml:5:10: mqtt.tls.key: cannot read ${dir}/nope.key: ENOENT`,
    ]);
  });

  it("checks bridges: URL, unique names, reserved local topics, a client certificate without its key", () => {
    const { problems } = check(
      [
        "mqtt:",
        "  bridges:",
        "    - name: house",
        "      url: http://192.168.1.10", // line 4
        "      topics: [{topic: 'tele/#'}]",
        "    - name: house", // line 6
        "      url: mqtt://192.168.1.10",
        "      tls: {cert: /x.crt}", // line 8
        "      topics:",
        "        - topic: '#'",
        "          local_prefix: hearth/", // line 11
      ].join("\n"),
    );
    expect(problems).toEqual([
      "hearth.yaml:4:12: mqtt.bridges[0].url: expected a broker URL such as mqtt://192.168.1.10:1883, mqtts://broker:8883 or ws://broker:9001/mqtt",
      'hearth.yaml:6:13: mqtt.bridges[1].name: a bridge named "house" already exists; names must be unique',
      "hearth.yaml:8:12: mqtt.bridges[1].tls: a client certificate needs both cert and key",
      'hearth.yaml:11:25: mqtt.bridges[1].topics[0].local_prefix: messages coming in would land on Hearth\'s own "hearth/" topics',
    ]);
  });

  it("applies HEARTH_MQTT_TLS_PORT and HEARTH_MQTT_WS_PORT to listeners the file turns on, and to no others", () => {
    const off = check("mqtt: {}\n", { HEARTH_MQTT_TLS_PORT: "18883", HEARTH_MQTT_WS_PORT: "19001" });
    expect(off.problems).toEqual([]);
    const mqtt = off.result.ok ? off.result.loaded.config.mqtt : undefined;
    expect(mqtt?.tls).toBeUndefined();
    expect(mqtt?.websocket).toBeUndefined();
    const on = check("mqtt:\n  websocket: {port: 9001}\n", { HEARTH_MQTT_WS_PORT: "19001" });
    expect(on.result.ok && on.result.loaded.config.mqtt.websocket).toEqual({ port: 19001 });
  });
});
