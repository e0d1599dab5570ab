import { defineConfig } from "vitest/config";

/** The slower step: the status page in Debian's Chromium, and the demo told in story time. `npm run test:browser`. */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
