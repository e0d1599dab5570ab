import type { Logger } from "../log.js";
import type { AlertSink } from "./events.js";

const on = (group: string) => (group === "*" ? "" : ` {${group}}`);

/**
 * The live hub's sink until delivery (email, push) takes the notifications: every event is a
 * log line carrying the whole record, so nothing decided is lost from view.
 */
export function logAlertEvents(log: Logger): AlertSink {
  return (e) => {
    switch (e.type) {
      case "transition":
        log.info({ event: e }, `Monitor "${e.monitor}"${on(e.group)}: ${e.from} → ${e.to}`);
        break;
      case "notification":
        log.info({ event: e }, `Notification${e.muted ? ` muted by ${e.muted_by}` : ` for ${e.recipients.join(", ") || "nobody"}`}: ${e.subject}`);
        break;
      case "downtime":
        log.info({ event: e }, `Downtime ${e.calendar} ${e.event}${e.recipients ? `; told ${e.recipients.join(", ")}: ${e.subject}` : ""}`);
        break;
    }
  };
}
