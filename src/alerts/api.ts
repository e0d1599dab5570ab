import type { FastifyInstance } from "fastify";
import type { AlertEngine } from "./engine.js";

/**
 * GET /api/alerts: every monitor group with its state, value and since when (the status page
 * shows it). GET /api/downtimes: every calendar with the window in force and the windows of the
 * next `?days=` days (default 7), in UTC and local time, and the snoozes and one-off downtimes in force.
 */
export function registerAlertsApi(app: FastifyInstance, engine: AlertEngine): void {
  app.get("/api/alerts", () => ({ alerts: engine.alerts() }));
  app.get<{ Querystring: { days?: string } }>("/api/downtimes", async (req, reply) => {
    const days = req.query.days === undefined ? 7 : Number(req.query.days);
    if (!Number.isInteger(days) || days < 1 || days > 366)
      return reply.code(400).send({ error: `days must be a whole number from 1 to 366, got "${req.query.days}"` });
    return { calendars: engine.downtimes(days), one_offs: engine.oneOffs() };
  });
}
