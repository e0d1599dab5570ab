import type { NotificationKind } from "./messages.js";
import type { AlertState } from "./state.js";

/** A calendar whose window is in force for a monitor group at the time of a notification. */
export interface ActiveWindow {
  calendar: string;
  start: number;
  muteFirstRecovery: boolean;
}

interface MuteDecision {
  muted: boolean;
  mutedBy?: string;
}

/**
 * Datadog's muting rules (docs/datadog-semantics.md §4.3): while a window is in force, notifications
 * are muted but states keep changing. One exception: the first recovery of an alert that
 * triggered *before* the window still goes out, unless a window in force says
 * `mute_first_recovery_notification` (the setting adds up across overlapping windows). A
 * recovery of an alert that triggered inside a window is muted. `active` is sorted by name, so
 * `muted_by` names the same calendar every time.
 */
export function decideMute(active: readonly ActiveWindow[], kind: NotificationKind, to: AlertState, firstTriggeredAt: number | undefined): MuteDecision {
  if (active.length === 0) return { muted: false };
  if (kind === "transition" && to === "OK") {
    const muting = active.find((w) => w.muteFirstRecovery || firstTriggeredAt === undefined || firstTriggeredAt >= w.start);
    return muting ? { muted: true, mutedBy: muting.calendar } : { muted: false };
  }
  return { muted: true, mutedBy: active[0]!.calendar };
}
