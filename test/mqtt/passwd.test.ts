import { describe, expect, it } from "vitest";
import { formatEntry, hashPassword, parsePasswordFile, updatePasswordText, verifyPassword } from "../../src/mqtt/passwd.js";

describe("password file", () => {
  it("writes scrypt lines in the PHC format and verifies them", async () => {
    const entry = await hashPassword("correct horse");
    const line = formatEntry("tasmota", entry);
    expect(line).toMatch(/^tasmota:\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const { table, issues } = parsePasswordFile("passwd", `${line}\n`);
    expect(issues).toEqual([]);
    expect(await verifyPassword(table.get("tasmota"), "correct horse")).toBe(true);
    expect(await verifyPassword(table.get("tasmota"), "correct horse ")).toBe(false);
    expect(await verifyPassword(undefined, "correct horse")).toBe(false);
  });

  it("salts every hash, so two users with one password have different lines", async () => {
    const a = await hashPassword("same");
    const b = await hashPassword("same");
    expect(a.hash.equals(b.hash)).toBe(false);
  });

  it("reports each bad line with its position and keeps the good ones", async () => {
    const good = formatEntry("plug", await hashPassword("x"));
    const text = [
      "# users of the house",
      good,
      "nocolon",
      "old:$7$101$c2FsdA==$aGFzaA==",
      "odd:$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
      good,
    ].join("\n");
    const { table, issues } = parsePasswordFile("config/passwd", text);
    expect([...table.keys()]).toEqual(["plug"]);
    expect(issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      '3:1 expected "user:hash" (write it with `hearth passwd FILE USER`)',
      '4:5 user "old": this is a Mosquitto hash ($6$/$7$), which Hearth cannot check; set the password again with `hearth passwd`',
      '5:5 user "odd": scrypt parameter ln=30 is outside 10..20',
      '6:1 user "plug" appears twice; keep one line per user',
    ]);
  });

  it("replaces one user's line and leaves the others and the comments alone", async () => {
    const a = formatEntry("a", await hashPassword("1"));
    const text = `# comment\n${a}\nb:old\n`;
    const b = await hashPassword("2");
    const replaced = updatePasswordText(text, "b", b);
    expect(replaced).toEqual({ found: true, text: `# comment\n${a}\n${formatEntry("b", b)}\n` });
    expect(updatePasswordText(text, "c", b).text).toBe(`${text}${formatEntry("c", b)}\n`);
    expect(updatePasswordText(text, "b", undefined)).toEqual({ found: true, text: `# comment\n${a}\n` });
  });
});
