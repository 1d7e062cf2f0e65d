/**
 * %prun / %%prun — IPython's function-level profiler for TypeScript cells: V8's sampling
 * profiler for the times, the kernel's per-function counters for exact call counts.
 */
import fs from "node:fs";
import path from "node:path";
import { MIME_BUNDLE, type MagicContext } from "./context";
import { defineMagic } from "./registry";
import { buildCpuProfile } from "./measure/cpu-profile";
import { sampleCpu, type Sampled } from "./measure/v8-sampler";
import { toCpuProfile } from "./views/cpuprofile-export";
import { foldExternalFrames } from "./measure/fold";
import { cpuProfileText, cpuProfileViews } from "./views";
import { profileSummary } from "./views/cpu-profile-text";
import { orderOptions } from "./views/profile-order";
import type { CpuProfileResult } from "./model/profile";

/** The interval whose overhead on the forward pass meets the %prun target (README, Benchmarks); half of it cost far more. */
const DEFAULT_INTERVAL_MICROS = 100;

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

Examples:
  %prun forward(x, w1, w2)
  %prun -s cumulative -l 10 forward(x, w1, w2)
  %prun -F main()                                        (time in Node.js and libraries counted as main's own)
  %prun -q -D forward.cpuprofile forward(x, w1, w2)     (open the file in Chrome DevTools or speedscope)`,
  positional: "statement",
  options: {
    ...orderOptions("time (tottime, the default), cumulative (cumtime), calls (ncalls), name, filename, line, stdname, nfl"),
    quiet: { short: "q", type: "boolean", help: "show nothing (use with -r, -T or -D)" },
    returnResult: { short: "r", type: "boolean", help: "return the profile (a CpuProfileResult) as the cell's value" },
    textFile: { short: "T", type: "string", metavar: "FILE", help: "also write the text table to FILE" },
    dumpFile: { short: "D", type: "string", metavar: "FILE", help: "also write the profile as a .cpuprofile (Chrome DevTools, speedscope) to FILE" },
    fold: { short: "F", type: "boolean", help: "fold Node.js internals and libraries into the functions that called them (their time becomes the callers' tottime)" },
    interval: { short: "i", type: "integer", metavar: "MICROS", help: `sampling interval in microseconds (default ${DEFAULT_INTERVAL_MICROS})` },
  },
  async run(ctx, call) {
    const interval = call.options.interval ?? DEFAULT_INTERVAL_MICROS;
    const order = { sort: call.options.sort.length ? call.options.sort : ["time"], limits: call.options.limit };
    const profiled = await profileStatement(ctx, call.statement, interval);
    const result = call.options.fold ? foldExternalFrames(profiled.result) : profiled.result;
    const { sampled } = profiled;
    if (!call.options.quiet) for (const bundle of cpuProfileViews(result, order)) ctx.display(bundle);
    if (call.options.textFile) {
      fs.writeFileSync(path.resolve(ctx.cwd, call.options.textFile), cpuProfileText(result, order));
      ctx.print(`\n*** Profile printout saved to text file '${call.options.textFile}'.\n`);
    }
    if (call.options.dumpFile) {
      fs.writeFileSync(path.resolve(ctx.cwd, call.options.dumpFile), JSON.stringify(toCpuProfile(result)));
      ctx.print(`\n*** Profile saved as a .cpuprofile to '${call.options.dumpFile}'.\n`);
    }
    if (call.options.returnResult) ctx.setResult(withSummary(result));
    if (sampled.threw) throw sampled.error;
  },
});

/**
 * Runs the statement under the sampler and reads the call counters around it. A statement that
 * throws still gives its profile (and `sampled.threw`); one that does not compile throws.
 */
export async function profileStatement(ctx: Pick<MagicContext, "evaluate" | "profiling">, statement: string, interval: number) {
  const before = ctx.profiling.readCallCounters();
  let sampled: Sampled<unknown> | undefined;
  try {
    await ctx.evaluate(statement, {
      measure: async (execute) => {
        sampled = await sampleCpu(() => ctx.profiling.countCalls(execute), interval);
        return sampled.value as any;
      },
    });
  } catch (e) {
    // Sampled statements report their own errors after the profile; this one did not compile.
    if (!sampled) throw e;
  }
  const after = ctx.profiling.readCallCounters();
  const result = buildCpuProfile({
    profile: sampled!.profile,
    resolve: ctx.profiling.resolveFrame,
    calls: ctx.profiling.callsBetween(before, after),
    statement,
    wallTime: sampled!.wallTime,
    sampleInterval: interval / 1e6,
  });
  return { result, sampled: sampled! };
}

/** As a cell's value the profile shows a one-line summary, like IPython's `<pstats.Stats …>`: the table is already above. */
function withSummary(result: CpuProfileResult): CpuProfileResult {
  const text = `<CpuProfileResult: ${profileSummary(result)}, ${result.table.rows.length} functions; fields: table, tree, sampleInterval, statement>`;
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => ({ "text/plain": text }), enumerable: false });
}
