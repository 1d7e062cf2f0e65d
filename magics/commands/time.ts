/**
 * %time / %%time — IPython's one-shot timer: CPU time (user, system) and wall time of one run of
 * the statement; its value becomes the cell's result.
 */
import { UsageError } from "../core/context";
import { defineMagic } from "../core/registry";
import * as timing from "../measure/samplers/timing";
import { timeViews } from "../views";
import type { TimeResult } from "../model/profile";
import { cpuBetween, threadCpuSeconds } from "../measure/samplers/thread-cpu";
import { watchWorkers, type SampledWorker } from "../measure/samplers/worker-sampler";

export const time = defineMagic({
  name: "time",
  forms: ["line", "cell"],
  summary: "Time one run of a statement: CPU times (user, sys) and wall time, as IPython prints them.",
  description: `
Runs the statement (or, as %%time, the cell's body) once in the notebook's context — names it
declares stay defined — and prints the CPU time this process used (user and system, which can
exceed the wall time when other threads work, e.g. the garbage collector) and the wall time.
Compilation is not timed. When worker threads ran, a line between them gives the CPU time of
each thread: the main thread, each worker, and the rest of the process. The value of the last expression becomes the cell's result. A
statement that throws shows its error and no times.

Examples:
  %time const y = forward(x, w1, w2)
  %time await fetchAll(urls)`,
  positional: "statement",
  options: {},
  async run(ctx, call) {
    if (call.form === "cell" && call.rest !== "") {
      throw new UsageError("%%time: code can't go on the %%time line; put the statement in the cell below it.");
    }
    let measured: TimeResult | undefined;
    const value = await ctx.evaluate(call.statement, {
      measure: async (execute) => {
        let mainCpu: number | null = null;
        const onMain = async () => {
          const before = threadCpuSeconds();
          try {
            return await execute();
          } finally {
            mainCpu = cpuBetween(before, threadCpuSeconds());
          }
        };
        const { value: timed, workers } = await watchWorkers(() => timing.time(onMain, call.statement), {
          profile: false,
          intervalMicros: 0,
          cwd: ctx.cwd,
        });
        measured =
          workers.length > 0 ? { ...timed.result, threads: perThread(timed.result, mainCpu, workers) } : timed.result;
        return timed.value;
      },
    });
    // A statement with nothing to run (only declarations of types) is not executed, so not timed.
    if (measured) for (const bundle of timeViews(measured)) ctx.display(bundle);
    if (value !== undefined) ctx.setResult(value);
  },
});

/** Main, each worker, and what the process used beyond them (known only when every thread's time is). */
function perThread(
  result: TimeResult,
  main: number | null,
  workers: SampledWorker[],
): NonNullable<TimeResult["threads"]> {
  const threads = [{ label: "main", cpu: main }, ...workers.map((w) => ({ label: w.label, cpu: w.cpuTime }))];
  const known = threads.every((t) => t.cpu !== null);
  const rest = result.user + result.system - threads.reduce((sum, t) => sum + (t.cpu ?? 0), 0);
  return [...threads, { label: "other threads", cpu: known ? Math.max(0, rest) : null }];
}
