import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { checkReferences } from "../../src/config/references.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-notify-config-"));
  dirs.push(dir);
  return dir;
}

/** Writes hearth.yaml and rules/ as given (YAML text, so positions are the test's own) and loads them as `hearth check` does. */
function load(config: string, rules: Record<string, string> = {}, env: Record<string, string> = {}, dir = tempDir()) {
  fs.writeFileSync(path.join(dir, "hearth.yaml"), config);
  fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
  for (const [name, text] of Object.entries(rules)) fs.writeFileSync(path.join(dir, "rules", name), text);
  const result = loadAll({ configFile: path.join(dir, "hearth.yaml"), rulesDir: path.join(dir, "rules"), env, check: checkReferences });
  return { result, problems: result.ok ? [] : result.issues.map((i) => formatIssue(i).replaceAll(`${dir}/`, "")) };
}

describe("notification settings", () => {
  it("reads transports and recipients, with secrets from the environment and from files", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "smtp-password"), "mail-password\n");
    const { result } = load(
      `version: 1
notify:
  smtp:
    host: smtp.example.com
    username: hearth@example.com
    password: \${file:${path.join(dir, "smtp-password")}}
    from: "Hearth <hearth@example.com>"
  pushover:
    token: \${PUSHOVER_TOKEN}
  recipients:
    alex:
      email: alex@example.com
      ntfy: {topic: alex-7f3k9q}
      pushover: \${PUSHOVER_USER}
    sam:
      email: [sam@example.com, sam@work.example]
`,
      {},
      { PUSHOVER_TOKEN: "app-token", PUSHOVER_USER: "user-key" },
      dir,
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
    const notify = result.loaded.config.notify;
    expect(notify.smtp).toMatchObject({ host: "smtp.example.com", security: "starttls", password: "mail-password" });
    expect(notify.recipients).toEqual({
      alex: { email: ["alex@example.com"], ntfy: "alex-7f3k9q", pushover: { user: "user-key", device: undefined } },
      sam: { email: ["sam@example.com", "sam@work.example"] },
    });
    expect(notify).toMatchObject({
      ntfy: { url: "https://ntfy.sh" },
      pushover: { token: "app-token" },
      retry: { min: 5_000, max: 300_000 },
      max_age: 86_400_000,
      timeout: 30_000,
    });
  });

  it("reports every transport a recipient needs and lacks, every unknown name, with positions and the name meant", () => {
    const { problems } = load(`version: 1
notify:
  operators: [alx]
  webhooks:
    ops: {url: "https://hooks.example.com/hearth"}
  recipients:
    alex:
      email: alex@example.com
      ntfy: "not a topic!"
      gotify: true
      webhook: [opps]
    sam:
      pushover: {user: abc}
`);
    expect(problems).toEqual([
      'hearth.yaml:3:15: notify.operators[0]: no recipient named "alx" in notify.recipients (did you mean "alex"?)',
      "hearth.yaml:8:14: notify.recipients.alex.email: email needs notify.smtp (the mail server)",
      "hearth.yaml:9:13: notify.recipients.alex.ntfy: an ntfy topic holds letters, digits, '-' and '_' (at most 64): pick one that is hard to guess, got \"not a topic!\"",
      "hearth.yaml:10:15: notify.recipients.alex.gotify: gotify needs notify.gotify (the server's url)",
      'hearth.yaml:11:16: notify.recipients.alex.webhook: no webhook named "opps" in notify.webhooks (did you mean "ops"?)',
      "hearth.yaml:13:17: notify.recipients.sam.pushover: pushover needs notify.pushover (your application's token)",
    ]);
  });

  it("checks that every recipient a monitor or calendar names exists, at the monitor's position, and that the mail server's CA file can be read", () => {
    const { problems } = load(
      `version: 1
notify:
  smtp: {host: mail.lan, security: none, from: hearth@example.com, ca_file: /nonexistent/ca.pem}
  recipients:
    household: {}
    alex: {}
`,
      {
        "alerts.yaml": `monitors:
  - name: tank pH
    query: "avg(last_15m):hydro.ph{*} > 6.5"
    recipients: [houshold, alex]
calendars:
  - name: nights
    timezone: Europe/Berlin
    windows: [{from: "22:00", to: "06:00"}]
    recipients: [bob]
`,
      },
    );
    expect(problems).toEqual([
      "hearth.yaml: notify.smtp.ca_file: cannot read /nonexistent/ca.pem (ENOENT)",
      'rules/alerts.yaml:2:5: monitor "tank pH": no recipient named "houshold" (did you mean "household"?); recipients are defined under notify.recipients in ' +
        "hearth.yaml",
      'rules/alerts.yaml:6:5: calendar "nights": no recipient named "bob" (known: household, alex); recipients are defined under notify.recipients in hearth.yaml',
    ]);
  });

  it("lets a rules entry replace or turn off a built-in hearth.* monitor, and names the ones that exist", () => {
    const { problems } = load("version: 1\n", {
      "hearth.yaml": `monitors:
  - name: hearth.store_size
    type: hearth
    thresholds: {warning: 95, critical: 90}
  - name: hearth.datadog_keys
    type: hearth
    enabled: false
`,
    });
    expect(problems).toEqual([
      "rules/hearth.yaml:4:27: monitors[0].thresholds.warning: must be below the critical threshold 90",
      'rules/hearth.yaml:5:11: monitors[1].name: a hearth monitor is named after what it watches: one of hearth.datadog_key, hearth.datadog_backlog, hearth.store_size, hearth.component_down, hearth.notify_failing (did you mean "hearth.datadog_key"?)',
    ]);
  });
});
