import { describeError } from "../../kit/errors.js";
import type { StoredPoint } from "../../store/points.js";
import type { SendOutcome, Sink } from "../sink.js";
import { dogstatsdLine, packLines } from "./format.js";
import type { Transport } from "./transport.js";

/** Points per send: a few dozen datagrams, so a backlog reaches the agent in bursts its receive buffer can take. */
const MAX_POINTS_PER_SEND = 1000;

/** A local Datadog agent, over DogStatsD. "Delivered" means handed to the agent's socket. */
export class DogStatsdSink implements Sink {
  readonly name = "dogstatsd";
  readonly label = "DogStatsD";

  constructor(
    private readonly transport: Transport,
    private readonly host: string,
  ) {}

  private tooLong(p: StoredPoint): boolean {
    return Buffer.byteLength(dogstatsdLine(p, this.host)) > this.transport.maxLine;
  }

  /** A line too long for the transport travels alone, so it can be set aside without the points around it. */
  fit(points: readonly StoredPoint[], start: number): number {
    if (this.tooLong(points[start]!)) return 1;
    const end = Math.min(points.length, start + MAX_POINTS_PER_SEND);
    let i = start + 1;
    while (i < end && !this.tooLong(points[i]!)) i++;
    return i - start;
  }

  async send(points: readonly StoredPoint[]): Promise<SendOutcome> {
    const lines = points.map((p) => dogstatsdLine(p, this.host));
    if (points.length === 1 && Buffer.byteLength(lines[0]!) > this.transport.maxLine)
      return {
        kind: "rejected",
        code: "HEARTH_E_DOGSTATSD_FAILED",
        status: 0,
        errors: [`a DogStatsD line of ${Buffer.byteLength(lines[0]!)} bytes is longer than ${this.transport.address} takes (${this.transport.maxLine})`],
      };
    try {
      await this.transport.send(packLines(lines, this.transport.maxPayload));
      return { kind: "delivered" };
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "no agent is listening (ECONNREFUSED)" : describeError(err);
      return { kind: "retry", code: "HEARTH_E_DOGSTATSD_FAILED", reason: "network", detail: `cannot send to the agent at ${this.transport.address}: ${why}` };
    }
  }

  close(): void {
    this.transport.close();
  }
}
