/**
 * What cells get from `import * as tsprof from "tsprof"` (and `import * as tslab from "tslab"`,
 * tslab's own API, which keeps working): display helpers for rich output, including clearing the
 * cell's output.
 */
import { tslabPublic, writeDisplayData } from "./tslab-bridge";
import type { MimeBundle } from "../magics/context";
import { figureBundle, recordTable, resultViews, type ProfileViewOptions, type RecordTableOptions, type ShowableResult } from "../magics/views/display";
import { libraryElement, type Figure } from "../magics/views/plotly";
import { compareTimings, type ComparedVariant } from "../magics/measure/compare";
import type { Comparison } from "../magics/model/profile";

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
   * top functions; `{sort: ["cumulative"], limits: ["10"]}` as -s/-l), `%lprun -r`'s, `%timeit -o`'s,
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
    display.mime({ "text/html": `${libraryElement()}<div>plotly.js is loaded on this page.</div>`, "text/plain": "plotly.js embedded" });
  },
  /** Clears the cell's output; with `wait`, only when the next output arrives (no flicker). */
  clear(wait = false): void {
    currentOutput?.clear(wait);
  },
};

export const versions = tslabPublic.versions;

/**
 * Variants of one computation side by side, against the first: `%timeit -o` results (and
 * optionally `%memit -o` ones and lines of code) in, a table and a chart of times and speedups
 * shown, the Comparison returned.
 */
export function compare(variants: readonly ComparedVariant[]): Comparison {
  const comparison = compareTimings(variants);
  display.profile(comparison);
  return comparison;
}

export const publicModules: Record<string, unknown> = {
  tslab: tslabPublic,
  tsprof: { display, versions, compare },
};
