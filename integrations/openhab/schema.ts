import { z } from "zod";
import { Name, Secret } from "../../src/config-kit/common.js";
import type { ConfigProblem } from "../../src/integration-host/contract.js";

const ITEM_NAME = /^[A-Za-z0-9_]+$/;
const ITEM_PATTERN = /^[A-Za-z0-9_*?]+$/;

export const OpenhabConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).meta({ description: "openHAB's address, without /rest: http://openhab.lan:8080" }),
    token: Secret.optional().meta({ description: "An API token (Profile → API Tokens in openHAB's UI), sent as a Bearer token. Write ${OPENHAB_TOKEN}." }),
    username: z.string().min(1).optional().meta({ description: "User for basic auth, when openHAB's API security allows it (instead of a token)." }),
    password: Secret.optional().meta({ description: "Password for basic auth. Write ${OPENHAB_PASSWORD}." }),
    items: z
      .array(z.string().regex(ITEM_PATTERN, { message: "an item name, or a pattern with * and ?" }))
      .default(["*"])
      .meta({ description: 'Which items to report, by name; * and ? are wildcards ("Temperature_*").' }),
    exclude_items: z
      .array(z.string().regex(ITEM_PATTERN, { message: "an item name, or a pattern with * and ?" }))
      .default([])
      .meta({ description: "Items never reported, by name or pattern; wins over `items`." }),
    presence: z
      .record(Name, z.string().regex(ITEM_NAME, { message: "an openHAB item name: letters, digits and _" }))
      .default({})
      .meta({ description: "People and their presence Switch item ({alex: Presence_Alex}): ON becomes presence.home{person:alex} 1, OFF 0." }),
  })
  .meta({ description: "openHAB 2, 3, 4 or 5: items over REST, then every state update from the event stream." });

export type OpenhabConfig = z.output<typeof OpenhabConfig>;

export function checkOpenhabConfig(c: OpenhabConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (c.token !== undefined && (c.username !== undefined || c.password !== undefined)) {
    problems.push({ path: ["token"], message: "give either token or username and password, not both" });
  }
  if ((c.username === undefined) !== (c.password === undefined)) {
    problems.push({ path: [c.username === undefined ? "password" : "username"], message: "username and password go together" });
  }
  return problems;
}
