/**
 * %prun / %%prun — IPython's function-level profiler for TypeScript cells: V8's sampling
 * profiler for the times, the kernel's per-function counters for exact call counts.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError, MIME_BUNDLE, type MagicContext } from "../core/context";
import { defineMagic } from "../core/registry";
import { buildThreadProfile, type V8CpuProfile } from "../measure/builders/cpu-profile";
import { buildPrunProfile, DEFAULT_LOOP_THRESHOLD } from "../measure/builders/prun-profile";
import { trackAwaits, type TrackedAwaits } from "../measure/samplers/await-tracker";
import { sampleCpu, type Sampled } from "../measure/samplers/v8-sampler";
import { runningWorkers, watchWorkers, type SampledWorker } from "../measure/samplers/worker-sampler";
import { isProbeFrame, workerFrameResolver } from "../measure/builders/worker-frames";
import { threadProfileFile, toCpuProfile } from "../views/cpuprofile-export";
import { foldExternalFrames } from "../measure/builders/fold";
import { cpuProfileText, cpuProfileViews } from "../views";
import { profileSummary } from "../views/cpu-profile-text";
import { orderOptions } from "../views/profile-order";
import type { CpuProfileResult, ThreadProfile } from "../model/profile";

/**
 * The interval whose overhead on the forward pass meets the %prun target (docs/benchmarks.md); half of
 * it cost far more.
 */
const MAIN_ALONE_INTERVAL_MICROS = 100;
/**
 * With workers, every thread is sampled at 1 ms (Node's --cpu-prof and pyinstrument's default):
 * each sampled thread has a V8 sampler thread of its own waking at the interval, and once the
 * statement's threads keep the cores busy those wake-ups and their signals take CPU from the
 * statement itself: what that costs step 5's two threads at each interval is in docs/benchmarks.md.
 */
const THREADS_INTERVAL_MICROS = 1000;

/** The samplers' intervals: -i for every thread, else by whether workers are running as the statement starts. */
export async function samplerIntervals(
  explicit: number | undefined,
  threads: "all" | "main",
): Promise<SamplerIntervals> {
  if (explicit !== undefined) return { main: explicit, workers: explicit };
  const withWorkers = threads === "all" && (await runningWorkers()) > 0;
  return { main: withWorkers ? THREADS_INTERVAL_MICROS : MAIN_ALONE_INTERVAL_MICROS, workers: THREADS_INTERVAL_MICROS };
}

export interface SamplerIntervals {
  main: number;
  workers: number;
}

export const prun = defineMagic({
  name: "prun",
  forms: ["line", "cell"],
  summary: "Profile a statement function by function: cProfile's table, a flame chart and the top functions.",
  description: `
Runs the statement (or, as %%prun, the whole cell) in the notebook's context — names it defines
stay defined — and shows each function it ran: ncalls (exact call counts), tottime (time in the
function itself), cumtime (time including what it called; recursion counted once), per-call
times, and filename:lineno(function) where cells are "<cell N>" and lines are the cell's
TypeScript lines. Times come from V8's sampling profiler (-i sets its interval); Node.js
internals and libraries are shown without call counts. A statement that throws still shows
what was measured, then the error.

Code that runs after an await (a continuation, a timer's or an I/O callback, a library's
work) is in the table like any other. When the statement awaited, an async call tree follows:
wall-clock time with each await's time charged to the async function that awaited, under a
node naming what it awaited ("awaiting sleep": the promise of the function it called), as
pyinstrument's async mode shows it; and the stretches in which the event loop ran without a
pause for longer than -b milliseconds (default ${DEFAULT_LOOP_THRESHOLD * 1000}), each with the functions that ran in it.

Worker threads (node:worker_threads) are profiled too, each by its own V8 profiler: those the
statement starts, from their first line, and those already running. Each thread gets its own
section (\`Thread: worker 1 (…)\`), with the CPU time the thread used; worker functions have no
call counts. A worker that does not answer within a deadline is reported, not waited for.
-t main profiles the main thread only.

Examples:
  %prun forward(x, w1, w2)
  %prun -s cumulative -l 10 forward(x, w1, w2)
  %prun -F main()                                        (time in Node.js and libraries counted as main's own)
  %prun -q -D forward.cpuprofile forward(x, w1, w2)     (open the file in Chrome DevTools or speedscope;
                                                          workers' go to forward.worker-1.cpuprofile, …)
  %prun -t main runInWorkers()                           (the main thread only)
  %prun -b 20 await pipeline()                           (report the event loop busy for over 20 ms at a time)`,
  positional: "statement",
  options: {
    ...orderOptions(
      "time (tottime, the default), cumulative (cumtime), calls (ncalls), name, filename, line, stdname, nfl",
    ),
    quiet: { short: "q", type: "boolean", help: "show nothing (use with -r, -T or -D)" },
    returnResult: {
      short: "r",
      type: "boolean",
      notebookOnly: true,
      help: "return the profile (a CpuProfileResult) as the cell's value",
    },
    textFile: { short: "T", type: "string", metavar: "FILE", help: "also write the text table to FILE" },
    dumpFile: {
      short: "D",
      type: "string",
      metavar: "FILE",
      help: "also write the profile as a .cpuprofile (Chrome DevTools, speedscope) to FILE",
    },
    fold: {
      short: "F",
      type: "boolean",
      help: "fold Node.js internals and libraries into the functions that called them (their time becomes the callers' tottime)",
    },
    interval: {
      short: "i",
      type: "integer",
      metavar: "MICROS",
      help: `sampling interval in microseconds, for every thread (default ${MAIN_ALONE_INTERVAL_MICROS} for the main thread alone; ${THREADS_INTERVAL_MICROS} for worker threads, and for the main thread too when workers are running as the statement starts: each sampled thread's sampler takes CPU from the statement once its threads keep the cores busy)`,
    },
    threads: {
      short: "t",
      type: "string",
      metavar: "WHICH",
      help: "which threads to profile: all (the default: the main thread and every worker) or main",
    },
    blocked: {
      short: "b",
      type: "integer",
      metavar: "MS",
      help: `report the stretches that kept the event loop busy without a pause for longer than MS milliseconds (default ${DEFAULT_LOOP_THRESHOLD * 1000})`,
    },
  },
  async run(ctx, call) {
    const order = { sort: call.options.sort.length ? call.options.sort : ["time"], limits: call.options.limit };
    const threads = call.options.threads ?? "all";
    if (threads !== "all" && threads !== "main")
      throw new UsageError(`%prun -t: expected all or main, got '${threads}'.`);
    const blocked = call.options.blocked ?? DEFAULT_LOOP_THRESHOLD * 1000;
    if (blocked <= 0) throw new UsageError(`%prun -b: expected a number of milliseconds above 0, got ${blocked}.`);
    const profiled = await profileStatement(
      ctx,
      call.statement,
      await samplerIntervals(call.options.interval, threads),
      threads,
      blocked / 1000,
    );
    const result = call.options.fold ? foldExternalFrames(profiled.result) : profiled.result;
    const { sampled } = profiled;
    if (!call.options.quiet) for (const bundle of cpuProfileViews(result, order)) ctx.display(bundle);
    if (call.options.textFile) {
      fs.writeFileSync(path.resolve(ctx.cwd, call.options.textFile), cpuProfileText(result, order));
      ctx.print(`\n*** Profile printout saved to text file '${call.options.textFile}'.\n`);
    }
    if (call.options.dumpFile) {
      const files = result.threads.map((thread) => {
        const file = threadProfileFile(call.options.dumpFile!, thread);
        fs.writeFileSync(path.resolve(ctx.cwd, file), JSON.stringify(toCpuProfile(thread)));
        return `'${file}'`;
      });
      ctx.print(`\n*** Profile saved as a .cpuprofile to ${files.join(", ")}.\n`);
    }
    if (call.options.returnResult) ctx.setResult(withSummary(result));
    if (sampled.threw) throw sampled.error;
  },
});

