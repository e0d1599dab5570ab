import type { AclEntry } from "./schema.js";
import { levelsCover, levelsMatch, levelsOf } from "./topic.js";

/** Who a client is once it got in: its user name (undefined when anonymous) and its client id. */
export interface Identity {
  user: string | undefined;
  clientId: string;
}

interface Pattern {
  levels: string[];
  /** True when a level holds %u or %c, so the levels must be filled in per client. */
  personal: boolean;
}

interface Grants {
  publish: Pattern[];
  subscribe: Pattern[];
}

const emptyGrants = (): Grants => ({ publish: [], subscribe: [] });

const compile = (pattern: string): Pattern => ({ levels: levelsOf(pattern), personal: /%[uc]/.test(pattern) });

/**
 * A user name or client id that holds '/', '+' or '#' could widen a pattern such as
 * `devices/%u/#` to someone else's topics (Mosquitto CVE-2017-7650); such clients get nothing
 * from a personal pattern.
 */
const UNSAFE_IN_PATTERN = /[/+#]/;

function personalize(p: Pattern, who: Identity): string[] | undefined {
  if (!p.personal) return p.levels;
  if (UNSAFE_IN_PATTERN.test(who.clientId)) return undefined;
  if (p.levels.some((l) => l.includes("%u")) && (who.user === undefined || UNSAFE_IN_PATTERN.test(who.user))) return undefined;
  return p.levels.map((l) => l.replaceAll("%u", who.user ?? "").replaceAll("%c", who.clientId));
}

/**
 * The broker's access control list, compiled from `mqtt.acl`: entries for one user, for
 * anonymous clients and for everyone, each granting publish and subscribe patterns, the way
 * Mosquitto's ACL file works. Nothing is allowed that no entry grants.
 */
export class Acl {
  private constructor(
    private readonly byUser: ReadonlyMap<string, Grants>,
    private readonly anonymous: Grants,
    private readonly everyone: Grants,
  ) {}

  static compile(entries: readonly AclEntry[]): Acl {
    const byUser = new Map<string, Grants>();
    const anonymous = emptyGrants();
    const everyone = emptyGrants();
    for (const e of entries) {
      let g: Grants;
      if (e.user !== undefined) {
        g = byUser.get(e.user) ?? emptyGrants();
        byUser.set(e.user, g);
      } else g = e.anonymous ? anonymous : everyone;
      g.publish.push(...[...e.publish, ...e.both].map(compile));
      g.subscribe.push(...[...e.subscribe, ...e.both].map(compile));
    }
    return new Acl(byUser, anonymous, everyone);
  }

  private grantsFor(who: Identity): Grants[] {
    const own = who.user === undefined ? this.anonymous : this.byUser.get(who.user);
    return own ? [own, this.everyone] : [this.everyone];
  }

  private any(who: Identity, kind: keyof Grants, test: (levels: string[]) => boolean): boolean {
    for (const g of this.grantsFor(who)) {
      for (const p of g[kind]) {
        const levels = personalize(p, who);
        if (levels && test(levels)) return true;
      }
    }
    return false;
  }

  mayPublish(who: Identity, topic: string): boolean {
    const t = levelsOf(topic);
    return this.any(who, "publish", (p) => levelsMatch(p, t));
  }

  /** A subscription is allowed when a granted pattern covers every topic the filter can match. */
  maySubscribe(who: Identity, filter: string): boolean {
    const f = levelsOf(filter);
    return this.any(who, "subscribe", (p) => levelsCover(p, f));
  }

  /** Checked again on each delivery, so a permission taken away by a reload stops the flow at once. */
  mayReceive(who: Identity, topic: string): boolean {
    const t = levelsOf(topic);
    return this.any(who, "subscribe", (p) => levelsMatch(p, t));
  }
}
