import type { NotifyConfig } from "./schema.js";
import type { Message } from "./message.js";
import { Transports } from "./transports/index.js";

interface TestResult {
  channel: string;
  describe: string;
  ok: boolean;
  /** What the server answered (or why there was no answer). */
  answer: string;
}

/**
 * Sends one test message through each of a recipient's channels, at once and without the outbox
 * (a test is not a notification to keep or retry), and says what each server answered.
 */
export async function sendTestMessages(notify: NotifyConfig, host: string, recipient: string, now: number): Promise<TestResult[]> {
  const transports = new Transports(notify);
  try {
    const channels = transports.of(recipient) ?? [];
    return await Promise.all(
      channels.map(async (channel) => {
        const msg: Message = {
          id: 0,
          createdAt: now,
          kind: "test",
          priority: "default",
          title: "Hearth test message",
          body: `A test from Hearth on ${host}: ${channel.describe} reaches ${recipient}.`,
          ...(notify.status_url ? { url: notify.status_url } : {}),
          host,
        };
        const outcome = await channel.send(msg, now, AbortSignal.timeout(notify.timeout));
        return { channel: channel.key, describe: channel.describe, ok: outcome.kind === "delivered", answer: outcome.answer };
      }),
    );
  } finally {
    transports.close();
  }
}
