import fs from "node:fs";
import tls from "node:tls";
import type { Issue, SourceRef } from "../../config-kit/issues.js";
import { suggestion } from "../../config-kit/issues.js";
import type { Loaded } from "../load.js";
import { locate, readYamlFile } from "../../config-kit/yaml.js";
import { readPasswordFile } from "../../mqtt/passwd.js";

/**
 * The broker's checks that look beyond the YAML: the password file's lines, ACL users that no
 * password line lets in, and certificate files that cannot be read or do not fit together.
 * Each problem points at the line that names the file (or at the line inside it).
 */
export function checkBroker(loaded: Loaded): Issue[] {
  const { mqtt } = loaded.config;
  const yaml = readYamlFile(loaded.configFile, process.env).yaml;
  const at = (path: PropertyKey[]): SourceRef => (yaml ? locate(yaml, path) : { file: loaded.configFile, line: 0, col: 0 });
  const issues: Issue[] = [];

  let users: Set<string> | undefined;
  if (mqtt.password_file) {
    const { table, issues: lines } = readPasswordFile(mqtt.password_file);
    for (const i of lines)
      issues.push(i.line > 0 ? i : { ...at(["mqtt", "password_file"]), message: `mqtt.password_file: ${mqtt.password_file}: ${i.message}` });
    users = new Set(table.keys());
  }
  mqtt.acl?.forEach((entry, i) => {
    if (entry.user === undefined || users?.has(entry.user)) return;
    const why = users
      ? `is not in the password file ${mqtt.password_file}${suggestion(entry.user, users)}`
      : "can never log in: no mqtt.password_file is configured";
    issues.push({ ...at(["mqtt", "acl", i, "user"]), message: `mqtt.acl[${i}].user: "${entry.user}" ${why}` });
  });

  if (mqtt.tls) {
    const t = mqtt.tls;
    issues.push(...certificateIssues(at, ["mqtt", "tls"], { cert: t.cert, key: t.key, ca: t.ca }));
  }
  mqtt.bridges.forEach((b, i) => {
    if (b.tls) issues.push(...certificateIssues(at, ["mqtt", "bridges", i, "tls"], { cert: b.tls.cert, key: b.tls.key, ca: b.tls.ca }));
  });
  return issues;
}

function certificateIssues(at: (path: PropertyKey[]) => SourceRef, base: PropertyKey[], files: Record<"cert" | "key" | "ca", string | undefined>): Issue[] {
  const issues: Issue[] = [];
  const read: Partial<Record<"cert" | "key" | "ca", Buffer>> = {};
  const dotted = base
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .slice(1);
  for (const key of ["cert", "key", "ca"] as const) {
    const file = files[key];
    if (!file) continue;
    try {
      read[key] = fs.readFileSync(file);
    } catch (err) {
      issues.push({ ...at([...base, key]), message: `${dotted}.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    }
  }
  if (issues.length) return issues;
  try {
    tls.createSecureContext({ ...read });
  } catch (err) {
    issues.push({
      ...at([...base, read.cert ? "cert" : "ca"]),
      message: `${dotted}: the certificate files do not make a usable TLS setup: ${(err as Error).message}`,
    });
  }
  return issues;
}
