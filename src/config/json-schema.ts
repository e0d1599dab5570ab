import { z } from "zod";
import { RulesFile } from "../rules/schema.js";
import { HearthConfig } from "./schema.js";

/**
 * The editor's view of the schemas: draft-07 (what yaml-language-server understands) in
 * "input" form, so fields with defaults are optional and durations show as the strings the
 * homeowner writes. Generated from the zod schemas, never edited by hand.
 */
export function jsonSchemas(): Record<string, string> {
  const render = (schema: z.ZodType) => `${JSON.stringify(z.toJSONSchema(schema, { target: "draft-07", io: "input", unrepresentable: "any" }), null, 2)}\n`;
  return {
    "hearth.schema.json": render(HearthConfig),
    "rules.schema.json": render(RulesFile),
  };
}
