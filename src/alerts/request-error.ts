import { HearthError } from "../kit/errors.js";

/**
 * A snooze, acknowledgement or downtime that cannot be done as asked: an unknown monitor, group
 * or downtime, a duration that is not one, nothing to acknowledge. The HTTP API answers with
 * `status` and the message; the command line prints the message.
 */
export class RequestError extends HearthError {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super("HEARTH_E_REQUEST_INVALID", message);
  }
}
