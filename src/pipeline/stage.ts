import type { Series, SeriesNamer } from "./normalize.js";
import type { Sample } from "./sample.js";

/**
 * A step between reading and aggregating, such as naming appliances or following who is home.
 * It sees every sample once it is named (normalised metric and tags, global tags included),
 * returns it (a copy with tags added, never the same arrays changed) and may push samples it
 * derives to `derived`; those go through the whole chain after it.
 */
export interface SampleStage {
  process(sample: Sample, derived: Sample[]): Sample;
}

type SampleSink = (sample: Sample, series: Series) => void;

/** Naming, then every stage, then the sink: the same chain for the live pipeline and for `--explain`. */
export class SampleChain {
  /** The series of tags a stage changed, per tags array and metric: stages hand out one array per series. */
  private renamed = new WeakMap<readonly string[], Map<string, Series>>();

  constructor(
    private namer: SeriesNamer,
    private readonly stages: readonly SampleStage[],
  ) {}

  setNamer(namer: SeriesNamer): void {
    this.namer = namer;
    this.renamed = new WeakMap();
  }

  private rename(metric: string, tags: string[]): Series {
    let byMetric = this.renamed.get(tags);
    if (!byMetric) this.renamed.set(tags, (byMetric = new Map<string, Series>()));
    let series = byMetric.get(metric);
    if (!series) byMetric.set(metric, (series = this.namer.name(metric, tags)));
    return series;
  }

  /** `owned`: the caller made `sample` for this call alone, so naming it may change it in place. */
  run(sample: Sample, sink: SampleSink, owned = false): void {
    let series = this.namer.name(sample.metric, sample.tags);
    let s: Sample;
    if (owned) {
      s = sample;
      s.metric = series.metric;
      s.tags = series.tags;
    } else s = { ...sample, metric: series.metric, tags: series.tags };
    if (this.stages.length === 0) return sink(s, series);
    const derived: Sample[] = [];
    for (const stage of this.stages) s = stage.process(s, derived);
    if (s.tags !== series.tags) {
      series = this.rename(s.metric, s.tags);
      s = { ...s, tags: series.tags };
    }
    sink(s, series);
    for (const d of derived) this.run(d, sink);
  }
}
