/**
 * Measures the memory a statement uses, for %memit and %mprun: a baseline, then its runs with a sampler
 * thread (memory-sampler-worker.ts) reading memory, and the peak. The thread is stopped whatever happens.
 * See docs/how-it-works.md, "Samplers".
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { MagicContext } from "../../core/context";
import type { MemoryResult, MemorySample } from "../../model/profile";
import type { LineCounters, LineMemoryMeasurements } from "../builders/memory-lines";
import { collectGarbage, readMemory, readPeakRss, resetPeakRss } from "./memory-readings";
import { CONTROL, type SamplerData, type SamplerReport } from "./memory-sampler-protocol";
import { lateAfter, withinDeadline } from "./deadline";
import { sharedArray } from "./shared-array";

export interface MemoryOptions {
  /** Seconds between readings. */
  interval: number;
  /** Stop measuring after this many seconds (further runs are skipped; a running one finishes); null: no limit. */
  timeout: number | null;
  /** Runs of the statement (-r); the peak is the highest over them, the baseline is taken once. */
  repeats: number;
  /** Collect garbage before the baseline (-g; see collectGarbage). */
  collectGarbage: boolean;
  /** Read the main isolate's heap split during the runs, every `interval` but at most every HEAP_INTERVAL_FLOOR. */
  sampleHeap: boolean;
  /** %mprun: attribute RSS changes to these functions' lines. */
  lines: LineCounters[];
}

export interface MemoryMeasured<T> {
  /** Everything of %memit's result but the statement. */
  result: Omit<MemoryResult, "statement">;
  /** Per function of `options.lines`. */
  lines: LineMemoryMeasurements[];
  value?: T;
  error?: unknown;
  threw: boolean;
}

/**
 * Seconds between heap readings at the least: each costs the main thread an interrupt (a visible
 * share of a forward pass at one a millisecond, a small one at this), while RSS readings cost it
 * nothing.
 */
export const HEAP_INTERVAL_FLOOR = 0.005;

function heapInterval(options: MemoryOptions): number {
  return Math.max(options.interval, HEAP_INTERVAL_FLOOR);
}

/**
 * The thread's own heap counts in the process's RSS: a small young generation keeps it from
 * growing while it reads (measured on an idle second of readings at the smallest interval).
 */
const SAMPLER_LIMITS = { maxYoungGenerationSizeMb: 1 };

/**
 * How long a starting thread may take (its first heap reading included), and a stopping one before
 * it is terminated.
 */
const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 2000;

/**
 * Compiles and runs `statement` in the notebook (`evaluate`) with its runs measured; undefined
 * when nothing ran (only declarations of types). A compile error propagates; the statement's own
 * error is carried in the result, to be reported after what was measured. `around` wraps the
 * measurement (%mprun swaps its line-counting copies in and out there).
 */
export async function measureStatement(
  evaluate: MagicContext["evaluate"],
  statement: string,
  options: MemoryOptions,
  around: <T>(measure: () => Promise<T>) => Promise<T> = (measure) => measure(),
): Promise<MemoryMeasured<unknown> | undefined> {
  let measured: MemoryMeasured<unknown> | undefined;
  try {
    await evaluate(statement, {
      measure: async (execute) => {
        measured = await around(() => measureMemory(execute, options));
        return measured.value as any;
      },
    });
  } catch (e) {
    if (!measured) throw e;
  }
  return measured;
}

export async function measureMemory<T>(execute: () => Promise<T>, options: MemoryOptions): Promise<MemoryMeasured<T>> {
  const sampler = await Sampler.start(options);
  const runs: RunOutcome<T> = {
    runs: 0,
    duration: 0,
    peaks: [],
    ends: [],
    threw: false,
    exactPeak: false,
    timedOut: false,
    collected: false,
  };
  let baseline!: MemorySample;
  let report: SamplerReport;
  try {
    runs.collected = options.collectGarbage && (await collectGarbage());
    baseline = sampler.go();
    await runAll(execute, sampler, options.repeats, runs);
  } finally {
    report = await sampler.stop();
  }
  return {
    result: summarize(baseline, report, runs, options),
    lines: report.lines,
    value: runs.value,
    error: runs.error,
    threw: runs.threw,
  };
}

interface RunOutcome<T> {
  runs: number;
  /** Seconds from the baseline to the end of the last run. */
  duration: number;
  /** Exact peak RSS of each run (VmHWM), where known. */
  peaks: number[];
  /** A main-thread reading at the end of each run (exact heap fields then). */
  ends: MemorySample[];
  value?: T;
  error?: unknown;
  threw: boolean;
  exactPeak: boolean;
  timedOut: boolean;
  collected: boolean;
}

async function runAll<T>(
  execute: () => Promise<T>,
  sampler: Sampler,
  repeats: number,
  out: RunOutcome<T>,
): Promise<void> {
  for (let run = 0; run < repeats && !out.timedOut; run++) {
    out.exactPeak = resetPeakRss();
    try {
      out.value = await execute();
    } catch (e) {
      out.error = e;
      out.threw = true;
    }
    out.runs++;
    out.duration = sampler.elapsed();
    out.timedOut = sampler.timedOut();
    const peak = out.timedOut ? sampler.windowPeak() : out.exactPeak ? readPeakRss() : null;
    if (peak !== null) out.peaks.push(peak);
    else out.exactPeak = false;
    if (!out.timedOut) out.ends.push(readMemory(sampler.elapsed()));
    if (out.threw) return;
  }
}

