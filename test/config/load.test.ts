import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { writeTestConfig } from "../helpers/hub.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function files(configYaml: string, rules: Record<string, string> = { "a.yaml": "presets: [tasmota]\n" }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-load-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "hearth.yaml"), configYaml);
  fs.mkdirSync(path.join(dir, "rules"));
  for (const [n, body] of Object.entries(rules)) fs.writeFileSync(path.join(dir, "rules", n), body);
  return { configFile: path.join(dir, "hearth.yaml"), rulesDir: path.join(dir, "rules"), dir };
}

describe("loading the configuration", () => {
  it("fills defaults from the schema and from where Hearth runs", () => {
    const f = files("version: 1\n");
    const r = loadAll({ ...f, env: { DD_API_KEY: "abc123" } });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
    const c = r.loaded.config;
    expect(c.mqtt).toMatchObject({ host: "0.0.0.0", port: 1883, allow_anonymous: false, listen: true });
    expect(c.http).toEqual({ host: "127.0.0.1", port: 8686, allowed_hosts: [] });
    expect(c.pipeline.flush_interval).toBe(10_000);
    expect(c.host).toBe(os.hostname());
    expect(c.datadog).toMatchObject({ api_key: "abc123", site: "datadoghq.com" });
  });

  it("substitutes ${VAR}, ${VAR:-default} and ${file:…}, typing unquoted numbers", () => {
    const f = files("");
    const secret = path.join(f.dir, "dd_key");
    fs.writeFileSync(secret, "from-a-file\n");
    fs.writeFileSync(
      f.configFile,
      `mqtt:\n  port: \${MQTT_PORT:-1884}\n  host: "\${MQTT_HOST}"\nhttp:\n  token: "\${file:${secret}}"\ntags: ["room:\${ROOM:-attic}", "literal:$\${NOT_A_VAR}"]\n`,
    );
    const r = loadAll({ ...f, env: { MQTT_HOST: "10.0.0.5" } });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
    expect(r.loaded.config.mqtt.port).toBe(1884);
    expect(r.loaded.config.mqtt.host).toBe("10.0.0.5");
    expect(r.loaded.config.http.token).toBe("from-a-file");
    expect(r.loaded.config.tags).toEqual(["room:attic", "literal:${NOT_A_VAR}"]);
  });

  it("lets HEARTH_* environment variables win over the file", () => {
    const f = files("host: from-file\nmqtt:\n  port: 1883\nstorage:\n  dir: /var/lib/x\n");
    const r = loadAll({
      ...f,
      env: {
        HEARTH_HOST: "pve1",
        HEARTH_MQTT_PORT: "0",
        HEARTH_HTTP_HOST: "0.0.0.0",
        HEARTH_HTTP_PORT: "9999",
        HEARTH_DATA_DIR: "/data",
        HEARTH_MQTT_HOST: "127.0.0.1",
      },
    });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
    const c = r.loaded.config;
    expect([c.host, c.mqtt.host, c.mqtt.port, c.http.host, c.http.port, c.storage.dir]).toEqual(["pve1", "127.0.0.1", 0, "0.0.0.0", 9999, "/data"]);
  });

  it("reports a bad override by the variable's name", () => {
    const f = files("version: 1\n");
    const r = loadAll({ ...f, env: { HEARTH_MQTT_PORT: "eighteen" } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map(formatIssue)).toEqual(['environment HEARTH_MQTT_PORT: expected a port number (0-65535), got "eighteen"']);
  });

  it("never shows a secret whose value is wrong, for every key the schema marks secret", () => {
    // An all-digit key from the environment, written unquoted, becomes a number (YAML's plain scalar): the wrong type.
    const KEY = "4815162342";
    const yaml = [
      "datadog:",
      "  api_key: ${KEY}",
      "  app_key: ${KEY}",
      "http:",
      "  token: ${KEY}",
      "mqtt:",
      "  bridges:",
      "    - name: up",
      "      url: mqtts://upstream.example:8883",
      "      username: hub",
      "      password: ${KEY}",
      "      topics: [{topic: a/#}]",
      "notify:",
      "  smtp:",
      "    host: mail.lan",
      "    from: hub@example.com",
      "    username: hub",
      "    password: ${KEY}",
      "  ntfy:",
      "    token: ${KEY}",
      "    username: hub",
      "    password: ${KEY}",
      "  pushover:",
      "    token: ${KEY}",
      "  gotify:",
      "    url: https://gotify.lan",
      "    token: ${KEY}",
      "  webhooks:",
      "    ops:",
      "      url: https://hooks.lan/x",
      "      secret: ${KEY}",
      "  recipients:",
      "    alex:",
      "      pushover: ${KEY}",
      "      gotify:",
      "        token: ${KEY}",
      "    sam:",
      "      pushover:",
      "        user: ${KEY}",
      "      gotify: ${KEY}",
      "integrations:",
      "  oh:",
      "    type: openhab",
      "    url: http://openhab.lan:8080",
      "    token: ${KEY}",
      "  oh2:",
      "    type: openhab",
      "    url: http://openhab.lan:8080",
      "    username: hub",
      "    password: ${KEY}",
      "  pve:",
      "    type: proxmox",
      "    url: https://pve.lan:8006",
      "    token_id: hearth@pve!mon",
      "    token_secret: ${KEY}",
      "",
    ].join("\n");
    const r = loadAll({ ...files(yaml), env: { KEY } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.issues.map(formatIssue);
    for (const m of messages) expect(m).not.toContain(KEY);
    expect(messages.filter((m) => m.includes("got a number (not shown: a secret"))).toHaveLength(r.issues.length);
    // Every secret key of the editors' JSON Schema is among those reported, and a value given in place of a map holding one (gotify: {token}).
    const reported = r.issues.map((i) =>
      /: ([\w.[\]]+): expected/
        .exec(formatIssue(i))?.[1]
        ?.replace(/\[\d+\]/g, "[]")
        .replace(/^(notify\.webhooks|notify\.recipients|integrations)\.\w+/, "$1.*"),
    );
    expect(new Set(reported)).toEqual(new Set([...secretPaths(), "notify.recipients.*.gotify"]));
  });

  it("refuses a version it does not know", () => {
    const f = files("version: 2\n");
    const r = loadAll({ ...f, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(formatIssue(r.issues[0]!)).toMatch(/hearth\.yaml:1:10: version: expected one of 1, got 2|this Hearth understands configuration version 1/);
  });

  it("combines rules files: lists joined, preset options only once, false turns a preset off", () => {
    const { configFile, rulesDir } = writeTestConfig({
      rules: {
        "a.yaml": "presets: {tasmota: {full_topic: '%topic%/%prefix%/'}}\nmappings:\n  - {topic: a/+x, metric: a.x}\n",
        "b.yaml": "mappings:\n  - {topic: b/+x, metric: b.x}\n",
      },
    });
    dirs.push(path.dirname(configFile));
    const r = loadAll({ configFile, rulesDir, env: {} });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
    expect(r.loaded.rules.mappings.map((m) => [m.topic, path.basename(m.source.file), m.source.line])).toEqual([
      ["a/+x", "a.yaml", 3],
      ["b/+x", "b.yaml", 2],
    ]);
    expect(r.loaded.rules.presets.get("tasmota")).toEqual({ full_topic: "%topic%/%prefix%/" });

    fs.writeFileSync(path.join(rulesDir, "c.yaml"), "presets: {tasmota: {}}\n");
    const twice = loadAll({ configFile, rulesDir, env: {} });
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(formatIssue(twice.issues[0]!)).toMatch(/c\.yaml:1:20: preset "tasmota" already has options at .*a\.yaml:1:20/);

    fs.writeFileSync(path.join(rulesDir, "c.yaml"), "presets: {tasmota: false}\n");
    const off = loadAll({ configFile, rulesDir, env: {} });
    if (!off.ok) throw new Error(off.issues.map(formatIssue).join("\n"));
    expect(off.loaded.rules.presets.size).toBe(0);
  });
});

/** The keys config/schema/hearth.schema.json marks writeOnly (a secret), as dotted paths with `*` for a name and `[]` for a list item. */
function secretPaths(): string[] {
  const schema = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../config/schema/hearth.schema.json"), "utf8")) as unknown;
  const found = new Set<string>();
  const walk = (node: unknown, at: string): void => {
    if (typeof node !== "object" || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.writeOnly === true) found.add(at.slice(1));
    for (const [k, v] of Object.entries(n)) {
      if (k === "properties") for (const [name, child] of Object.entries(v as Record<string, unknown>)) walk(child, `${at}.${name}`);
      else if (k === "items") walk(v, `${at}[]`);
      else if (k === "additionalProperties") walk(v, `${at}.*`);
      else if (k === "anyOf" || k === "oneOf" || k === "allOf") for (const option of v as unknown[]) walk(option, at);
    }
  };
  walk(schema, "");
  return [...found].sort();
}
