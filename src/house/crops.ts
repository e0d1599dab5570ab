/**
 * Target ranges of the nutrient solution per crop, for alert rules to refer to by name
 * (`crop: lettuce`). Compiled from three published tables, which disagree on EC; each source's
 * range is kept beside the profile's own, which spans them all: a reading outside it is one no
 * source would accept. A tank can narrow either range (`ph_range`, `ec_range` in `tanks:`).
 *
 * Sources (test/fixtures/hydroponics/crop-ranges-ph-ec.json):
 *   A  https://truleaf.org/guides/ph-ec
 *   B  https://www.todohydro.com/blog/learn-hydroponics-38/everything-you-need-to-know-about-electrical-conductivity-ec-in-hydroponics-96
 *   C  https://meascom.com.au/ideal-ec-levels-for-hydroponics-and-how-to-measure-them-accurately
 * EC is in mS/cm, the unit Hearth reports `hydro.ec` in.
 */
export interface Range {
  min: number;
  max: number;
}

interface CropProfile {
  /** pH of the solution. */
  ph: Range;
  /** Electrical conductivity in mS/cm. */
  ec: Range;
  /** Each source's own figures, as published. */
  sources: { ph: (Range & { source: string })[]; ec: (Range & { source: string })[] };
}

type SourcedRange = Range & { source: string };

const r = (min: number, max: number, source: string): SourcedRange => ({ min, max, source });

const SOURCES: Record<string, { ph: SourcedRange[]; ec: SourcedRange[] }> = {
  lettuce: { ph: [r(5.5, 6.5, "A (leafy greens)")], ec: [r(0.8, 1.2, "A"), r(1.2, 1.8, "B"), r(1.2, 1.8, "C")] },
  basil: { ph: [r(5.5, 6.5, "A (herbs)")], ec: [r(1.0, 1.6, "A"), r(1.0, 1.6, "B"), r(1.0, 1.6, "C (herbs: basil, mint)")] },
  tomato: { ph: [r(5.5, 6.5, "A")], ec: [r(2.0, 5.0, "A (fruiting)"), r(2.0, 3.5, "B"), r(2.0, 3.5, "C")] },
  strawberry: { ph: [r(5.5, 6.2, "A")], ec: [r(1.0, 1.4, "A (fruiting)"), r(1.4, 2.0, "B"), r(1.4, 2.0, "C")] },
};

const span = (ranges: SourcedRange[]): Range => ({ min: Math.min(...ranges.map((x) => x.min)), max: Math.max(...ranges.map((x) => x.max)) });

export const CROP_PROFILES: Readonly<Record<string, CropProfile>> = Object.freeze(
  Object.fromEntries(Object.entries(SOURCES).map(([crop, s]) => [crop, { ph: span(s.ph), ec: span(s.ec), sources: s }])),
);

export const CROP_NAMES = Object.keys(SOURCES) as [string, ...string[]];
