import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load.js";
import { formatIssue } from "../../src/config-kit/issues.js";

const write = (text: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-int-config-"));
  const file = path.join(dir, "hearth.yaml");
  fs.writeFileSync(file, text);
  return file;
};

describe("integration instances in config/hearth.yaml", () => {
  it("are validated before anything connects, every problem at once with its position", () => {
    const file = write(`version: 1
integrations:
  house:
    type: openhab
    urll: http://openhab.lan:8080
    token: \${OPENHAB_TOKEN}
    username: hearth
    password: secret
  lab:
    type: proxmox
    url: https://pve1.lan:8006
    token_id: hearth@pve
    token_secret: x
    fingerprint: 9A:3F:51:0C:7E:22:D4:18:B6:90:4E:AA:13:5C:F2:61:08:D7:3B:C9:45:E0:1A:77:6D:82:F4:3C:19:B5:0E:6A
    insecure: true
  db:
    type: postgress
  story:
    type: my_metric
    min_collection_interval: soon
`);
    const { config, issues } = loadConfigFile(file, { OPENHAB_TOKEN: "oh.x" });
    expect(config).toBeUndefined();
    const lines = issues.map(formatIssue).map((l) => l.replace(file, "hearth.yaml"));
    expect(lines).toEqual(
      expect.arrayContaining([
        'hearth.yaml:5:5: integrations.house: unknown key "urll" (did you mean "url"?)',
        "hearth.yaml:4:5: integrations.house.url is required",
        'hearth.yaml:12:15: integrations.lab.token_id: expected "USER@REALM!TOKENID", e.g. "hearth@pve!monitoring", got "hearth@pve"',
        'hearth.yaml:17:11: integrations.db.type must be one of "my_metric", "openhab", "postgres", "proxmox", got "postgress" (did you mean "postgres"?)',
        'hearth.yaml:20:30: integrations.story.min_collection_interval: expected a duration such as "30s", "5m", "2h" or "1d"',
      ]),
    );
    expect(lines).toContain("hearth.yaml:15:15: integrations.lab.insecure: choose one way to trust the certificate: fingerprint and insecure are both set");
    expect(lines).toHaveLength(6);
  });

  it("checks across fields of one instance once its fields are valid", () => {
    const file = write(`integrations:
  house:
    type: openhab
    url: http://openhab.lan:8080
    token: oh.x
    username: hearth
    password: secret
  lab:
    type: proxmox
    url: https://pve1.lan:8006
    token_id: hearth@pve!monitoring
    token_secret: x
    fingerprint: 9A:3F:51:0C:7E:22:D4:18:B6:90:4E:AA:13:5C:F2:61:08:D7:3B:C9:45:E0:1A:77:6D:82:F4:3C:19:B5:0E:6A
    insecure: true
  lab2:
    type: proxmox
    url: https://pve2.lan:8006
    token_id: hearth@pve!monitoring
    token_secret: x
    ca_file: /nonexistent/pve-root-ca.pem
`);
    const lines = loadConfigFile(file, {})
      .issues.map(formatIssue)
      .map((l) => l.replace(file, "hearth.yaml"));
    expect(lines).toEqual([
      "hearth.yaml:5:12: integrations.house.token: give either token or username and password, not both",
      "hearth.yaml:14:15: integrations.lab.insecure: choose one way to trust the certificate: fingerprint and insecure are both set",
      'hearth.yaml:20:14: integrations.lab2.ca_file: cannot read "/nonexistent/pve-root-ca.pem"',
    ]);
  });
});
