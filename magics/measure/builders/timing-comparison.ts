/**
 * Side-by-side comparison of variants of the same computation (naive, hoisted, typed arrays, …):
 * their %timeit results, and optionally their %memit results and sizes, against the first one.
 */
import type { Comparison, ComparisonRow, MemoryResult, TimeitResult } from "../../model/profile";

export interface ComparedVariant {
  label: string;
  /** From `%timeit -o` (or the timing API). */
  timeit: TimeitResult;
  /** From `%memit -o`. */
  memory?: MemoryResult;
  linesOfCode?: number;
}

/** Compares each variant with the first: speedup (baseline time / its time) and memory ratio. */
export function compareTimings(variants: readonly ComparedVariant[]): Comparison {
  if (variants.length === 0)
    throw new RangeError("compareTimings needs at least one variant (the first is the baseline)");
  const [baseline] = variants;
  const baselineMemory = baseline.memory?.increment ?? null;
  const rows = variants.map((v): ComparisonRow => {
    const memory = v.memory?.increment ?? null;
    return {
      label: v.label,
      time: v.timeit.mean,
      stdev: v.timeit.stdev,
      speedup: baseline.timeit.mean / v.timeit.mean,
      memory,
      memoryRatio: memory !== null && baselineMemory ? memory / baselineMemory : null,
      linesOfCode: v.linesOfCode ?? null,
    };
  });
  return { baseline: baseline.label, rows };
}
