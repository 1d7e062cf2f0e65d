/** Small statistics for benchmarks: medians of repeated timings. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Seconds `fn` takes, once. */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between the sorted values. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/**
 * An overhead ratio from paired runs (`measured[i]` ran next to `plain[i]`), with its spread: the
 * paired ratios' quartiles and extremes. A ratio below 1× cannot be a cost of measuring, and one
 * whose quartiles hold 1× is not told apart from it: both are reported as noise.
 */
export function overheadWithSpread(plain: number[], measured: number[]) {
  const pairs = plain.map((p, i) => measured[i] / p);
  const ratio = median(measured) / median(plain);
  const spread = {
    q1: round(quantile(pairs, 0.25)),
    q3: round(quantile(pairs, 0.75)),
    min: round(Math.min(...pairs)),
    max: round(Math.max(...pairs)),
  };
  const range = `paired ratios ${spread.q1}–${spread.q3}× (quartiles), ${spread.min}–${spread.max}× (all)`;
  const verdict =
    ratio < 1
      ? `noise: below 1× (${round(ratio)}×), so no measurable overhead; ${range}`
      : spread.q1 <= 1
        ? `noise: ${round(ratio)}× but the quartiles hold 1×; ${range}`
        : `overhead ${round(ratio)}×; ${range}`;
  return { ratio: round(ratio), spread, verdict };
}

/** Milliseconds of repeated runs (given in ms): the median and the range. */
export function msSpread(ms: number[]) {
  return { median: round(median(ms), 2), min: round(Math.min(...ms), 2), max: round(Math.max(...ms), 2) };
}

/** `numerator / denominator` from paired runs (`numerator[i]` ran next to `denominator[i]`): the ratio of medians and the paired ratios' range. */
export function pairedRatio(numerator: number[], denominator: number[]) {
  const pairs = numerator.map((n, i) => n / denominator[i]);
  return {
    ratio: round(median(numerator) / median(denominator), 2),
    min: round(Math.min(...pairs), 2),
    max: round(Math.max(...pairs), 2),
  };
}
