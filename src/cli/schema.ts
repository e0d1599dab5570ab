import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { EXIT } from "./exit.js";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("Write the JSON Schemas of config/hearth.yaml and rules/*.yaml, for editor completion and checking")
    .option("--out <dir>", "directory to write into", "config/schema")
    .action(async (opts: { out: string }) => {
      const { jsonSchemas } = await import("../config/json-schema.js");
      fs.mkdirSync(opts.out, { recursive: true });
      for (const [name, text] of Object.entries(jsonSchemas())) {
        const file = path.join(opts.out, name);
        fs.writeFileSync(file, text);
        process.stdout.write(`wrote ${file}\n`);
      }
      process.exitCode = EXIT.ok;
    });
}
