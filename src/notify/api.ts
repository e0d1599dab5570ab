import type { FastifyInstance } from "fastify";
import type { Notifier } from "./notifier.js";

/**
 * GET /api/notifications: the outbox, newest first (`?limit=`, default 50): what was sent, to
 * whom and by which channel, with the server's answer, and what still waits and why.
 */
export function registerNotifyApi(app: FastifyInstance, notifier: Notifier): void {
  app.get<{ Querystring: { limit?: string } }>("/api/notifications", async (req, reply) => {
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return reply.code(400).send({ error: `limit must be a whole number from 1 to 1000, got "${req.query.limit}"`, code: "HEARTH_E_REQUEST_INVALID" });
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      notifications: notifier.recent(limit).map((r) => ({
        id: r.id,
        created_at: iso(r.created_at),
        recipient: r.recipient,
        channel: r.channel,
        kind: r.kind,
        monitor: r.monitor,
        group: r.grp,
        state: r.state,
        priority: r.priority,
        title: r.title,
        status: r.status,
        attempts: r.attempts,
        answer: r.answer,
        last_error: r.last_error,
        done_at: iso(r.done_at),
      })),
    };
  });
}
