/**
 * %lprun / %%lprun — line_profiler's %lprun for TypeScript cells: the chosen functions run with
 * line counters (exact hits) while a worker thread times their lines (inclusive times).
 */
import fs from "node:fs";
import path from "node:path";
import {
  UsageError,
  MIME_BUNDLE,
  type LineProbes,
  type MagicContext,
  type ResolvedFunction,
  type SourceUnit,
} from "../core/context";
import { defineMagic, type ParsedOptions } from "../core/registry";
import { buildLineProfile, withoutUnhitLines } from "../measure/builders/line-profile";
import { sampleLines, DEFAULT_INTERVAL_MICROS, type LineSampled } from "../../kernel/line-profiler/line-sampler";
import { watchWorkers, type SampledWorker } from "../measure/samplers/worker-sampler";
import { WorkerLineHook, workerLineTables } from "../../kernel/line-profiler/worker-lines";
import { lineProfileText, lineProfileViews } from "../views";
import type { LineProfileResult } from "../model/profile";

export const DEFAULT_TIMER_UNIT = 1e-6;
/** Below this many sampler readings, sampled line times are mostly noise. */
const ENOUGH_READINGS = 100;

export const lprun = defineMagic({
  name: "lprun",
  forms: ["line", "cell"],
  summary:
    "Profile chosen functions line by line: line_profiler's table, a heat-shaded table and a chart of time per line.",
  description: `
Runs the statement (or, as %%lprun, the whole cell) in the notebook's context and shows, for each
function named with -f (or found with -m), every line of its source as written: Hits (exact: how
many times a statement starting on that line ran), Time (including the functions the line
called), Per Hit and % Time of the function's total. %%lprun with no -f profiles the cell itself:
its top level, and each function it defines in a table of its own.

-f takes any expression that evaluates to a function that has source: a function or arrow
function from a cell (\`-f matmul\`), a closure a factory returned (\`-f layer\`), a method
(\`-f Net.prototype.forward\`, \`-f net.forward\`, a static \`-f Net.create\`), a getter
(\`-f "Object.getOwnPropertyDescriptor(G.prototype, 'v').get"\`: quote values with spaces), an
arrow in a class field (\`-f buf.run\`), a class (\`-f Buf\`: its constructor, field
initializers and parameter properties), methods using #private members, generators, async
functions, functions from local modules and from npm packages (their own file and lines). A bound
function (\`f.bind(obj)\`) stands for the function it calls; a function whose code other function
objects share (closures one function made, like a library's dispatcher) is counted in every call
of any of them. The output says so in both cases. The function is counted where it is, by
V8's live edit: every call reaches it, closures keep what they captured, none of your names
changes, and afterwards (even after a throw or an interrupt) the original code runs again.

Hits count statements: a \`for\` or \`while\` header counts its test evaluations (iterations + 1,
like Python's \`for\` line), \`if (c) x();\` counts the \`if\`; a \`for…of\` line also holds the
time its iterator takes to give each value (a generator's work), as line_profiler's \`for\` line
does; lines of callbacks defined inside a profiled function are counted too. Total time is
clocked: it is the time during which a call of the function (or of such a callback) was running
or awaiting in its body. Line times come from a thread that reads every ${DEFAULT_INTERVAL_MICROS} µs which line
each profiled function is on while it runs: each line's share of those readings, applied to the
Total time, so % Time never exceeds 100. Statistical for short runs (the output says when there
were too few readings), at no cost per line. -c clocks every line instead, as line_profiler does: exact for
short runs, but a clock read per statement (tens of ns) slows tight loops several times.

Examples:
  %lprun -f matmul forward(x, w1, w2)
  %lprun -f forward -f matmul -u 1e-3 forward(x, w1, w2)
  %lprun -c -f small small(100)
  %lprun -m ./linalg -s main()`,
  positional: "statement",
  options: {
    functions: {
      short: "f",
      type: "string",
      multiple: true,
      metavar: "FUNC",
      help: "a function to profile (any expression that evaluates to one; quote it if it has spaces)",
    },
    modules: {
      short: "m",
      type: "string",
      multiple: true,
      metavar: "MODULE",
      help: "profile every top-level function of a local module a cell imported (the path as imported: ./lib)",
    },
    clockLines: {
      short: "c",
      type: "boolean",
      help: "clock every line (exact line times for short runs; slows tight loops several times)",
    },
    unit: {
      short: "u",
      type: "number",
      metavar: "UNIT",
      help: `seconds per unit of the Time columns (default ${DEFAULT_TIMER_UNIT}, microseconds)`,
    },
    strip: { short: "s", type: "boolean", help: "show only the lines that ran (strip lines with no hits)" },
    returnResult: {
      short: "r",
      type: "boolean",
      notebookOnly: true,
      help: "return the profile (a LineProfileResult) as the cell's value",
    },
    textFile: { short: "T", type: "string", metavar: "FILE", help: "also write the text table to FILE" },
    dumpFile: { short: "D", type: "string", metavar: "FILE", help: "also save the profile as JSON to FILE" },
  },
  async run(ctx, call) {
    const { options } = call;
    checkUnit(options.unit);
    const wholeCell = call.form === "cell" && options.functions.length === 0 && options.modules.length === 0;
    if (!wholeCell && options.functions.length === 0 && options.modules.length === 0) {
      throw new UsageError(
        "%lprun needs a function to profile: -f FUNC (repeatable) or -m MODULE; %%lprun with no -f " +
          "profiles its cell. Run %lprun? for help.",
      );
    }
    const functions: ResolvedFunction[] = [];
    for (const expression of options.functions) functions.push(await ctx.resolveFunction(expression));
    const request = { functions, modules: options.modules, clockLines: options.clockLines };
    const probes = call.form === "cell" ? ctx.lines.instrumentCode(request) : ctx.lines.instrument(request);
    const profiled = await profileLines(ctx.evaluate, probes, call.statement, {
      timerUnit: options.unit ?? DEFAULT_TIMER_UNIT,
      clockLines: options.clockLines,
      onInterrupt: ctx.onInterrupt,
      cwd: ctx.cwd,
    });
    showLineProfile(ctx, options, profiled);
  },
});

