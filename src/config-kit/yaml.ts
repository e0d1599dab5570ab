import fs from "node:fs";
import { LineCounter, parseDocument, visit, isMap, isSeq, isScalar, isPair, parse as parseYamlScalar, type Document, type Node, type Scalar } from "yaml";
import type { Issue, SourceRef } from "./issues.js";

/** A parsed YAML file that can still say where each value was written. */
export interface YamlFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** The plain JavaScript value after `${…}` interpolation. */
  value: unknown;
}

export type Env = Record<string, string | undefined>;

const INTERPOLATION = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads and parses a YAML file, substitutes `${ENV_VAR}`, `${ENV_VAR:-default}` and
 * `${file:/path}` in string values, and returns every syntax and interpolation problem with
 * its position. `$${` stands for a literal `${`.
 */
export function readYamlFile(file: string, env: Env): { yaml?: YamlFile; issues: Issue[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(err);
    return { issues: [{ file, line: 1, col: 1, message: why }] };
  }
  return parseYamlText(file, text, env);
}

function parseYamlText(file: string, text: string, env: Env): { yaml?: YamlFile; issues: Issue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: Issue[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    const firstLine = err.message.split("\n")[0] ?? err.message;
    issues.push({ file, line: pos.line, col: pos.col, message: `YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}` });
  }
  if (doc.errors.length > 0) return { issues };

  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("${")) return;
      const result = interpolate(node.value, env);
      for (const problem of result.problems) issues.push({ file, ...positionOf(lines, node), message: problem });
      node.value = node.type === "PLAIN" ? plainScalar(result.text) : result.text;
    },
  });
  return { yaml: { file, doc, lines, value: doc.toJS({ maxAliasCount: 100 }) ?? {} }, issues };
}

/** An unquoted value that became `1883` or `true` after substitution means the number or the boolean. */
function plainScalar(text: string): unknown {
  try {
    const v: unknown = parseYamlScalar(text);
    return typeof v === "number" || typeof v === "boolean" ? v : text;
  } catch {
    return text;
  }
}

function interpolate(text: string, env: Env): { text: string; problems: string[] } {
  const problems: string[] = [];
  const out = text.replace(INTERPOLATION, (whole, inner: string | undefined) => {
    if (whole === "$${") return "${";
    const expr = inner ?? "";
    if (expr.startsWith("file:")) {
      const file = expr.slice("file:".length);
      try {
        return fs.readFileSync(file, "utf8").trim();
      } catch (err) {
        problems.push(`cannot read secret file "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        return "";
      }
    }
    const sep = expr.indexOf(":-");
    const name = sep >= 0 ? expr.slice(0, sep) : expr;
    if (!ENV_NAME.test(name)) {
      problems.push(`"\${${expr}}" is not a valid substitution: use \${NAME}, \${NAME:-default} or \${file:/path}`);
      return "";
    }
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (sep >= 0) return expr.slice(sep + 2);
    problems.push(`environment variable ${name} is not set (write \${${name}:-default} for a fallback)`);
    return "";
  });
  return { text: out, problems };
}

const positionOf = (lines: LineCounter, node: Node | Scalar): { line: number; col: number } => {
  const offset = node.range?.[0] ?? 0;
  return lines.linePos(offset);
};

/**
 * The position of the value at `path`, or of the closest existing parent when the value is
 * missing (a required key points at the map that lacks it). With `key: true`, the position of
 * the key itself (for unknown keys).
 */
export function locate(y: YamlFile, path: readonly PropertyKey[], opts: { key?: boolean } = {}): SourceRef {
  let node: unknown = y.doc.contents;
  let best: { range?: [number, number, number] | null } | undefined = node as Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (last && opts.key && isScalar(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
      best = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!item) break;
      node = item;
      best = item;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  const pos = y.lines.linePos(offset);
  return { file: y.file, line: pos.line, col: pos.col };
}