function summarize(
  baseline: MemorySample,
  report: SamplerReport,
  runs: RunOutcome<unknown>,
  options: MemoryOptions,
): Omit<MemoryResult, "statement"> {
  const samples = timeline(baseline, report.samples, runs.ends);
  const peak = { ...baseline };
  for (const s of samples) {
    for (const key of ["rss", "heapUsed", "external", "arrayBuffers"] as const) peak[key] = Math.max(peak[key], s[key]);
  }
  peak.rss = Math.max(peak.rss, ...runs.peaks);
  peak.t = samples.reduce((best, s) => (s.rss > best.rss ? s : best), baseline).t;
  return {
    baseline,
    peak,
    samples,
    increment: peak.rss - baseline.rss,
    interval: options.interval,
    heapInterval: heapInterval(options),
    repeats: runs.runs,
    exactPeak: runs.exactPeak,
    duration: runs.duration,
    collected: runs.collected,
    timedOut: runs.timedOut,
  };
}

/**
 * The baseline, the thread's readings and the run ends, in time order; a heap field not read yet
 * holds its last value.
 */
function timeline(baseline: MemorySample, flat: Float64Array, ends: MemorySample[]): MemorySample[] {
  const read: MemorySample[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5)
    read.push({
      t: flat[i],
      rss: flat[i + 1],
      heapUsed: flat[i + 2],
      external: flat[i + 3],
      arrayBuffers: flat[i + 4],
    });
  const samples = [baseline, ...[...read, ...ends].sort((a, b) => a.t - b.t)];
  for (let i = 1; i < samples.length; i++) {
    for (const key of ["heapUsed", "external", "arrayBuffers"] as const)
      if (Number.isNaN(samples[i][key])) samples[i][key] = samples[i - 1][key];
  }
  return samples;
}

/** The sampler thread, from its start (ready to read) to its stop. */
class Sampler {
  private origin = 0n;

  private constructor(
    private readonly worker: Worker,
    private readonly data: SamplerData,
    private readonly report: Promise<SamplerReport>,
    private readonly exited: Promise<void>,
  ) {}

  static async start(options: MemoryOptions): Promise<Sampler> {
    const data: SamplerData = {
      control: sharedArray(Int32Array, 4),
      origin: sharedArray(BigInt64Array, 1),
      windowPeak: sharedArray(Float64Array, 1),
      intervalMicros: options.interval * 1e6,
      timeoutSeconds: options.timeout,
      heapIntervalMicros: options.sampleHeap ? heapInterval(options) * 1e6 : null,
      lines: options.lines,
    };
    const worker = new Worker(path.join(__dirname, "memory-sampler-worker.js"), {
      workerData: data,
      resourceLimits: SAMPLER_LIMITS,
    });
    worker.unref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const failed = new Promise<never>((_, reject) => worker.once("error", reject));
    failed.catch(() => {});
    const messages = (predicate: (m: any) => boolean) =>
      new Promise<any>((resolve, reject) => {
        const listener = (m: any) => predicate(m) && (worker.off("message", listener), resolve(m));
        worker.on("message", listener);
        exited.then(() => reject(new Error("the memory sampler thread ended before it reported")));
      });
    const ready = messages((m) => m.ready === true);
    const report = Promise.race([messages((m) => m.samples instanceof Float64Array), failed]);
    report.catch(() => {});
    const sampler = new Sampler(worker, data, report, exited);
    try {
      if ((await withinDeadline(Promise.race([ready, failed]), START_DEADLINE_MS)) === "late")
        throw new Error(`the memory sampler thread did not start within ${START_DEADLINE_MS} ms`);
    } catch (e) {
      await sampler.stop().catch(() => {});
      throw e;
    }
    return sampler;
  }

  /** Takes the baseline (t = 0) and lets the thread start reading. */
  go(): MemorySample {
    this.origin = process.hrtime.bigint();
    const baseline = readMemory(0);
    this.data.origin[0] = this.origin;
    Atomics.store(this.data.control, CONTROL.GO, 1);
    Atomics.notify(this.data.control, CONTROL.GO);
    return baseline;
  }

  /** Seconds since the baseline. */
  elapsed(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1e9;
  }

  timedOut(): boolean {
    return Atomics.load(this.data.control, CONTROL.TIMED_OUT) === 1;
  }

  /** VmHWM when the -t window closed; null if unknown. */
  windowPeak(): number | null {
    const peak = this.data.windowPeak[0];
    return Number.isNaN(peak) ? null : peak;
  }

  /** Asks the thread for its last reading and its report; one that does not end in time is terminated. */
  async stop(): Promise<SamplerReport> {
    const { control } = this.data;
    Atomics.store(control, CONTROL.STOP, 1);
    Atomics.store(control, CONTROL.GO, 1);
    Atomics.notify(control, CONTROL.GO);
    Atomics.notify(control, CONTROL.WAKE);
    const deadline = lateAfter(STOP_DEADLINE_MS);
    try {
      const report = await Promise.race([this.report, deadline.late]);
      if (report === "late") throw new Error(`the memory sampler thread did not stop within ${STOP_DEADLINE_MS} ms`);
      return report;
    } finally {
      if ((await Promise.race([this.exited, deadline.late])) === "late") await this.worker.terminate();
      deadline.cancel();
    }
  }
}
