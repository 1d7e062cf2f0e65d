/**
 * What cells get from `import * as tsprof from "tsprof"` (and `import * as tslab from "tslab"`,
 * tslab's own API, which keeps working): display helpers for rich output, including clearing the
 * cell's output.
 */
import { tslabJupyter, tslabPublic } from "./tslab-bridge";
import type { MimeBundle } from "../magics/context";

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
    tslabJupyter.lastWriteDisplayData?.({ data: bundle as any, metadata: {}, transient: {} }, false);
  },
  /** Clears the cell's output; with `wait`, only when the next output arrives (no flicker). */
  clear(wait = false): void {
    currentOutput?.clear(wait);
  },
};

export const versions = tslabPublic.versions;

export const publicModules: Record<string, unknown> = {
  tslab: tslabPublic,
  tsprof: { display, versions },
};
