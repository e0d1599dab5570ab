import type { Acl, Identity } from "./acl.js";
import { verifyPassword, type PasswordTable } from "./passwd.js";
import { reservedProblem } from "./reserved.js";

/**
 * The broker's policy as plain functions of the configuration: who may log in, publish and
 * subscribe. No aedes in here; `guard.ts` adapts these answers to aedes' callbacks.
 */
export interface BrokerPolicy {
  allowAnonymous: boolean;
  /** Users from the password file; undefined when no file is configured. */
  passwords: PasswordTable | undefined;
  /** Undefined when no ACL is configured: every client that got in may use every topic but the reserved ones. */
  acl: Acl | undefined;
  maxPayloadBytes: number;
}

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes. */
export const CONNACK = { serverUnavailable: 3, badUserNameOrPassword: 4, notAuthorized: 5 } as const;

export type LoginRefusal = "bad_credentials" | "anonymous" | "will_denied";

type LoginResult = { ok: true; identity: Identity } | { ok: false; returnCode: 4 | 5; reason: LoginRefusal; why: string };

export type Denial = "reserved" | "acl" | "too_large";

type Decision = { ok: true } | { ok: false; reason: Denial; why: string };

const ALLOWED: Decision = { ok: true };

const who = (id: Identity) => (id.user === undefined ? `anonymous client "${id.clientId}"` : `user "${id.user}"`);

interface LoginRequest {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  /** The will the client asked for: it must be a message the client could publish itself. */
  will?: { topic: string; payload: Buffer } | undefined;
}

export async function authenticate(policy: BrokerPolicy, req: LoginRequest): Promise<LoginResult> {
  const login = await checkCredentials(policy, req);
  if (!login.ok || !req.will) return login;
  const will = authorizePublish(policy, login.identity, req.will.topic, req.will.payload.length);
  if (will.ok) return login;
  // Mosquitto 2 checks the will at CONNECT too: a will is a publish made on the client's behalf later.
  return { ok: false, returnCode: CONNACK.notAuthorized, reason: "will_denied", why: `its will: ${will.why}` };
}

async function checkCredentials(policy: BrokerPolicy, req: LoginRequest): Promise<LoginResult> {
  const anonymous: LoginResult = { ok: true, identity: { user: undefined, clientId: req.clientId } };
  if (!req.username) {
    if (policy.allowAnonymous) return anonymous;
    return { ok: false, returnCode: CONNACK.notAuthorized, reason: "anonymous", why: "no user name given and anonymous access is off" };
  }
  if (!policy.passwords) {
    // Nothing to check a user name against: devices that send a default one (Tasmota's DVES_USER) get in as anonymous when that is allowed.
    if (policy.allowAnonymous) return anonymous;
    return { ok: false, returnCode: CONNACK.notAuthorized, reason: "anonymous", why: "no password file is configured, so no user can log in" };
  }
  const entry = policy.passwords.get(req.username);
  const good = await verifyPassword(entry, req.password?.toString("utf8") ?? "");
  if (good) return { ok: true, identity: { user: req.username, clientId: req.clientId } };
  return {
    ok: false,
    returnCode: CONNACK.badUserNameOrPassword,
    reason: "bad_credentials",
    why: entry ? `wrong password for user "${req.username}"` : `unknown user "${req.username}"`,
  };
}

export function authorizePublish(policy: BrokerPolicy, id: Identity, topic: string, payloadBytes: number): Decision {
  const reserved = reservedProblem(topic);
  if (reserved) return { ok: false, reason: "reserved", why: `"${topic}" is one of ${reserved}` };
  if (payloadBytes > policy.maxPayloadBytes)
    return { ok: false, reason: "too_large", why: `the payload of ${payloadBytes} bytes is over mqtt.max_payload_bytes (${policy.maxPayloadBytes})` };
  if (policy.acl && !policy.acl.mayPublish(id, topic)) return { ok: false, reason: "acl", why: `the ACL does not let ${who(id)} publish to "${topic}"` };
  return ALLOWED;
}

/**
 * `$SYS/` may be read (subject to the ACL); any other `$`-topic is the broker's alone. A filter
 * whose first level is a wildcard never sees `$`-topics anyway [MQTT-4.7.2-1].
 */
export function authorizeSubscribe(policy: BrokerPolicy, id: Identity, filter: string): Decision {
  if (filter.startsWith("$") && !filter.startsWith("$SYS/")) return { ok: false, reason: "reserved", why: `"${filter}" is reserved for the broker` };
  if (policy.acl && !policy.acl.maySubscribe(id, filter)) return { ok: false, reason: "acl", why: `the ACL does not let ${who(id)} subscribe to "${filter}"` };
  return ALLOWED;
}

export function mayReceive(policy: BrokerPolicy, id: Identity, topic: string): boolean {
  return !policy.acl || policy.acl.mayReceive(id, topic);
}
