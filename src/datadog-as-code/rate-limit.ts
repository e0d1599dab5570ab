import type { HttpLibrary, RequestContext, ResponseContext } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/http/http.js";

/**
 * Wraps the client's HTTP library: a 429 waits for `X-RateLimit-Reset` ("the time in seconds
 * until the current rate limit period resets", https://docs.datadoghq.com/api/latest/rate-limits/)
 * with a countdown the user sees, then sends the same request again. The client's own retries
 * are off (its default), so this is the only place that waits.
 */
export class RateLimitedHttp implements HttpLibrary {
  constructor(
    private readonly inner: HttpLibrary,
    private readonly say: (line: string) => void,
    private readonly maxWaits = 5,
  ) {}

  async send(request: RequestContext): Promise<ResponseContext> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.inner.send(request);
      if (response.httpStatusCode !== 429 || attempt >= this.maxWaits) return response;
      const reset = Number(response.headers["x-ratelimit-reset"] ?? "");
      const seconds = Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : 2 ** attempt;
      const name = response.headers["x-ratelimit-name"];
      await this.countdown(seconds, name ? ` (${name})` : "");
    }
  }

  private async countdown(seconds: number, name: string): Promise<void> {
    for (let left = seconds; left > 0; left--) {
      this.say(`Datadog's rate limit${name} is reached: trying again in ${left}s`);
      await new Promise<void>((resolve) => setTimeout(resolve, 1000));
    }
  }
}
