import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { writeTestConfig } from "../helpers/hub.js";
import { RecordingServer } from "../helpers/recorder.js";
import { TestSmtpServer } from "../helpers/smtp.js";

/** `hearth notify test RECIPIENT`: one message through each channel, and what each server answered. */
describe("hearth notify test", () => {
  const smtp = new TestSmtpServer();
  const ntfy = new RecordingServer(() => ({ status: 200, body: '{"id":"sE4mZ1","event":"message","topic":"alex-topic"}' }));
  // Gotify's answer to a token it does not know (its API's 401 error body).
  const gotify = new RecordingServer(() => ({
    status: 401,
    body: '{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}',
  }));
  let files: { dir: string; configFile: string; rulesDir: string };

  beforeAll(async () => {
    await Promise.all([smtp.start(), ntfy.start(), gotify.start()]);
    files = writeTestConfig({
      config: {
        notify: {
          smtp: { host: "127.0.0.1", port: smtp.port, security: "none", from: "hearth@example.com" },
          ntfy: { url: ntfy.url },
          gotify: { url: gotify.url, token: "revoked" },
          recipients: { alex: { email: "alex@example.com", ntfy: "alex-topic", gotify: true }, nobody: {} },
        },
      },
    });
  });
  afterAll(async () => {
    await Promise.all([smtp.stop(), ntfy.stop(), gotify.stop()]);
    fs.rmSync(files.dir, { recursive: true, force: true });
  });

  const run = (recipient: string) => runCli(["notify", "test", recipient, "--config", files.configFile, "--rules", files.rulesDir]);

  it("sends through every channel, prints each server's answer, and exits 1 when one failed", async () => {
    const r = await run("alex");
    expect(r.stdout.split("\n")).toEqual([
      "ok      email to alex@example.com: 250 OK: message queued",
      `ok      ntfy topic alex-topic on ${ntfy.url}: 200 {"id":"sE4mZ1","event":"message","topic":"alex-topic"}`,
      `FAILED  Gotify on ${gotify.url}: 401 {"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}`,
      "",
    ]);
    expect(r.stderr).toBe("hearth: 1 of 3 channels of alex failed\n");
    expect(r.code).toBe(1);
    expect(smtp.received.map((m) => [m.to, m.mail.subject, m.mail.text])).toEqual([
      [["alex@example.com"], "Hearth test message", "A test from Hearth on test-host: email to alex@example.com reaches alex.\n\n— Hearth on test-host\n"],
    ]);
    expect(JSON.parse(ntfy.requests[0]!.body)).toMatchObject({ topic: "alex-topic", title: "Hearth test message", priority: 3, tags: ["wave"] });
    expect(gotify.requests[0]!.headers["x-gotify-key"]).toBe("revoked");
  });

  it("names the recipient that was meant, and one without channels", async () => {
    expect(await run("alx")).toMatchObject({
      code: 1,
      stderr: `hearth: no recipient named "alx" in notify.recipients of ${files.configFile} (did you mean "alex"?)\n`,
    });
    expect(await run("nobody")).toMatchObject({
      code: 1,
      stderr: "hearth: nobody has no channel in notify.recipients: add email, ntfy, pushover, gotify or webhook\n",
    });
  });
});