type LprunOptions = ParsedOptions<typeof lprun.options>;

/** -u must be a positive number of seconds. */
export function checkUnit(unit: number | undefined): void {
  if (unit !== undefined && !(unit > 0))
    throw new UsageError(`%lprun: -u must be a positive number of seconds (like 1e-3), got ${unit}.`);
}

/** The notes, the tables (-s strips them), -T, -D and -r; then the statement's error, if it threw. */
export function showLineProfile(
  ctx: Pick<MagicContext, "print" | "display" | "setResult" | "cwd">,
  options: LprunOptions,
  profiled: Awaited<ReturnType<typeof profileLines>>,
): void {
  for (const note of profiled.notes) ctx.print(`${note}\n`);
  if (!profiled.result) return;
  const result = options.strip ? withoutUnhitLines(profiled.result) : profiled.result;
  for (const bundle of lineProfileViews(result)) ctx.display(bundle);
  if (options.textFile) {
    fs.writeFileSync(path.resolve(ctx.cwd, options.textFile), lineProfileText(result));
    ctx.print(`\n*** Profile printout saved to text file '${options.textFile}'.\n`);
  }
  if (options.dumpFile) {
    fs.writeFileSync(path.resolve(ctx.cwd, options.dumpFile), JSON.stringify(result, null, 1));
    ctx.print(`\n*** Profile stats saved to file '${options.dumpFile}'.\n`);
  }
  if (options.returnResult) ctx.setResult(withSummary(result));
  if (profiled.sampled?.threw) throw profiled.sampled.error;
}

/**
 * Runs the statement with the counting code swapped in and the line sampler running, always
 * swapping back; a statement that throws still gives its profile (and `sampled.threw`). With
 * `transform` in the probes (%%lprun), the statement is compiled with its own probes.
 */
