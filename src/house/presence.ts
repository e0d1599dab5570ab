/**
 * Who is home, as the alerts see it. The people's presence tracker (rules `people:`) keeps it;
 * the "appliance on, nobody home" monitors read it. A person whose last report is older than
 * their staleness limit, or who never reported, is `unknown`, never silently `away`.
 */
export type PresenceState = "home" | "away" | "unknown";

export interface PersonPresence {
  person: string;
  state: PresenceState;
  /** When the last report arrived (ms since the epoch), if one ever did. */
  lastSeen: number | undefined;
  /** When the current state began, if known. */
  since: number | undefined;
}

export interface PresenceView {
  /** Every person the rules name, with their state at `now`. */
  people(now: number): PersonPresence[];
}
