import { HearthError } from "../kit/errors.js";
import { formatIssue } from "../config-kit/issues.js";
import { Acl } from "./acl.js";
import type { BrokerPolicy } from "./auth.js";
import { readPasswordFile } from "./passwd.js";
import type { MqttConfig } from "./schema.js";

/**
 * The policy the `mqtt:` section asks for, with the password file read now. A file that cannot
 * be read or has a bad line is an error: on start Hearth stops, on a reload the policy in force
 * stays (`hearth check` reports the same problems with their line numbers beforehand).
 */
export function loadPolicy(config: MqttConfig): BrokerPolicy {
  let passwords: BrokerPolicy["passwords"];
  if (config.password_file) {
    const { table, issues } = readPasswordFile(config.password_file);
    if (issues.length) throw new HearthError("HEARTH_E_PASSWORD_FILE", `mqtt.password_file: ${issues.map(formatIssue).join("; ")}`);
    passwords = table;
  }
  return {
    allowAnonymous: config.allow_anonymous,
    passwords,
    acl: config.acl ? Acl.compile(config.acl) : undefined,
    maxPayloadBytes: config.max_payload_bytes,
  };
}
