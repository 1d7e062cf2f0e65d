/**
 * Times the lines of instrumented functions from a worker thread (line-sampler-worker.ts), so that no
 * clock is read on the main thread. The worker is stopped whatever happens to the statement.
 * See docs/how-it-works.md, "Samplers".
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { withinDeadline } from "../../magics/measure/samplers/deadline";
import { sharedArray } from "../../magics/measure/samplers/shared-array";

/** Microseconds between readings. */
export const DEFAULT_INTERVAL_MICROS = 100;

/** A profiled function's counters as its instrumented copy writes them (shared memory). */
export interface FunctionCounters {
  hits: Uint32Array;
  /**
   * [the statement it is on, how many of its calls run or await, then from PARKED on: how many
   * await, in all and on each statement].
   */
  current: Int32Array;
}

/** Where in a function's `current` the count of its calls awaiting starts: all of them here, then per probe id. */
export const PARKED = 2;

/** What the worker reads and writes for one function. */
export interface SampledCounters extends FunctionCounters {
  /** Nanoseconds per probe id. */
  nanos: Float64Array;
  /** How many times each hit counter wrapped past 2^32. */
  carries: Uint32Array;
}

export interface LineMeasurements {
  /** Exact hits per probe id. */
  hits: number[];
  /** Seconds per probe id. */
  times: number[];
}

export interface LineSampled<T> {
  /** Per function, in the order given. */
  functions: LineMeasurements[];
  /** Wall time of `execute`, seconds. */
  wallTime: number;
  /** How many readings the sampler took (fewer than the interval allows when it waited for a CPU). */
  readings: number;
  value?: T;
  error?: unknown;
  threw: boolean;
}

/**
 * Counters that appear while the statement runs (a worker thread's: worker-lines.ts), read by the
 * sampler from when they are added.
 */
export interface LateCounters {
  connect(add: (counters: FunctionCounters) => SampledCounters): void;
  disconnect(): void;
}

/**
 * The sampler's thread, started by the first %lprun and kept for the next ones: starting a thread
 * costs more than many of the statements %lprun times. Between statements it waits for work and
 * takes no CPU. One that dies or hangs is replaced.
 */
class SamplerThread {
  private readonly worker = new Worker(path.join(__dirname, "line-sampler-worker.js"));
  private readonly exited: Promise<"exited">;

  constructor() {
    this.worker.unref();
    this.exited = new Promise((resolve, reject) => {
      this.worker.once("exit", () => resolve("exited"));
      this.worker.once("error", reject);
    });
    this.exited.catch(() => {}).finally(() => samplerThread === this && (samplerThread = null));
  }

  /** Sends one statement's counters; resolves once every nanosecond from then on is accounted. */
  start(work: SamplerWork): Promise<unknown> {
    this.worker.postMessage(work);
    return this.reply();
  }

  /** Counters added while the statement runs: the thread takes them at its next reading. */
  add(control: Int32Array, counters: SampledCounters): void {
    this.worker.postMessage(counters);
    Atomics.add(control, CONTROL.ADDED, 1);
  }

  /** Asks for the last reading; a thread that does not answer in time is terminated. */
  async stop(control: Int32Array): Promise<void> {
    Atomics.store(control, CONTROL.STOP, 1);
    Atomics.notify(control, CONTROL.WAKE);
    if ((await withinDeadline(this.reply(), 2000)) === "late") {
      samplerThread = null;
      await this.worker.terminate();
    }
  }

  private reply(): Promise<unknown> {
    return Promise.race([new Promise((resolve) => this.worker.once("message", resolve)), this.exited]);
  }
}

/** What the sampler's thread reads and writes during one statement. */
export interface SamplerWork {
  functions: SampledCounters[];
  /** Indexed by CONTROL. */
  control: Int32Array;
  intervalMicros: number;
}

/**
 * The words of a statement's control array: the stop flag, the word the thread sleeps on, how many
 * counters were added, how many readings were taken.
 */
export const CONTROL = { STOP: 0, WAKE: 1, ADDED: 2, READINGS: 3 } as const;

let samplerThread: SamplerThread | null = null;

function sampledCounters({ hits, current }: FunctionCounters): SampledCounters {
  return {
    hits,
    current,
    nanos: sharedArray(Float64Array, hits.length),
    carries: sharedArray(Uint32Array, hits.length),
  };
}

export async function sampleLines<T>(
  counters: FunctionCounters[],
  execute: () => Promise<T>,
  intervalMicros = DEFAULT_INTERVAL_MICROS,
  late?: LateCounters,
): Promise<LineSampled<T>> {
  const functions = counters.map(sampledCounters);
  const control = sharedArray(Int32Array, Object.keys(CONTROL).length);
  const thread = (samplerThread ??= new SamplerThread());
  let value: T | undefined;
  let error: unknown;
  let threw = false;
  let wallTime = 0;
  try {
    // Its answer, not "online": a thread is online before it has read its work, several ms early on a busy machine.
    await thread.start({ functions, control, intervalMicros });
    late?.connect((added) => {
      const counters = sampledCounters(added);
      thread.add(control, counters);
      return counters;
    });
    const started = process.hrtime.bigint();
    try {
      value = await execute();
    } catch (e) {
      error = e;
      threw = true;
    }
    wallTime = Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    late?.disconnect();
    await thread.stop(control);
  }
  return {
    functions: functions.map(measurementsOf),
    wallTime,
    readings: Atomics.load(control, CONTROL.READINGS),
    value,
    error,
    threw,
  };
}

/** Exact hits (with the sampler's carries) and sampled seconds per probe id. */
export function measurementsOf(f: SampledCounters): LineMeasurements {
  return {
    hits: Array.from(f.hits, (n, id) => n + f.carries[id] * 2 ** 32),
    times: Array.from(f.nanos, (ns) => ns / 1e9),
  };
}
