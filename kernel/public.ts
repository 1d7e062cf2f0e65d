/**
 * What cells get from `import * as tsprof from "tsprof"` (and `import * as tslab from "tslab"`,
 * tslab's own API, which keeps working): display helpers for rich output, including clearing the
 * cell's output.
 */
import { tslabPublic, writeDisplayData } from "./exec/tslab-bridge";
import type { MimeBundle } from "../magics/core/context";
import {
  figureBundle,
  recordTable,
  resultViews,
  type ProfileViewOptions,
  type RecordTableOptions,
  type ShowableResult,
} from "../magics/views/display";
import { libraryElement, type Figure } from "../magics/views/plotly";
import { compareTimings, type ComparedVariant } from "../magics/measure/builders/timing-comparison";
import {
  compareProfiles,
  type CompareOptions,
  type ComparedProfile,
} from "../magics/measure/builders/profile-comparison";
import type { Comparison, ProfileComparison } from "../magics/model/profile";
import { profile } from "./marker";

/** A script's `@profile` mark (marker.ts), so code moved between a script and a notebook keeps working. */
export { profile };

interface OutputControl {
  clear(wait: boolean): void;
}

let currentOutput: OutputControl | null = null;

/** The kernel points this at the running cell's output before each execution. */
export function bindCellOutput(output: OutputControl): void {
  currentOutput = output;
}

const tslabDisplay = tslabPublic.display;

export const display = {
  html: (s: string) => tslabDisplay.html(s),
  markdown: (s: string) => tslabDisplay.markdown(s),
  latex: (s: string) => tslabDisplay.latex(s),
  svg: (s: string) => tslabDisplay.svg(s),
  png: (b: Uint8Array) => tslabDisplay.png(b),
  jpeg: (b: Uint8Array) => tslabDisplay.jpeg(b),
  gif: (b: Uint8Array) => tslabDisplay.gif(b),
  pdf: (b: Uint8Array) => tslabDisplay.pdf(b),
  text: (s: string) => tslabDisplay.text(s),
  javascript: (s: string) => tslabDisplay.javascript(s),
  /** Shows any MIME bundle, e.g. `{"text/plain": "…", "application/json": {...}}`. */
  mime(bundle: MimeBundle): void {
    writeDisplayData({ data: bundle, metadata: {}, transient: {} });
  },
  /**
   * Shows a result the way its magic does: `%prun -r`'s profile (sortable table, call tree,
   * top functions; `{sort: ["cumulative"], limits: ["10"]}` as -s/-l), `%alloc -r`'s, `%lprun -r`'s, `%timeit -o`'s,
   * a comparison. `{tableOnly: true}` leaves out the charts.
   */
  profile(result: ShowableResult, options?: ProfileViewOptions): void {
    for (const bundle of resultViews(result, options)) display.mime(bundle);
  },
  /** A sortable table of objects, one per row, e.g. `display.table(rows, {heat: "ms"})`. */
  table(rows: readonly Record<string, unknown>[], options?: RecordTableOptions): void {
    display.mime(recordTable(rows, options));
  },
  /** A plotly figure `{data, layout}`, drawn offline (and natively where plotly is rendered). */
  chart(figure: Partial<Figure>, description?: string): void {
    display.mime(figureBundle(figure, description));
  },
  /** Embeds plotly.js in this output again, for charts whose page lost it (the output that carried it was cleared). */
  plotlyLibrary(): void {
    display.mime({
      "text/html": `${libraryElement()}<div>plotly.js is loaded on this page.</div>`,
      "text/plain": "plotly.js embedded",
    });
  },
  /** Clears the cell's output; with `wait`, only when the next output arrives (no flicker). */
  clear(wait = false): void {
    currentOutput?.clear(wait);
  },
};

export const versions: { tslab: string; typescript: string; node: string } = tslabPublic.versions;

// The types of what the API takes and returns, so a cell's inferred types can be named as
// `tsprof.Comparison` (in a global install, the files declaring them are not importable).
export type * from "../magics/model/profile";
export type { MimeBundle, ComparedVariant, Figure, ProfileViewOptions, RecordTableOptions, ShowableResult };

/**
 * Side by side, against the first entry, shown as a table and a chart and returned:
 * - variants of one computation: `%timeit -o` results (and optionally `%memit -o` ones and lines
 *   of code) as `[{label, timeit, memory?, linesOfCode?}, …]`, their times and speedups;
 * - runs of a profile: `%prun -r`, `%alloc -r` or `%lprun -r` results as `[{label, profile}, …]`, row by row
 *   (functions matched by name, lines by text), with the change of the last against the first;
 *   `{sort: ["cumulative"]}` orders them by another column's change.
 */
export function compare(variants: readonly ComparedVariant[]): Comparison;
export function compare(runs: readonly ComparedProfile[], options?: CompareOptions): ProfileComparison;
export function compare(
  entries: readonly (ComparedVariant | ComparedProfile)[],
  options?: CompareOptions,
): Comparison | ProfileComparison {
  const timings =
    Array.isArray(entries) &&
    entries.length > 0 &&
    entries.every((e) => typeof e === "object" && e !== null && "timeit" in e);
  const comparison = timings
    ? compareTimings(entries as ComparedVariant[])
    : compareProfiles(entries as ComparedProfile[], options);
  display.profile(comparison);
  return comparison;
}

export const publicModules: Record<string, unknown> = {
  tslab: tslabPublic,
  tsprof: { display, versions, compare, profile },
};
