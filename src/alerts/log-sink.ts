import type { Logger } from "../kit/log.js";
import type { AlertSink } from "./events.js";

const on = (group: string) => (group === "*" ? "" : ` {${group}}`);

/**
 * Every event as a log line carrying the whole record, so nothing decided is lost from view;
 * delivery (email, push) takes the ones that name recipients.
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
      case "acknowledgement":
        log.info({ event: e }, `Monitor "${e.monitor}"${on(e.group)} acknowledged${e.by ? ` by ${e.by}` : ""}; told ${e.recipients.join(", ") || "nobody"}`);
        break;
    }
  };
}
