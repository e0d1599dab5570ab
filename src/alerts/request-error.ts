import { HearthError } from "../kit/errors.js";

/** Why a request cannot be done: nothing by that name, nothing in a state to do it to, or an ask that is not one. */
export type RequestRefusal = "not_found" | "conflict" | "invalid";

/**
 * A snooze, acknowledgement or downtime that cannot be done as asked: an unknown monitor, group
 * or downtime, a duration that is not one, nothing to acknowledge. The engine says why in
 * `reason`; the HTTP API turns that into a status and the command line prints the message.
 */
export class RequestError extends HearthError {
  constructor(
    readonly reason: RequestRefusal,
    message: string,
  ) {
    super("HEARTH_E_REQUEST_INVALID", message);
  }
}
