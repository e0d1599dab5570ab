import type { FastifyInstance } from "fastify";

/** One message as the demo's phone shows it. */
interface PhoneMessage {
  /** When the phone received it (the hub's clock, story time in the demo). */
  at: number;
  title: string;
  message: string;
  state: string | undefined;
}

const KEEP = 20;

/**
 * The demo's phone: a webhook receiver on the hub's own HTTP port (POST /demo/phone), so the
 * demo's notifications travel the real path — outbox, webhook channel, HTTP — with no account
 * anywhere. The live terminal view prints what it received.
 */
export class DemoPhone {
  readonly messages: PhoneMessage[] = [];

  constructor(private readonly now: () => number) {}

  register(app: FastifyInstance): void {
    app.post("/demo/phone", async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (k: string) => (typeof body[k] === "string" ? body[k] : undefined);
      const title = text("title");
      if (title === undefined) return reply.code(400).send({ error: "expected the webhook's JSON with a title", code: "HEARTH_E_REQUEST_INVALID" });
      this.messages.push({ at: this.now(), title, message: text("message") ?? "", state: text("state") });
      this.messages.splice(0, Math.max(0, this.messages.length - KEEP));
      return reply.code(204).send();
    });
  }
}
