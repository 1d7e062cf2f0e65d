/**
 * %prun with worker threads: its overhead on the walkthrough's step-5 forward pass at 512 (both
 * 512×512 products cut into bands, one per core, on the notebook's own worker threads, started
 * before the statement as in the notebook), and whether a statement whose worker does three
 * times the main thread's work is attributed 3:1, in CPU time per thread and in sampled time.
 */
import os from "node:os";
import path from "node:path";
import { Executor } from "../../kernel/exec/executor";
import { profilingHooks } from "../../kernel/exec/frames";
import { profileStatement, samplerIntervals, type SamplerIntervals } from "../../magics/commands/prun";
import { cpuBetween, threadCpuSeconds } from "../../magics/measure/samplers/thread-cpu";
import { watchWorkers } from "../../magics/measure/samplers/worker-sampler";
import { walkthroughCode } from "./forward.bench";
import { median, round } from "./stats";

const RUNS = 15;
/** -i for every thread, to show what the default (1 ms once workers run) saves. */
const FINE_MICROS = 100;
const every = (micros: number): SamplerIntervals => ({ main: micros, workers: micros });

/** The step-5 forward pass on 512×512 matrices: two products big enough for the threads. */
const SETUP_512 = `
const a512w = toWasm(toMatrix(randomMatrix(512, 512, 4))), b512w = toWasm(toMatrix(randomMatrix(512, 512, 5)));
const forward512 = simdForward(512, 512, 512, matmulBest);
`;

/** A worker that spins n steps for each number it is sent; the main thread spins beside it. */
const THREE_TO_ONE = `
const SPIN_SRC = "function spin(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }";
const spinner = new Worker(SPIN_SRC + "\\nrequire('node:worker_threads').parentPort.on('message', (n) => require('node:worker_threads').parentPort.postMessage(spin(n)));", { eval: true, name: "spinner" });
spinner.unref();
const askSpinner = (n: number) => new Promise<number>((resolve) => { spinner.once("message", resolve); spinner.postMessage(n); });
function mainSpin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
await askSpinner(10);
`;
/**
 * The 3:1 statement. Besides its share, the main thread pays for handing the job over and taking
 * the answer back; its share runs long enough for that to be small beside it. SPLIT_SHORT, with
 * a much shorter share, is measured too, to show that cost (bench output, README).
 */
const split = (main: number) =>
  `await Promise.all([askSpinner(${3 * main}), Promise.resolve().then(() => mainSpin(${main}))])`;
const SPLIT = split(100_000_000);
const SPLIT_SHORT = split(10_000_000);
const WAIT = "await new Promise((resolve) => setTimeout(resolve, 500))";

