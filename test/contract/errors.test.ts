import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/kit/errors.js";
import { ROOT } from "../helpers/cli.js";

/** The rows of docs/error-codes.md's tables: code → [meaning, what to do]. */
function documentedCodes(): Map<string, [string, string]> {
  const page = fs.readFileSync(path.join(ROOT, "docs", "error-codes.md"), "utf8");
  const rows = new Map<string, [string, string]>();
  for (const line of page.split("\n")) {
    const m = /^\| `(HEARTH_E_[A-Z0-9_]+)` \| (.+?) \| (.+?) \|$/.exec(line);
    if (m) rows.set(m[1]!, [m[2]!, m[3]!]);
  }
  return rows;
}

const plain = (s: string) => s.replaceAll("`", "");

describe("error codes", () => {
  it("are each documented in docs/error-codes.md, and the page documents no code that does not exist", () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it("say the same thing in the code and in docs/error-codes.md", () => {
    for (const [code, [meaning, fix]] of documentedCodes()) {
      const info = ERRORS[code as keyof typeof ERRORS];
      expect(plain(meaning), code).toBe(plain(info.summary));
      expect(plain(fix), code).toBe(plain(info.fix));
    }
  });
});
