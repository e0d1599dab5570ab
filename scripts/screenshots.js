// Regenerates docs/images/status-wide.png and status-phone.png: runs the demo on ports of its
// own until its story has the stove alert firing and the tank's pH in warning, then photographs
// the status page in Debian's Chromium at 1280 px and 390 px. `npm run screenshots` (about 2 min).
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "docs", "images");

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const data = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-screenshots-"));
const httpPort = await freePort();
const env = { ...process.env, HEARTH_HTTP_PORT: String(httpPort), HEARTH_MQTT_PORT: String(await freePort()), HEARTH_DATA_DIR: data };
const hub = spawn(process.execPath, [path.join(root, "dist/src/cli/main.js"), "start", "--config", "config/demo.yaml", "--rules", "rules", "--no-live"], {
  cwd: root,
  env,
  stdio: "ignore",
});
const url = `http://127.0.0.1:${httpPort}`;
let browser;
try {
  process.stdout.write("Waiting for the story to reach the stove alert and the pH warning…\n");
  await until(
    "the alerts",
    async () => {
      const { alerts } = await (await fetch(`${url}/api/alerts`)).json();
      return (
        alerts.some((a) => a.monitor === "left on with nobody home" && a.state === "ALERT") && alerts.some((a) => a.monitor === "tank pH" && a.state === "WARN")
      );
    },
    240_000,
  );
  browser = await launchChromium();
  fs.mkdirSync(out, { recursive: true });
  for (const [name, width, height] of [
    ["wide", 1280, 900],
    ["phone", 390, 844],
  ]) {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${url}/`);
    await page.waitForSelector(".card.appliance");
    await page.locator(".series", { hasText: "appliance:stove" }).filter({ hasText: "power.watts" }).first().click();
    await page.waitForFunction(() => globalThis.hearthChart); // runs in the page, where globalThis is window
    await page.waitForTimeout(300);
    const file = path.join(out, `status-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    process.stdout.write(`${path.relative(root, file)}\n`);
    await page.close();
  }
} finally {
  await browser?.close();
  hub.kill("SIGINT");
  await new Promise((r) => hub.once("exit", r));
  fs.rmSync(data, { recursive: true, force: true });
}