export async function benchThreads() {
  const notebook = path.resolve(__dirname, "..", "..", "..", "notebooks");
  const executor = new Executor(notebook, {});
  let cells = 0;
  const evaluate = async (code: string, options = {}) =>
    (await executor.run(code, { file: `<cell ${++cells}>`, line: 1, ...options })).value;
  const ctx = { evaluate, profiling: profilingHooks(executor, notebook), cwd: notebook };
  try {
    for (const code of walkthroughCode()) await evaluate(code);
    await evaluate(SETUP_512);
    /** Each thread's CPU time for a statement run unprofiled (as %time reads it). */
    const threadCpuTimes = async (statement: string) => {
      let threads: { label: string; cpu: number | null }[] = [];
      await evaluate(statement, {
        measure: async (execute: () => Promise<unknown>) => {
          const before = threadCpuSeconds();
          const { value, workers } = await watchWorkers(execute, { profile: false, intervalMicros: 0, cwd: notebook });
          threads = [
            { label: "main", cpu: cpuBetween(before, threadCpuSeconds()) },
            ...workers.map((w) => ({ label: w.label, cpu: w.cpuTime })),
          ];
          return value;
        },
      });
      return threads;
    };
    const plainRun = async (statement: string) => {
      let seconds = 0;
      await evaluate(statement, {
        measure: async (execute: () => Promise<unknown>) => {
          const start = process.hrtime.bigint();
          const value = await execute();
          seconds = Number(process.hrtime.bigint() - start) / 1e9;
          return value;
        },
      });
      return seconds;
    };
    const forward = "forward512(a512w, b512w, b512w)";
    // What %prun uses with no -i: the band workers are running, so every thread at 1 ms.
    const byDefault = await samplerIntervals(undefined, "all");
    for (let i = 0; i < 3; i++) (await plainRun(forward), await profileStatement(ctx, forward, byDefault));
    const plain: number[] = [];
    const profiled: number[] = [];
    const profiledFine: number[] = [];
    let threadsSeen = 0;
    for (let i = 0; i < RUNS; i++) {
      plain.push(await plainRun(forward));
      const run = await profileStatement(ctx, forward, byDefault);
      profiled.push(run.sampled.wallTime);
      threadsSeen = run.result.threads.length;
      profiledFine.push((await profileStatement(ctx, forward, every(FINE_MICROS))).sampled.wallTime);
    }
    // The spinner starts only now, so that the forward pass's profiles have the notebook's threads alone.
    await evaluate(THREE_TO_ONE);
    const splitRuns = async (interval: SamplerIntervals, statement = SPLIT) => {
      const cpu: number[] = [];
      const sampled: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { result } = await profileStatement(ctx, statement, interval);
        const worker = result.threads.find((t) => t.label.includes("spinner"))!;
        const main = result.threads[0];
        cpu.push(worker.cpuTime! / main.cpuTime!);
        const spin = (rows: typeof main.table.rows, name: string) =>
          rows.find((r) => r.fn.name === name)?.cumtime ?? NaN;
        const ratio = spin(worker.table.rows, "spin") / spin(main.table.rows, "mainSpin");
        if (Number.isFinite(ratio)) sampled.push(ratio);
      }
      return { cpu, sampled };
    };
    const splitDefault = await samplerIntervals(undefined, "all");
    const { cpu: cpuRatios, sampled: sampledRatios } = await splitRuns(splitDefault);
    // The statement's own split, unprofiled (as %time reads it): what the profiled ones are measured against.
    const unprofiledRatios: number[] = [];
    for (let i = 0; i < 5; i++) {
      const threads = await threadCpuTimes(SPLIT);
      unprofiledRatios.push(threads.find((t) => t.label.includes("spinner"))!.cpu! / threads[0].cpu!);
    }
    // V8 interrupts a profiled thread on every tick, waiting or not: at a shorter interval that costs more of the waiting main thread's CPU.
    const fine = await splitRuns(every(FINE_MICROS));
    const short = await splitRuns(splitDefault, SPLIT_SHORT);
    // What being sampled costs a thread that only waits: the main thread's CPU share during a sleep.
    const waitingShare = async (interval: number) => {
      const shares: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { result } = await profileStatement(ctx, WAIT, every(interval));
        shares.push(result.threads[0].cpuTime! / result.table.totalTime);
      }
      return round(100 * median(shares), 2);
    };
    const waiting = { at100us: await waitingShare(FINE_MICROS), at1ms: await waitingShare(1000) };
    // What being sampled costs a busy thread, on each side: its CPU for the same work profiled and not.
    const busyCost = async (statement: string, cpuOf: (threads: { label: string; cpu: number | null }[]) => number) => {
      const ratios: number[] = [];
      for (let i = 0; i < 3; i++) {
        const plainCpu = cpuOf(await threadCpuTimes(statement));
        const { result } = await profileStatement(ctx, statement, every(FINE_MICROS));
        ratios.push(cpuOf(result.threads.map((t) => ({ label: t.label, cpu: t.cpuTime }))) / plainCpu);
      }
      return round(median(ratios), 3);
    };
    const main = (threads: { label: string; cpu: number | null }[]) => threads[0].cpu!;
    const spinner = (threads: { label: string; cpu: number | null }[]) =>
      threads.find((t) => t.label.includes("spinner"))!.cpu!;
    const busy = {
      main: await busyCost("mainSpin(100_000_000)", main),
      worker: await busyCost("await askSpinner(100_000_000)", spinner),
    };
    return {
      load_average_1min: round(os.loadavg()[0], 2),
      workload: "step 5's forward pass at 512: two 512x512x512 products in bands on the notebook's worker threads",
      threads_profiled: threadsSeen,
      default_interval_us: byDefault,
      plain_ms: round(median(plain) * 1e3, 2),
      statement_under_prun_ms: round(median(profiled) * 1e3, 2),
      prun_overhead_ratio_both_threads: round(median(profiled) / median(plain), 2),
      prun_overhead_ratio_fastest: round(Math.min(...profiled) / Math.min(...plain), 2),
      target_overhead: median(profiled) / median(plain) <= 1.15 ? "met (<= 1.15x)" : "missed (> 1.15x)",
      prun_overhead_ratio_both_threads_at_100us: round(median(profiledFine) / median(plain), 2),
      worker_to_main_cpu_ratio_median_of_5: round(median(cpuRatios), 2),
      worker_to_main_cpu_ratios: cpuRatios.map((r) => round(r, 2)),
      worker_to_main_cpu_ratio_unprofiled: round(median(unprofiledRatios), 2),
      worker_to_main_cpu_ratios_unprofiled: unprofiledRatios.map((r) => round(r, 2)),
      worker_to_main_cpu_ratio_at_100us_interval: round(median(fine.cpu), 2),
      worker_to_main_cpu_ratios_at_100us_interval: fine.cpu.map((r) => round(r, 2)),
      main_cpu_percent_while_it_only_waits_at_100us: waiting.at100us,
      busy_main_cpu_profiled_over_unprofiled_at_100us: busy.main,
      busy_worker_cpu_profiled_over_unprofiled_at_100us: busy.worker,
      main_cpu_percent_while_it_only_waits_at_1ms: waiting.at1ms,
      worker_to_main_cpu_ratio_share_ten_times_shorter: round(median(short.cpu), 2),
      worker_to_main_cpu_ratios_share_ten_times_shorter: short.cpu.map((r) => round(r, 2)),
      target_split: Math.abs(median(cpuRatios) / 3 - 1) <= 0.1 ? "met (3:1 within 10%, in CPU time)" : "missed",
      // Samples are wall-clock: a thread descheduled on a busy machine is still sampled in its function.
      worker_to_main_sampled_ratio_median: round(median(sampledRatios), 2),
      worker_to_main_sampled_ratios: sampledRatios.map((r) => round(r, 2)),
    };
  } finally {
    await evaluate("spinner.terminate(); await stopWorkers()").catch(() => {});
    executor.close();
  }
}
