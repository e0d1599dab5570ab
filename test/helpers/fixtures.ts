import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");

export const fixturePath = (rel: string) => path.join(FIXTURES, rel);

export const readFixture = (rel: string) => fs.readFileSync(fixturePath(rel), "utf8");

export interface RecordedMessage {
  topic: string;
  payload: string;
  retained?: boolean;
}

/** A recorded MQTT session: one `{"topic","payload"[,"retained"]}` object per line. */
export const readMessages = (rel: string): RecordedMessage[] =>
  readFixture(rel)
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RecordedMessage);
