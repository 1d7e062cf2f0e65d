/**
 * The views for code, not only for magics: what `tsprof.display.profile/table/chart` turn into
 * MIME bundles (kernel/public.ts shows them).
 */
import type { MimeBundle } from "../core/context";
import type {
  AllocationProfileResult,
  Comparison,
  CpuProfileResult,
  LineProfileResult,
  MemoryLineProfileResult,
  MemoryResult,
  ProfileComparison,
  TimeitResult,
  TimeResult,
} from "../model/profile";
import { allocationViews } from "./allocation-views";
import { comparisonViews } from "./comparison-views";
import { cpuProfileViews } from "./cpu-profile-views";
import { htmlTable, heatShares, type TableCell } from "./html-table";
import { lineProfileViews } from "./line-profile-views";
import { memitViews, memoryLineProfileViews } from "./memory-views";
import { chartBundle, type Figure } from "./plotly";
import { profileComparisonViews } from "./profile-comparison-views";
import type { ProfileOrder } from "./profile-order";
import { timeitViews, timeViews } from "./timing-views";

export type ShowableResult =
  | AllocationProfileResult
  | CpuProfileResult
  | LineProfileResult
  | MemoryResult
  | MemoryLineProfileResult
  | TimeitResult
  | TimeResult
  | Comparison
  | ProfileComparison;

export interface ProfileViewOptions extends Partial<ProfileOrder> {
  /** %timeit's significant digits. */
  precision?: number;
  /** Only the table (or line), no charts. */
  tableOnly?: boolean;
}

/**
 * The bundles a magic would show for a result it returned (`%prun -r`, `%alloc -r`, `%lprun -r`,
 * `%memit -o`, `%mprun -r`, `%timeit -o`, a comparison).
 */
export function resultViews(result: ShowableResult, options: ProfileViewOptions = {}): MimeBundle[] {
  const views = viewsOf(result, options);
  return options.tableOnly ? views.slice(0, 1) : views;
}

function viewsOf(result: ShowableResult, options: ProfileViewOptions): MimeBundle[] {
  if ("labels" in result && "kind" in result) return profileComparisonViews(result);
  if ("sampledBytes" in result)
    return allocationViews(result, { sort: options.sort ?? [], limits: options.limits ?? [] });
  if ("tree" in result && "table" in result)
    return cpuProfileViews(result, { sort: options.sort ?? ["time"], limits: options.limits ?? [] });
  if ("timerUnit" in result) return lineProfileViews(result);
  if ("functions" in result) return memoryLineProfileViews(result);
  if ("increment" in result && "samples" in result) return memitViews(result);
  if ("timings" in result) return timeitViews(result, { precision: options.precision });
  if ("wall" in result) return timeViews(result);
  if ("baseline" in result && "rows" in result) return comparisonViews(result);
  throw new TypeError(
    "tsprof.display.profile: not a profile result. It takes what %prun -r, %alloc -r, %lprun -r, " +
      "%memit -o, %mprun -r, %timeit -o and tsprof.compare() return.",
  );
}

export interface RecordTableOptions {
  /** Column whose numbers get heat shading. */
  heat?: string;
  /** Lines above the table. */
  caption?: string | string[];
  /** Column the rows are already sorted by (shown as the sort state), descending unless `ascending`. */
  sortedBy?: string;
  ascending?: boolean;
}

/** A sortable table of plain objects: one column per key (in first-seen order); numeric columns sort as numbers. */
export function recordTable(records: readonly Record<string, unknown>[], options: RecordTableOptions = {}): MimeBundle {
  if (!Array.isArray(records)) throw new TypeError("tsprof.display.table takes an array of objects, one per row.");
  const columns = [...new Set(records.flatMap((r) => Object.keys(r ?? {})))];
  const numeric = columns.map((c) =>
    records.every((r) => r?.[c] === undefined || r[c] === null || typeof r[c] === "number"),
  );
  const heatColumn = options.heat === undefined ? -1 : columns.indexOf(options.heat);
  if (options.heat !== undefined && (heatColumn < 0 || !numeric[heatColumn])) {
    throw new TypeError(
      `tsprof.display.table: heat column '${options.heat}' is not a numeric column of the rows ` +
        `(columns: ${columns.join(", ")}).`,
    );
  }
  const heat = heatColumn < 0 ? [] : heatShares(records.map((r) => Number(r?.[columns[heatColumn]] ?? 0)));
  const rows = records.map((record, i): TableCell[] =>
    columns.map((column, c) => {
      const value = record?.[column];
      const text =
        value === undefined || value === null ? "" : typeof value === "number" ? formatNumber(value) : String(value);
      return {
        text,
        sortKey: numeric[c] ? (typeof value === "number" ? value : null) : undefined,
        heat: c === heatColumn ? heat[i] : undefined,
      };
    }),
  );
  const caption =
    options.caption === undefined ? [] : Array.isArray(options.caption) ? options.caption : [options.caption];
  const sortedColumn = options.sortedBy === undefined ? -1 : columns.indexOf(options.sortedBy);
  const html = htmlTable({
    caption,
    columns: columns.map((label, c) => ({ label, numeric: numeric[c], code: !numeric[c] })),
    rows,
    sortedBy: sortedColumn < 0 ? undefined : { column: sortedColumn, descending: !options.ascending },
  });
  return { "text/plain": textTable(columns, rows, numeric), "text/html": html };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : Number(x.toPrecision(6)).toString();
}

function textTable(columns: string[], rows: TableCell[][], numeric: boolean[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].text.length)));
  const line = (cells: string[]) =>
    cells
      .map((t, i) => (numeric[i] ? t.padStart(widths[i]) : t.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map((r) => line(r.map((c) => c.text))),
  ].join("\n");
}

/** A plotly figure ({data, layout}) as a chart bundle that draws offline. */
export function figureBundle(figure: Partial<Figure>, description = "plotly chart"): MimeBundle {
  if (!Array.isArray(figure?.data))
    throw new TypeError("tsprof.display.chart takes a plotly figure: { data: [...traces], layout?: {...} }.");
  return chartBundle({ data: figure.data, layout: figure.layout ?? {} }, description);
}
