/**
 * Deltas and per-second rates from counters that only grow (pg_stat_database.xact_commit,
 * a Proxmox guest's netin), read once per poll. The first reading has nothing to compare with,
 * and a reading lower than the last means the counter was reset (a server restart, a guest
 * reboot): both start a new baseline instead of a spike, as Datadog's agent does for `rate` and
 * `monotonic_count` (https://docs.datadoghq.com/metrics/custom_metrics/agent_metrics_submission/).
 */
interface CounterChange {
  delta: number;
  perSecond: number;
}

export class CounterTracker {
  private readonly last = new Map<string, { value: number; time: number; round: number }>();
  private round = 0;

  /** The change since the previous reading of `key`, or undefined for a first reading or a reset. */
  change(key: string, value: number, time: number): CounterChange | undefined {
    const prev = this.last.get(key);
    this.last.set(key, { value, time, round: this.round });
    if (!prev || value < prev.value || time <= prev.time) return undefined;
    const delta = value - prev.value;
    return { delta, perSecond: delta / ((time - prev.time) / 1000) };
  }

  /**
   * Ends a poll: counters not read during it belong to something that disappeared (a dropped
   * database, a deleted guest) and are forgotten, so memory does not grow with churn.
   */
  endRound(): void {
    for (const [key, entry] of this.last) if (entry.round !== this.round) this.last.delete(key);
    this.round++;
  }
}
