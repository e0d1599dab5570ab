// For the store-only measurement: stands in for @datadog/datadog-api-client, which Hearth imports
// at start even when no API key is set (src/sinks/forwarding.ts imports the sink statically).
// Loaded with `node --import ./bench/no-datadog-client.js`, it shows what Hearth's memory would
// be if the client were imported only when the Datadog sink is on. Never used with the sink on.
import { register } from "node:module";

const stub = `export const client = {}; export const v2 = {}; export const logger = { setLevel() {} };`;
register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier.startsWith("@datadog/datadog-api-client")) return { url: "data:text/javascript,${encodeURIComponent(stub)}", shortCircuit: true };
      return next(specifier, context);
    }`)}`,
  import.meta.url,
);
