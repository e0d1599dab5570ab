import type { FastifyInstance } from "fastify";
import type { Sourced } from "../config-kit/issues.js";
import { CROP_PROFILES, type Range } from "../house/crops.js";
import type { Tank } from "../house/schema.js";

const pair = (p: readonly [number, number] | undefined): Range | undefined => (p ? { min: p[0], max: p[1] } : undefined);

/**
 * GET /api/house: what the rules say the house is, for the status page's cards: each tank with
 * its crop and the pH and EC ranges its readings are judged against (the tank's own, else the crop's).
 */
export function registerHouseApi(app: FastifyInstance, tanks: () => ReadonlyMap<string, Sourced<Tank>>): void {
  app.get("/api/house", () => ({
    tanks: [...tanks()].map(([name, t]) => {
      const crop = t.crop ? CROP_PROFILES[t.crop] : undefined;
      return { name, crop: t.crop ?? null, ph_range: pair(t.ph_range) ?? crop?.ph ?? null, ec_range: pair(t.ec_range) ?? crop?.ec ?? null };
    }),
  }));
}
