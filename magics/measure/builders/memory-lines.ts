/**
 * %mprun's attribution of memory to lines: with the RSS at every reading, the memory sampler thread reads
 * the statement each profiled function is on, and gives each RSS change to a statement.
 * See docs/how-it-works.md, "From readings to tables".
 */
import type { FunctionMemoryProfile, MemoryLineProfileResult, MemoryLineStats } from "../../model/profile";
import { forEachProbeRow, type LineLayout } from "./line-profile";

/** A profiled function's counters as its line-counting copy writes them (shared memory). */
export interface LineCounters {
  hits: Uint32Array;
  current: Int32Array;
}

/** Per probe id of one function. */
export interface LineMemoryMeasurements {
  /** Exact hits. */
  hits: number[];
  /** RSS change attributed to the probe's statement, bytes. */
  increments: number[];
  /** RSS at the end of the last interval in which the statement ran, bytes; null if it never ran. */
  memUsage: (number | null)[];
}

/** Lives in the sampler thread: one per profiled function. */
export class LineMemoryAttribution {
  private readonly increments: Float64Array;
  private readonly memUsage: Float64Array;
  private readonly lastHits: Uint32Array;
  private readonly carries: Float64Array;
  private lastCurrent = 0;

  constructor(private readonly counters: LineCounters) {
    const n = counters.hits.length;
    this.increments = new Float64Array(n);
    this.memUsage = new Float64Array(n).fill(NaN);
    this.lastHits = new Uint32Array(n);
    this.carries = new Float64Array(n);
  }

  /** One reading: the RSS now and its change since the previous reading, bytes. */
  record(rss: number, delta: number): void {
    const { hits, current } = this.counters;
    const now = Atomics.load(current, 0);
    for (let id = 1; id < hits.length; id++) {
      const n = Atomics.load(hits, id);
      if (n === this.lastHits[id]) continue;
      if (n < this.lastHits[id]) this.carries[id]++;
      this.lastHits[id] = n;
      this.memUsage[id] = rss;
    }
    if (now !== 0) this.memUsage[now] = rss;
    if (this.lastCurrent !== 0) this.memUsage[this.lastCurrent] = rss;
    const target = now !== 0 ? now : this.lastCurrent;
    if (target !== 0) this.increments[target] += delta;
    this.lastCurrent = now;
  }

  measurements(): LineMemoryMeasurements {
    return {
      hits: Array.from(this.lastHits, (n, id) => n + this.carries[id] * 2 ** 32),
      increments: Array.from(this.increments),
      memUsage: Array.from(this.memUsage, (m) => (Number.isNaN(m) ? null : m)),
    };
  }
}

/**
 * memory_profiler's rows: one per source line of each function. A line's Occurrences are the
 * hits of its first statement (as %lprun's Hits), its Increment the sum over its statements,
 * its Mem usage the highest of theirs (memory_profiler too keeps a line's highest).
 */
export function buildMemoryLineProfile(
  functions: LineLayout[],
  measured: LineMemoryMeasurements[],
  statement: string,
): MemoryLineProfileResult {
  return { functions: functions.map((f, i) => functionProfile(f, measured[i])), statement };
}

function functionProfile(fn: LineLayout, measured: LineMemoryMeasurements): FunctionMemoryProfile {
  const lines: MemoryLineStats[] = fn.lines.map((contents, i) => ({
    line: fn.ref.line + i,
    memUsage: null,
    increment: 0,
    occurrences: 0,
    contents,
    hasCode: false,
  }));
  forEachProbeRow(fn, (row, id, first) => {
    const stats = lines[row];
    if (first) stats.occurrences = measured.hits[id];
    stats.hasCode = true;
    stats.increment += measured.increments[id];
    const mem = measured.memUsage[id];
    if (mem !== null && (stats.memUsage === null || mem > stats.memUsage)) stats.memUsage = mem;
  });
  return { fn: fn.ref, lines };
}
