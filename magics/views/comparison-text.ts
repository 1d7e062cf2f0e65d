/** The side-by-side comparison of variants as a fixed-width text table. */
import type { Comparison, ComparisonRow } from "../model/profile";
import { formatBytes, formatTime } from "./pyformat";

export const COMPARISON_HEADERS = [
  "variant",
  "time",
  "± std. dev.",
  "speedup",
  "memory",
  "memory ratio",
  "lines of code",
] as const;

/** One row's cells as text, in COMPARISON_HEADERS order; "-" where a value was not measured. */
export function comparisonCells(row: ComparisonRow): string[] {
  return [
    row.label,
    formatTime(row.time),
    formatTime(row.stdev),
    `${formatRatio(row.speedup)}×`,
    row.memory === null ? "-" : formatBytes(row.memory),
    row.memoryRatio === null ? "-" : `${formatRatio(row.memoryRatio)}×`,
    row.linesOfCode === null ? "-" : String(row.linesOfCode),
  ];
}

/** Three significant digits, but never in exponent form: 1.00, 23.4, 1234. */
export function formatRatio(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

export function comparisonText(comparison: Comparison): string {
  const rows = comparison.rows.map(comparisonCells);
  const widths = COMPARISON_HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // The label column reads left-aligned, the numbers right-aligned.
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [`Compared with ${comparison.baseline}:`, line(COMPARISON_HEADERS), rule, ...rows.map(line)].join("\n");
}
