import type { FastifyInstance, FastifyReply } from "fastify";
import { IANAZone } from "luxon";
import { z } from "zod";
import { parseDuration } from "../config-kit/common.js";
import type { AlertEngine } from "./engine.js";
import { RequestError, type RequestRefusal } from "./request-error.js";

const TAG = /^[^\s:,][^\s,]*:[^\s,]+$/;

const DurationText = z
  .string()
  .refine((s) => (parseDuration(s) ?? 0) > 0, { message: 'expected a duration such as "30m", "2h" or "1d"' })
  .transform((s) => parseDuration(s)!);

/** Who asked and in which zone they read times: the command line sends both. */
const Asker = {
  reason: z.string().max(500).optional(),
  by: z.string().max(200).optional(),
  timezone: z
    .string()
    .refine((tz) => IANAZone.isValidZone(tz), { message: 'expected an IANA time zone such as "Europe/Berlin"' })
    .optional(),
};

const SnoozeBody = z.strictObject({ monitor: z.string().min(1), group: z.string().min(1).optional(), for: DurationText, ...Asker });
const DowntimeBody = z.strictObject({
  for: DurationText,
  scope: z
    .union([z.string(), z.array(z.string())])
    .transform((s) =>
      Array.isArray(s)
        ? s
        : s
            .split(",")
            .map((t) => t.trim())
            .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(TAG, { message: 'expected "key:value" tags' })))
    .optional(),
  ...Asker,
});
const AckBody = z.strictObject({ monitor: z.string().min(1), group: z.string().min(1).optional(), by: Asker.by });

const clean = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };

/** RFC 9110 §15.5: 404 for nothing by that name, 409 for a state that does not allow it, 400 for a malformed ask. */
const STATUS_OF: Readonly<Record<RequestRefusal, 400 | 404 | 409>> = { not_found: 404, conflict: 409, invalid: 400 };

function refuse(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof RequestError) return reply.code(STATUS_OF[err.reason]).send({ error: err.message, code: err.code });
  if (err instanceof z.ZodError) {
    const error = err.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ");
    return reply.code(400).send({ error, code: "HEARTH_E_REQUEST_INVALID" });
  }
  throw err;
}

/**
 * Quieting on purpose over HTTP (the `hearth snooze`, `hearth ack` and `hearth downtime`
 * commands use it): POST /api/snoozes, POST /api/downtimes, DELETE /api/downtimes/:id, POST /api/acks.
 * Each change is saved in the store and announced before the answer goes back.
 */
export function registerQuietApi(app: FastifyInstance, engine: AlertEngine): void {
  app.post("/api/snoozes", async (req, reply) => {
    try {
      const b = SnoozeBody.parse(req.body ?? {});
      return reply
        .code(201)
        .send({ snooze: engine.snooze(clean({ monitor: b.monitor, group: b.group, forMs: b.for, reason: b.reason, by: b.by, timezone: b.timezone })) });
    } catch (err) {
      return refuse(reply, err);
    }
  });
  app.post("/api/downtimes", async (req, reply) => {
    try {
      const b = DowntimeBody.parse(req.body ?? {});
      return reply.code(201).send({ downtime: engine.addDowntime(clean({ forMs: b.for, scope: b.scope, reason: b.reason, by: b.by, timezone: b.timezone })) });
    } catch (err) {
      return refuse(reply, err);
    }
  });
  app.delete<{ Params: { id: string } }>("/api/downtimes/:id", async (req, reply) => {
    try {
      if (!/^\d+$/.test(req.params.id)) throw new RequestError("invalid", `"${req.params.id}" is not a downtime id (a number from hearth downtime list)`);
      return { canceled: engine.cancelDowntime(Number(req.params.id)) };
    } catch (err) {
      return refuse(reply, err);
    }
  });
  app.post("/api/acks", async (req, reply) => {
    try {
      const b = AckBody.parse(req.body ?? {});
      return { acknowledged: engine.acknowledge(clean({ monitor: b.monitor, group: b.group, by: b.by })) };
    } catch (err) {
      return refuse(reply, err);
    }
  });
}
