/**
 * Turns per-probe hits and times into line_profiler's table rows: one row per source line of
 * each function. A line's Hits are those of the first statement on it (so `if (c) x();` counts
 * the `if`, and a `for` header counts its test evaluations); its Time is the sum over every
 * statement on it, including arrow callbacks written on the same line.
 */
import type { FunctionRef, FunctionLineProfile, LineProfileResult, LineStats } from "../model/profile";
import type { LineMeasurements } from "./line-sampler";

/** A function's rows: its source lines and, per probe (a counted statement), the line it is on. */
export interface LineLayout {
  ref: FunctionRef;
  lines: string[];
  probes: { id: number; line: number }[];
}

/** `measured[i]` holds the hits and times of `functions[i]`'s probes. */
export function buildLineProfile(functions: LineLayout[], measured: LineMeasurements[], statement: string, timerUnit: number): LineProfileResult {
  return { timerUnit, functions: functions.map((f, i) => functionProfile(f, measured[i])), statement };
}

function functionProfile(fn: LineLayout, measured: LineMeasurements): FunctionLineProfile {
  const lines: LineStats[] = fn.lines.map((contents, i) => ({ line: fn.ref.line + i, hits: 0, time: 0, contents, hasCode: false }));
  forEachProbeRow(fn, (row, id, first) => {
    const stats = lines[row];
    if (first) stats.hits = measured.hits[id];
    stats.hasCode = true;
    stats.time += measured.times[id];
  });
  return { fn: fn.ref, totalTime: lines.reduce((sum, l) => sum + l.time, 0), lines };
}

/**
 * Visits each probe once (several probes may share an id) with its row in `fn.lines`; `first`
 * when it is the first statement on its line, the one whose count is the line's.
 */
export function forEachProbeRow(fn: LineLayout, visit: (row: number, probeId: number, first: boolean) => void): void {
  const counted = new Set<number>();
  const rowsStarted = new Set<number>();
  for (const probe of fn.probes) {
    const row = probe.line - fn.ref.line;
    if (row < 0 || row >= fn.lines.length || counted.has(probe.id)) continue;
    counted.add(probe.id);
    visit(row, probe.id, !rowsStarted.has(row));
    rowsStarted.add(row);
  }
}

/** `-s`: only the lines that ran. */
export function withoutUnhitLines(result: LineProfileResult): LineProfileResult {
  return { ...result, functions: result.functions.map((f) => ({ ...f, lines: f.lines.filter((l) => l.hits > 0) })) };
}
