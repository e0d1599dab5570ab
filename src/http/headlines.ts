/**
 * What a homeowner looks at first on the status page and the demo's live table: who is home,
 * what is on, the garden; then everything else.
 */
const HEADLINE_PREFIXES = ["presence.", "power.on", "power.watts", "hydro.", "sensor.", "power.energy", "device.online"];

export function headlineRank(metric: string): number {
  const i = HEADLINE_PREFIXES.findIndex((h) => metric.startsWith(h));
  return i < 0 ? HEADLINE_PREFIXES.length : i;
}
