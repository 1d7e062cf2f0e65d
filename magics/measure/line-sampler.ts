/**
 * Times the lines of instrumented functions from a worker thread (line-sampler-worker.ts) that
 * reads, every DEFAULT_INTERVAL_MICROS, the statement each profiled function is on. The
 * instrumented code only stores ids in shared memory; no clock is read on the main thread, so a
 * loop body of a few nanoseconds stays
 * cheap. The worker is stopped whatever happens to the statement.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { lateAfter } from "./deadline";

/** Microseconds between readings. */
export const DEFAULT_INTERVAL_MICROS = 100;

/** A profiled function's counters as its instrumented copy writes them (shared memory). */
export interface FunctionCounters {
  hits: Uint32Array;
  current: Int32Array;
}

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
  value?: T;
  error?: unknown;
  threw: boolean;
}

/** Counters that appear while the statement runs (a worker thread's: worker-lines.ts), read by the sampler from when they are added. */
export interface LateCounters {
  connect(add: (counters: FunctionCounters) => SampledCounters): void;
  disconnect(): void;
}

export function shared<A extends Float64Array | Uint32Array | Int32Array>(Type: { new (b: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number }, n: number): A {
  return new Type(new SharedArrayBuffer(Type.BYTES_PER_ELEMENT * n));
}

function sampledCounters({ hits, current }: FunctionCounters): SampledCounters {
  return { hits, current, nanos: shared(Float64Array, hits.length), carries: shared(Uint32Array, hits.length) };
}

export async function sampleLines<T>(counters: FunctionCounters[], execute: () => Promise<T>, intervalMicros = DEFAULT_INTERVAL_MICROS, late?: LateCounters): Promise<LineSampled<T>> {
  const functions = counters.map(sampledCounters);
  // [stop, wake, how many counters were added since it started]: see line-sampler-worker.ts.
  const control = shared(Int32Array, 3);
  const worker = new Worker(path.join(__dirname, "line-sampler-worker.js"), { workerData: { functions, control, intervalMicros } });
  worker.unref();
  const exited = new Promise<void>((resolve, reject) => {
    worker.once("exit", () => resolve());
    worker.once("error", reject);
  });
  let value: T | undefined;
  let error: unknown;
  let threw = false;
  let wallTime = 0;
  try {
    // Not "online": that comes before the worker has read its data, several ms early on a busy machine.
    await Promise.race([new Promise((resolve) => worker.once("message", resolve)), exited]);
    late?.connect((added) => {
      const counters = sampledCounters(added);
      worker.postMessage(counters);
      Atomics.add(control, 2, 1);
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
    await stop(worker, control, exited);
  }
  return { functions: functions.map(measurementsOf), wallTime, value, error, threw };
}

/** Exact hits (with the sampler's carries) and sampled seconds per probe id. */
export function measurementsOf(f: SampledCounters): LineMeasurements {
  return { hits: Array.from(f.hits, (n, id) => n + f.carries[id] * 2 ** 32), times: Array.from(f.nanos, (ns) => ns / 1e9) };
}

/** Asks the worker to take its last reading and end; one that does not is terminated. */
async function stop(worker: Worker, control: Int32Array, exited: Promise<void>): Promise<void> {
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 1);
  const deadline = lateAfter(2000);
  try {
    if ((await Promise.race([exited, deadline.late])) === "late") await worker.terminate();
  } finally {
    deadline.cancel();
  }
}
