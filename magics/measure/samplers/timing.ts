/**
 * The timing backend of %timeit and %time: handed a function to call (the magic compiles the statement
 * into one), it returns the data model's TimeitResult / TimeResult and knows nothing of the kernel.
 * See docs/how-it-works.md, "Samplers".
 */
import type { TimeitResult, TimeResult } from "../../model/profile";

/** What gets timed: a compiled statement; a promise it returns is awaited. */
export type Statement = () => unknown;

export interface TimeitOptions {
  /** The statement as the user wrote it, kept in the result. */
  statement: string;
  /** Calls per run; calibrated with `autorange` when absent (IPython's -n). */
  loops?: number;
  /** Number of runs (IPython's -r). */
  repeat?: number;
  /** The clock, in seconds (Python's `timeit.Timer(timer=…)`); defaults to `process.hrtime`. */
  timer?: () => number;
  /**
   * Calls a stretch of synchronous loops. The kernel passes one that SIGINT can stop (a tight
   * loop never yields to the event loop, so only V8 can break it); the call into it is not timed.
   */
  invoke?: <T>(fn: () => T) => T;
  /** Aborts the timing between loops of an asynchronous statement, or while one is awaited. */
  signal?: AbortSignal;
}

export const DEFAULT_REPEAT = 7;
/** `autorange` settles on the first loop count whose run takes at least this long, seconds. */
export const AUTORANGE_TARGET = 0.2;

export function hrtimeSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export async function timeit(run: Statement, options: TimeitOptions): Promise<TimeitResult> {
  const repeat = options.repeat ?? DEFAULT_REPEAT;
  requirePositiveInteger("repeat", repeat);
  if (options.loops !== undefined) requirePositiveInteger("loops", options.loops);
  const timer = new LoopTimer(run, options);
  const loops = options.loops ?? (await autorange(timer)).loops;
  const timings: number[] = [];
  for (let i = 0; i < repeat; i++) timings.push((await timer.time(loops)) / loops);
  return summarizeTimings(timings, loops, options.statement);
}

/** Python's `Timer.autorange`: the first of 1, 2, 5, 10, 20, 50, … loops whose run takes ≥ 0.2 s. */
async function autorange(timer: LoopTimer): Promise<{ loops: number; seconds: number }> {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [1, 2, 5]) {
      const loops = step * scale;
      const seconds = await timer.time(loops);
      if (seconds >= AUTORANGE_TARGET) return { loops, seconds };
    }
  }
}

/** The TimeitResult of runs already timed: `timings` are seconds per loop, one per run. */
export function summarizeTimings(timings: number[], loops: number, statement: string): TimeitResult {
  if (timings.length === 0) throw new RangeError("a timeit result needs at least one run");
  const mean = timings.reduce((a, b) => a + b, 0) / timings.length;
  // IPython's TimeitResult.stdev: the population standard deviation of the runs.
  const variance = timings.reduce((sum, t) => sum + (t - mean) ** 2, 0) / timings.length;
  return {
    loops,
    repeat: timings.length,
    timings,
    best: Math.min(...timings),
    worst: Math.max(...timings),
    mean,
    stdev: Math.sqrt(variance),
    statement,
  };
}

/**
 * IPython's hint that the runs were not alike: how many times slower the slowest run was than the
 * fastest, when over 4× (and the slowest run over 1 µs a loop, below which it does not matter);
 * null otherwise.
 */
export function slowestRunRatio(result: TimeitResult): number | null {
  const { best, worst } = result;
  return worst > 4 * best && best > 0 && worst > 1e-6 ? worst / best : null;
}

/** Times runs of a statement; remembers whether it returns promises, to await them from then on. */
class LoopTimer {
  private readonly run: Statement;
  private readonly clock: () => number;
  private readonly invoke: <T>(fn: () => T) => T;
  private readonly signal: AbortSignal | undefined;
  private returnsPromises = false;

  constructor(run: Statement, options: Pick<TimeitOptions, "timer" | "invoke" | "signal">) {
    this.run = run;
    this.clock = options.timer ?? hrtimeSeconds;
    this.invoke = options.invoke ?? ((fn) => fn());
    this.signal = options.signal;
  }

  /** Seconds taken by `loops` calls of the statement. */
  async time(loops: number): Promise<number> {
    if (this.returnsPromises) return this.timeAwaiting(loops, 0, null);
    const stretch = this.invoke(() => this.timeSynchronously(loops));
    if (stretch.pending === null) return stretch.elapsed;
    // The first promise: the rest of this run and all later runs await, outside `invoke`.
    this.returnsPromises = true;
    return stretch.elapsed + (await this.timeAwaiting(loops, stretch.calls, stretch.pending));
  }

  /** Calls the statement until `loops` calls are done or one returns a promise. */
  private timeSynchronously(loops: number): { elapsed: number; calls: number; pending: PromiseLike<unknown> | null } {
    const run = this.run;
    const start = this.clock();
    for (let i = 0; i < loops; i++) {
      const value = run();
      if (isPromiseLike(value)) return { elapsed: this.clock() - start, calls: i + 1, pending: value };
    }
    return { elapsed: this.clock() - start, calls: loops, pending: null };
  }

  private async timeAwaiting(loops: number, done: number, pending: PromiseLike<unknown> | null): Promise<number> {
    const run = this.run;
    const start = this.clock();
    if (pending) await this.settle(pending);
    for (let i = done; i < loops; i++) {
      const value = run();
      if (isPromiseLike(value)) await this.settle(value);
    }
    return this.clock() - start;
  }

  /**
   * Awaits the statement's promise unless the signal aborts first (a promise that never settles
   * must not hang the kernel).
   */
  private settle(promise: PromiseLike<unknown>): Promise<unknown> {
    const signal = this.signal;
    if (!signal) return Promise.resolve(promise);
    signal.throwIfAborted();
    // Not Promise.race with one shared abort promise: every race would leave a reaction on it.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }
}

/** What `time` returns: the measurement and the statement's value. */
export interface Timed<T> {
  result: TimeResult;
  value: T;
}

/**
 * IPython's %time: CPU time of this process (user and system, from `process.cpuUsage`) and wall
 * time around one run of the statement. A promise it returns is awaited; an error propagates
 * and nothing is reported, as in IPython.
 */
export async function time<T>(run: () => T | Promise<T>, statement: string): Promise<Timed<T>> {
  const cpuBefore = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const value = await run();
  const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  return { result: { user: cpu.user / 1e6, system: cpu.system / 1e6, wall, statement }, value };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
