import { randomInt } from "node:crypto";
import { defineIntegration } from "../../src/integration-host/contract.js";
import { MyMetricConfig } from "./schema.js";

/**
 * The custom agent check from Datadog's "write an agent check" guide: every
 * `min_collection_interval` seconds, a random integer from 0 to 1000 as the gauge `my_metric`.
 * Its interval lives in config, so changing it is a config edit and a reload, not a code change.
 */
export default defineIntegration({
  manifest: { name: "my_metric", title: "my_metric" },
  configSchema: MyMetricConfig,
  start(ctx) {
    ctx.every(ctx.config.min_collection_interval, () => {
      ctx.emit.gauge("my_metric", randomInt(0, 1001));
      return Promise.resolve();
    });
    return Promise.resolve();
  },
  probe(config) {
    return Promise.resolve(`no server to reach: draws a value every ${config.min_collection_interval / 1000}s`);
  },
});
