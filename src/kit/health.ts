/**
 * What /healthz reports. Each part of the hub sets its own state; only the parts the hub cannot
 * work without (the broker, the store) make the whole hub unhealthy. An integration or a sink
 * that is down is `degraded`, so a container stays healthy while openHAB reboots.
 */
type ComponentState = "ok" | "starting" | "degraded" | "down" | "disabled";

interface ComponentHealth {
  state: ComponentState;
  /** True for the broker and the store: when they are down, /healthz answers 503. */
  critical: boolean;
  since: string;
  detail?: string;
  /** Extra facts worth showing: chosen ports, queue depths, last error code. */
  info?: Record<string, unknown>;
}

export class Health {
  private readonly components = new Map<string, ComponentHealth>();

  constructor(private readonly now: () => number) {}

  set(name: string, state: ComponentState, opts: { critical?: boolean; detail?: string; info?: Record<string, unknown> } = {}): void {
    const prev = this.components.get(name);
    this.components.set(name, {
      state,
      critical: opts.critical ?? prev?.critical ?? false,
      since: prev && prev.state === state ? prev.since : new Date(this.now()).toISOString(),
      ...(opts.detail !== undefined ? { detail: opts.detail } : {}),
      ...(opts.info !== undefined || prev?.info ? { info: { ...prev?.info, ...opts.info } } : {}),
    });
  }

  remove(name: string): void {
    this.components.delete(name);
  }

  get(name: string): ComponentHealth | undefined {
    return this.components.get(name);
  }

  /** `down` when a critical part is down, `degraded` when anything else is not ok, else `ok`. */
  status(): "ok" | "degraded" | "down" {
    let status: "ok" | "degraded" = "ok";
    for (const c of this.components.values()) {
      if (c.critical && c.state === "down") return "down";
      if (c.state !== "ok" && c.state !== "disabled") status = "degraded";
    }
    return status;
  }

  snapshot(): Record<string, ComponentHealth> {
    return Object.fromEntries([...this.components.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
