import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "integrations/**/*.test.ts"],
    // The browser and demo tests are a slower step of their own: npm run test:browser.
    exclude: ["test/browser/**", "**/node_modules/**"],
    // Real brokers, databases and child processes: give slow machines room, never retry silently.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/setup/services.ts"],
  },
});
