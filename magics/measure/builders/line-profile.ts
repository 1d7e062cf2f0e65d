/**
 * Turns per-probe hits and times into line_profiler's table rows: one row per source line of each
 * function. See docs/how-it-works.md, "From readings to tables".
 */
import type { FunctionRef, FunctionLineProfile, LineProfileResult, LineStats } from "../../model/profile";
import type { LineMeasurements } from "../../../kernel/line-profiler/line-sampler";

/** A function's rows: its source lines and, per probe (a counted statement), the line it is on. */
export interface LineLayout {
  ref: FunctionRef;
  lines: string[];
  probes: { id: number; line: number }[];
}

/** A profiled function's clocks, in milliseconds: [its measured total, …] and, with clocked lines, per probe id. */
export interface FunctionClocks {
  clock: Float64Array;
  lineClock: Float64Array;
}

/**
 * `measured[i]` holds the hits and sampled times of `functions[i]`'s probes. Its Total time is
 * its clock's; with `clockLines` the line times are the clocked ones too.
 */
export function buildLineProfile(
  functions: (LineLayout & FunctionClocks)[],
  measured: LineMeasurements[],
  statement: string,
  options: { timerUnit: number; clockLines: boolean },
): LineProfileResult {
  const profiles = functions.map((f, i) => {
    const total = f.clock[0] / 1e3;
    const times = options.clockLines ? Array.from(f.lineClock, (ms) => ms / 1e3) : sharesOf(measured[i].times, total);
    return functionProfile(f, { hits: measured[i].hits, times }, total);
  });
  return { timerUnit: options.timerUnit, functions: profiles, statement };
}

/**
 * Sampled line times as shares of the clocked total. The sampler charges a whole interval to the
 * line it reads at the interval's end, so its sum can differ from the clock by up to an interval
 * per call (which would read as more than 100% of a short run); each line's share of the readings
 * is what it measured, and the total is exact. Slot 0 is the time the function ran on no line of
 * its own, and stays out of the lines.
 */
export function sharesOf(sampled: number[], total: number): number[] {
  const sum = sampled.reduce((a, b) => a + b, 0);
  return sum === 0 ? sampled : sampled.map((t) => (t / sum) * total);
}

function functionProfile(fn: LineLayout, measured: LineMeasurements, totalTime: number): FunctionLineProfile {
  const lines: LineStats[] = fn.lines.map((contents, i) => ({
    line: fn.ref.line + i,
    hits: 0,
    time: 0,
    contents,
    hasCode: false,
  }));
  forEachProbeRow(fn, (row, id, first) => {
    const stats = lines[row];
    if (first) stats.hits = measured.hits[id];
    stats.hasCode = true;
    stats.time += measured.times[id];
  });
  return { fn: fn.ref, totalTime, lines };
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
