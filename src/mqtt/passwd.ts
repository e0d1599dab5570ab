import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Issue } from "../config-kit/issues.js";

/**
 * The broker's password file, the way Mosquitto's works: one `user:hash` line per user,
 * written by `hearth passwd FILE USER`. The hash is scrypt (RFC 7914) in the PHC string format:
 *
 *   user:$scrypt$ln=15,r=8,p=1$<salt>$<hash>
 *
 * `ln` is log2 of the cost N; salt (16 bytes) and hash (32 bytes) are base64 without padding.
 * The parameters travel with each line, so stronger defaults later leave old lines valid.
 * Blank lines and lines starting with `#` are ignored.
 */

interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

interface PasswordEntry {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

export type PasswordTable = ReadonlyMap<string, PasswordEntry>;

/**
 * N = 2^15, r = 8, p = 1: 32 MiB and about 0.15 s per login on a small server. Stronger than
 * the scrypt paper's interactive-login setting (2^14) while a house's devices reconnecting
 * after a restart still all get in within seconds.
 */
const DEFAULT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };
const HASH_BYTES = 32;
const SALT_BYTES = 16;
/** Bounds for parameters read from a file, so an edited line cannot make each login take minutes or gigabytes. */
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;

const LINE = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
/** A user name as Mosquitto accepts one in a password file: no ':' (the separator), no spaces or control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what a user name may not hold
const USER = /^[^:\s\u0000-\u001f\u007f]+$/;

export const userNameProblem = (user: string): string | undefined =>
  USER.test(user) ? undefined : `"${user}" is not a usable user name: it must not be empty or contain ':', spaces or control characters`;

const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");

export function formatEntry(user: string, e: PasswordEntry): string {
  return `${user}:$scrypt$ln=${e.params.ln},r=${e.params.r},p=${e.params.p}$${b64(e.salt)}$${b64(e.hash)}`;
}

function scryptOptions(params: ScryptParams): ScryptOptions {
  const N = 2 ** params.ln;
  // Node refuses unless maxmem exceeds 128 * N * r; leave headroom for the p lanes.
  return { N, r: params.r, p: params.p, maxmem: 256 * N * params.r * params.p };
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, HASH_BYTES, scryptOptions(params), (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<PasswordEntry> {
  const salt = randomBytes(SALT_BYTES);
  return { params, salt, hash: await derive(password, salt, params) };
}

/**
 * True when `password` is the one `entry` was made from. Without an entry (an unknown user)
 * the same work is done against a random salt, so the time taken does not tell an attacker
 * which user names exist.
 */
export async function verifyPassword(entry: PasswordEntry | undefined, password: string): Promise<boolean> {
  if (!entry) {
    await derive(password, randomBytes(SALT_BYTES), DEFAULT_PARAMS);
    return false;
  }
  const got = await derive(password, entry.salt, entry.params);
  return got.length === entry.hash.length && timingSafeEqual(got, entry.hash);
}

function parseHash(text: string): { entry?: PasswordEntry; problem?: string } {
  if (/^\$[67]\$/.test(text)) return { problem: "this is a Mosquitto hash ($6$/$7$), which Hearth cannot check; set the password again with `hearth passwd`" };
  const m = LINE.exec(text);
  if (!m) return { problem: 'expected "user:$scrypt$ln=…,r=…,p=…$salt$hash" (write it with `hearth passwd FILE USER`)' };
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  for (const key of ["ln", "r", "p"] as const) {
    const [lo, hi] = LIMITS[key];
    if (params[key] < lo || params[key] > hi) return { problem: `scrypt parameter ${key}=${params[key]} is outside ${lo}..${hi}` };
  }
  const salt = Buffer.from(m[4]!, "base64");
  const hash = Buffer.from(m[5]!, "base64");
  if (salt.length < 8 || hash.length < 16) return { problem: "the salt or the hash is too short" };
  return { entry: { params, salt, hash } };
}

/** Reads password file text; every bad line is an issue with its position, and the good lines are still returned. */
export function parsePasswordFile(file: string, text: string): { table: Map<string, PasswordEntry>; issues: Issue[] } {
  const table = new Map<string, PasswordEntry>();
  const issues: Issue[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = { file, line: i + 1, col: raw.indexOf(line) + 1 };
    const sep = line.indexOf(":");
    if (sep <= 0) {
      issues.push({ ...at, message: 'expected "user:hash" (write it with `hearth passwd FILE USER`)' });
      return;
    }
    const user = line.slice(0, sep);
    const userProblem = userNameProblem(user);
    if (userProblem) {
      issues.push({ ...at, message: userProblem });
      return;
    }
    const { entry, problem } = parseHash(line.slice(sep + 1));
    if (problem) issues.push({ ...at, col: at.col + sep + 1, message: `user "${user}": ${problem}` });
    else if (table.has(user)) issues.push({ ...at, message: `user "${user}" appears twice; keep one line per user` });
    else table.set(user, entry!);
  });
  return { table, issues };
}

/** Reads and parses a password file; a missing or unreadable file is one issue naming it. */
export function readPasswordFile(file: string): { table: Map<string, PasswordEntry>; issues: Issue[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "password file not found (create it with `hearth passwd FILE USER`)" : code === "EACCES" ? "permission denied" : String(err);
    return { table: new Map(), issues: [{ file, line: 0, col: 0, message: why }] };
  }
  return parsePasswordFile(file, text);
}

/**
 * The file's text with USER's line replaced (or appended, or removed when `entry` is
 * undefined); every other line, comments included, stays as it was.
 */
export function updatePasswordText(text: string, user: string, entry: PasswordEntry | undefined): { text: string; found: boolean } {
  const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
  let found = false;
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim().startsWith(`${user}:`)) {
      if (!found && entry) out.push(formatEntry(user, entry));
      found = true;
    } else out.push(line);
  }
  if (!found && entry) out.push(formatEntry(user, entry));
  return { text: out.length ? `${out.join("\n")}\n` : "", found };
}

/** Writes the file atomically (a temporary file renamed over it), readable by its owner only. */
export function writePasswordFile(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