/**
 * Runs the statement under the samplers (the main thread's and, unless `threads` is "main", every
 * worker's) and reads the call counters around it. A statement that throws still gives its
 * profile (and `sampled.threw`); one that does not compile throws.
 */
export async function profileStatement(
  ctx: Pick<MagicContext, "evaluate" | "profiling" | "cwd">,
  statement: string,
  interval: SamplerIntervals,
  threads: "all" | "main" = "all",
  loopThreshold = DEFAULT_LOOP_THRESHOLD,
) {
  const before = ctx.profiling.readCallCounters();
  let sampled: Sampled<unknown> | undefined;
  let workers: SampledWorker[] = [];
  const awaits: TrackedAwaits = { awaits: [], untracked: 0 };
  try {
    await ctx.evaluate(statement, {
      measure: (execute) =>
        ctx.profiling.countCalls(async () => {
          const run = () => sampleCpu(() => trackAwaits(execute, awaits), interval.main);
          if (threads === "main") sampled = await run();
          else
            ({ value: sampled, workers } = await watchWorkers(run, {
              profile: true,
              intervalMicros: interval.workers,
              cwd: ctx.cwd,
            }));
          return sampled.value as any;
        }),
    });
  } catch (e) {
    // Sampled statements report their own errors after the profile; this one did not compile.
    if (!sampled) throw e;
  }
  const after = ctx.profiling.readCallCounters();
  const result = buildPrunProfile({
    awaits,
    loopThreshold,
    profile: sampled!.profile,
    resolve: ctx.profiling.resolveFrame,
    calls: ctx.profiling.callsBetween(before, after),
    statement,
    wallTime: sampled!.wallTime,
    sampleInterval: interval.main / 1e6,
    cpuTime: sampled!.cpuTime,
  });
  result.threads.push(
    ...workers.map((w) => workerThread(w, sampled!.profile.startTime, interval.workers / 1e6, ctx.cwd)),
  );
  return { result, sampled: sampled! };
}

/** A worker's thread profile; one that sent none (it did not answer, or its profile was lost) has empty tables. */
function workerThread(worker: SampledWorker, origin: number, sampleInterval: number, cwd: string): ThreadProfile {
  const empty: V8CpuProfile = { nodes: [], samples: [], timeDeltas: [], startTime: origin, endTime: origin };
  return buildThreadProfile({
    profile: worker.profile ?? empty,
    resolve: workerFrameResolver(worker.threadId, cwd),
    calls: [],
    label: worker.label,
    threadId: worker.threadId,
    cpuTime: worker.cpuTime,
    status: worker.status,
    sampleInterval,
    origin,
    rootAtUserCode: false,
    excludes: isProbeFrame,
  });
}

/**
 * As a cell's value the profile shows a one-line summary, like IPython's `<pstats.Stats …>`: the
 * table is already above.
 */
function withSummary(result: CpuProfileResult): CpuProfileResult {
  const text = `<CpuProfileResult: ${profileSummary(result)}, ${result.table.rows.length} functions; fields: ${Object.keys(result).join(", ")}>`;
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => ({ "text/plain": text }), enumerable: false });
}
