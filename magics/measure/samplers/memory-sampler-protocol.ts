/** What the memory sampler's main side and its thread share (memory-sampler.ts, memory-sampler-worker.ts). */
import type { LineCounters, LineMemoryMeasurements } from "../builders/memory-lines";

/** Cells of the shared control array. */
export const CONTROL = {
  /** 1: take a last reading and end. */
  STOP: 0,
  /** Waited on between readings, so that a stop wakes the thread at once. */
  WAKE: 1,
  /** 1: the baseline is taken (origin set), start reading. */
  GO: 2,
  /** Set by the thread when the -t window closed (it stopped reading then). */
  TIMED_OUT: 3,
} as const;

export interface SamplerData {
  control: Int32Array;
  /** process.hrtime.bigint() at t = 0 (the baseline), set before GO. */
  origin: BigInt64Array;
  /** VmHWM when the -t window closed, bytes (NaN if unknown). */
  windowPeak: Float64Array;
  intervalMicros: number;
  timeoutSeconds: number | null;
  /** Microseconds between readings of the main isolate's heap split (through the inspector); null: none. */
  heapIntervalMicros: number | null;
  /** %mprun: the profiled functions' counters. */
  lines: LineCounters[];
}

export interface SamplerReport {
  /** Flat rows of t, rss, heapUsed, external, arrayBuffers (heap fields NaN until the first reading). */
  samples: Float64Array;
  /** Per function of `lines`, in order. */
  lines: LineMemoryMeasurements[];
}
