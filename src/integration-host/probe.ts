import { describeError, isHearthError, type ErrorCode } from "../kit/errors.js";
import type { InstanceCommon, Integration } from "./contract.js";

interface ProbeResult {
  instance: string;
  type: string;
  outcome: "answered" | "failed" | "disabled";
  /** What answered ("openHAB 4.2.1 at …, 104 items"), or why nothing did. */
  message: string;
  code?: ErrorCode;
}

/**
 * `hearth check --probe`: every enabled instance tries its server once, all at the same time,
 * each within its own start_timeout. Nothing is emitted and nothing keeps running afterwards.
 */
export async function probeInstances(
  instances: Readonly<Record<string, InstanceCommon>>,
  registry: Readonly<Record<string, Integration>>,
): Promise<ProbeResult[]> {
  const results = await Promise.all(
    Object.entries(instances).map(async ([instance, config]): Promise<ProbeResult> => {
      if (!config.enabled) return { instance, type: config.type, outcome: "disabled", message: "enabled: false" };
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`no answer within ${config.start_timeout / 1000}s`)), config.start_timeout);
      try {
        const answer = registry[config.type]!.probe(config as InstanceCommon & Record<string, unknown>, controller.signal);
        const aborted = new Promise<never>((_, reject) =>
          controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error), { once: true }),
        );
        return { instance, type: config.type, outcome: "answered", message: await Promise.race([answer, aborted]) };
      } catch (err) {
        return { instance, type: config.type, outcome: "failed", message: describeError(err), ...(isHearthError(err) ? { code: err.code } : {}) };
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
    }),
  );
  return results.sort((a, b) => a.instance.localeCompare(b.instance));
}

const LABEL: Record<ProbeResult["outcome"], string> = { answered: "ok", failed: "FAILED", disabled: "off" };

/** One line per instance, as `hearth check --probe` prints them. */
export const formatProbe = (r: ProbeResult): string => `  ${LABEL[r.outcome].padEnd(6)} ${r.instance} (${r.type}): ${r.code ? `${r.code}: ` : ""}${r.message}`;
