// Debian's Chromium, launched the one way Hearth's browser tests and its screenshots need: headless,
// a fresh profile, and nothing fetched but the pages opened (no updates, sync or QUIC probes).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

/** Debian's Chromium (apt-get install -y chromium), or HEARTH_CHROMIUM. */
const CHROMIUM = process.env.HEARTH_CHROMIUM ?? "/usr/bin/chromium";

const OFFLINE_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A persistent context on a fresh profile; `close` closes it and removes the profile. */
export async function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set HEARTH_CHROMIUM)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: OFFLINE_FLAGS });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
