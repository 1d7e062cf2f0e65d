/**
 * %lprun / %%lprun — line_profiler's %lprun for TypeScript cells: the chosen functions run as
 * line-counting copies (exact hits) while a worker thread times their lines (inclusive times).
 */
import fs from "node:fs";
import path from "node:path";
import { MagicError, MIME_BUNDLE, type LineProbes, type MagicContext, type ResolvedFunction } from "./context";
import { defineMagic } from "./registry";
import { buildLineProfile, withoutUnhitLines } from "./measure/line-profile";
import { sampleLines, DEFAULT_INTERVAL_MICROS, type LineSampled } from "./measure/line-sampler";
import { lineProfileText, lineProfileViews } from "./views";
import type { LineProfileResult } from "./model/profile";

const DEFAULT_TIMER_UNIT = 1e-6;

export const lprun = defineMagic({
  name: "lprun",
  forms: ["line", "cell"],
  summary: "Profile chosen functions line by line: line_profiler's table, a heat-shaded table and a chart of time per line.",
  description: `
Runs the statement (or, as %%lprun, the whole cell) in the notebook's context and shows, for each
function named with -f (or found with -m), every line of its TypeScript source as written in its
cell: Hits (exact: how many times a statement starting on that line ran), Time (including the
functions the line called), Per Hit and % Time of the function's total.

-f takes any expression that evaluates to a function: a function or arrow function defined in
a cell (\`-f matmul\`), a method (\`-f Net.prototype.forward\`, \`-f net.forward\`, a static
\`-f Net.create\`), an async function, or a function imported from a local .ts file. Every call
reaches the profiled version, wherever it comes from (\`forward\` calling \`matmul\` by name, a
later cell, a stored callback), and none of your names is changed; after the statement, even if
it throws or is interrupted, calls run the original again.

A line's Hits are those of its first statement: a \`for\` or \`while\` header counts its test
evaluations (iterations + 1, like Python's \`for\` line), \`if (c) x();\` counts the \`if\`. Lines
of functions defined inside a profiled function (callbacks) are counted too. Times come from a
thread that reads every ${DEFAULT_INTERVAL_MICROS} µs which line each profiled function is on;
they are statistical for very short runs, while hits are always exact.

Examples:
  %lprun -f matmul forward(x, w1, w2)
  %lprun -f forward -f matmul -u 1e-3 forward(x, w1, w2)
  %lprun -m ./linalg -s main()`,
  positional: "statement",
  options: {
    functions: { short: "f", type: "string", multiple: true, metavar: "FUNC", help: "a function to profile (any expression that evaluates to one)" },
    modules: { short: "m", type: "string", multiple: true, metavar: "MODULE", help: "profile every top-level function of a local module a cell imported (the path as imported: ./lib)" },
    unit: { short: "u", type: "number", metavar: "UNIT", help: `seconds per unit of the Time columns (default ${DEFAULT_TIMER_UNIT}, microseconds)` },
    strip: { short: "s", type: "boolean", help: "show only the lines that ran (strip lines with no hits)" },
    returnResult: { short: "r", type: "boolean", help: "return the profile (a LineProfileResult) as the cell's value" },
    textFile: { short: "T", type: "string", metavar: "FILE", help: "also write the text table to FILE" },
    dumpFile: { short: "D", type: "string", metavar: "FILE", help: "also save the profile as JSON to FILE" },
  },
  async run(ctx, call) {
    const { options } = call;
    if (options.unit !== undefined && !(options.unit > 0)) throw new MagicError(`%lprun: -u must be a positive number of seconds (like 1e-3), got ${options.unit}.`);
    const functions = await chosenFunctions(ctx, options.functions, options.modules);
    const probes = await ctx.lines.instrument(functions);
    const profiled = await profileLines(ctx.evaluate, probes, call.statement, options.unit ?? DEFAULT_TIMER_UNIT);
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
    if (profiled.sampled.threw) throw profiled.sampled.error;
  },
});

async function chosenFunctions(ctx: MagicContext, expressions: string[], modules: string[]): Promise<ResolvedFunction[]> {
  if (expressions.length === 0 && modules.length === 0) {
    throw new MagicError("%lprun needs a function to profile: -f FUNC (repeatable) or -m MODULE. Run %lprun? for help.");
  }
  const functions: ResolvedFunction[] = [];
  for (const expression of expressions) functions.push(await ctx.resolveFunction(expression));
  for (const module of modules) functions.push(...ctx.lines.moduleFunctions(module));
  return functions;
}

/**
 * Runs the statement with the copies swapped in and the line sampler running, always swapping
 * back; a statement that throws still gives its profile (and `sampled.threw`).
 */
export async function profileLines(evaluate: MagicContext["evaluate"], probes: LineProbes, statement: string, timerUnit: number) {
  let sampled: LineSampled<unknown> | undefined;
  try {
    await evaluate(statement, {
      measure: async (execute) => {
        try {
          probes.swapIn();
          sampled = await sampleLines(probes.functions, execute);
        } finally {
          probes.restore();
        }
        return sampled.value as any;
      },
    });
  } catch (e) {
    // A statement's own error is reported after its profile; this one did not compile.
    if (!sampled) throw e;
  }
  return { result: buildLineProfile(probes.functions, sampled!.functions, statement, timerUnit), sampled: sampled! };
}

/** As a cell's value the profile shows a one-line summary (the table is already above), as line_profiler's object does. */
function withSummary(result: LineProfileResult): LineProfileResult {
  const names = result.functions.map((f) => f.fn.name).join(", ");
  const total = result.functions.reduce((sum, f) => sum + f.totalTime, 0);
  const text = `<LineProfileResult: ${result.functions.length} function${result.functions.length === 1 ? "" : "s"} (${names}), ${total.toPrecision(3)} s in total; fields: timerUnit, functions, statement>`;
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => ({ "text/plain": text }), enumerable: false });
}
