/**
 * Numbers as a person reads them: at the precision they carry. A reading a device sent
 * (`11.661`, `6.294`) has a short decimal form and is shown as it is; a value arithmetic made
 * (`61354.393 Wh / 1000` is `61.354392999999995`, a mean of thirds) has a tail of binary
 * noise or a repeating fraction, and is shown to six significant digits (`61.3544`). Only what
 * is shown changes: the stored and sent value is the exact number.
 */

/** More significant digits than this in a number's shortest form means arithmetic made them. */
const CARRIED_DIGITS = 10;
/** Significant digits shown of a computed value (never fewer than its whole part). */
const SHOWN_DIGITS = 6;

function significantDigits(shortest: string): number {
  const mantissa = shortest.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "");
  return mantissa.replace(/^0+/, "").length;
}

/** The number to show: `value` itself, or rounded when its digits are arithmetic's rather than the device's. */
export function readableNumber(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  if (significantDigits(String(value)) <= CARRIED_DIGITS) return value;
  const wholeDigits = Math.abs(value) >= 1 ? Math.floor(Math.log10(Math.abs(value))) + 1 : 0;
  return Number(value.toPrecision(Math.min(21, Math.max(SHOWN_DIGITS, wholeDigits))));
}

/** `readableNumber` as text, for anything printed. */
export const formatNumber = (value: number): string => String(readableNumber(value));
