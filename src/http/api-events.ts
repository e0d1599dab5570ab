import type { FastifyInstance } from "fastify";
import type { RecentAlertEvents } from "../alerts/recent-events.js";

/**
 * GET /api/events: the alert engine's latest transitions and notifications, newest first
 * (`?limit=`, default 50), muted notifications included with the calendar that muted them.
 */
export function registerEventsApi(app: FastifyInstance, events: RecentAlertEvents): void {
  app.get<{ Querystring: { limit?: string } }>("/api/events", async (req, reply) => {
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      return reply.code(400).send({ error: `limit must be a whole number from 1 to 200, got "${req.query.limit}"`, code: "HEARTH_E_REQUEST_INVALID" });
    return { events: events.list(limit) };
  });
}