export async function profileLines(
  evaluate: MagicContext["evaluate"],
  probes: LineProbes & { transform?: (unit: SourceUnit) => string },
  statement: string,
  options: { timerUnit: number; clockLines: boolean; onInterrupt?: MagicContext["onInterrupt"]; cwd?: string },
) {
  let sampled: LineSampled<unknown> | undefined;
  let workers: SampledWorker[] = [];
  const notes = [...(probes.notes ?? [])];
  const hook = probes.workers ? new WorkerLineHook(probes.workers) : undefined;
  try {
    await evaluate(statement, {
      transform: probes.transform,
      measure: async (execute) => {
        let interrupted = false;
        const stopListening = options.onInterrupt?.(() => (interrupted = true));
        try {
          probes.swapIn();
          // Node sees SIGINT only when its event loop polls: one sent while the code was being
          // put in place would be lost once a synchronous statement runs.
          await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
          if (interrupted) throw keyboardInterrupt();
          // %%lprun's cell top level runs once, for the whole statement: its lines are charged while it runs.
          const topLevels = probes.functions.filter((f) => f.ref.name === "<module>");
          topLevels.forEach((f) => Atomics.store(f.current, 1, 1));
          const watched = await watchWorkers(
            () => sampleLines(probes.functions, execute, DEFAULT_INTERVAL_MICROS, hook),
            { profile: false, intervalMicros: 0, cwd: options.cwd ?? process.cwd(), hook },
          ).finally(() => topLevels.forEach((f) => Atomics.store(f.current, 1, 0)));
          sampled = watched.value;
          workers = watched.workers;
        } finally {
          stopListening?.();
          notes.push(...probes.restore(sampled?.error, { whenIdle: sampled !== undefined && !sampled.threw }));
        }
        return sampled.value as any;
      },
    });
  } catch (e) {
    // A statement's own error is reported after its profile; this one did not compile, or the code
    // could not be swapped in.
    if (!sampled) throw e;
  } finally {
    notes.push(...probes.restore());
  }
  if (!sampled) return { result: null, sampled, notes };
  // %%lprun's cell top level (cProfile's <module>) runs once, for the whole statement: its Total
  // time is the statement's too.
  for (const f of probes.functions) if (f.ref.name === "<module>") f.clock[0] = sampled.wallTime * 1e3;
  const result = buildLineProfile(probes.functions, sampled.functions, statement, options);
  if (workers.length > 0) {
    const inWorkers = workerLineTables(probes.functions, hook?.results() ?? [], workers, statement, options);
    notes.push(...inWorkers.notes);
    if (inWorkers.tables.length > 0)
      result.functions = [...result.functions.map((f) => ({ ...f, thread: "main" })), ...inWorkers.tables];
  }
  const { readings } = sampled;
  if (!options.clockLines && readings < ENOUGH_READINGS) {
    notes.push(
      `Line times come from ${readings} reading${readings === 1 ? "" : "s"} of the sampler (it ` +
        `reads at most every ${DEFAULT_INTERVAL_MICROS} µs), too few to mean much: run it longer, ` +
        `or add -c to clock every line. Hits and Total time are exact.`,
    );
  }
  return { result, sampled, notes };
}
function keyboardInterrupt(): Error {
  const error = new Error(
    "%lprun was interrupted (SIGINT) while it put its counting code in place; the statement did not run.",
  );
  error.name = "KeyboardInterrupt";
  return error;
}

/**
 * As a cell's value the profile shows a one-line summary (the table is already above), as
 * line_profiler's object does.
 */
function withSummary(result: LineProfileResult): LineProfileResult {
  const names = result.functions.map((f) => f.fn.name).join(", ");
  const total = result.functions.reduce((sum, f) => sum + f.totalTime, 0);
  const text =
    `<LineProfileResult: ${result.functions.length} ` +
    `function${result.functions.length === 1 ? "" : "s"} (${names}), ${total.toPrecision(3)} s in ` +
    `total; fields: timerUnit, functions, statement>`;
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => ({ "text/plain": text }), enumerable: false });
}
