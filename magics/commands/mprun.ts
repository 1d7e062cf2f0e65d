/**
 * %mprun / %%mprun, memory_profiler's %mprun: each line of the chosen functions with the memory after it
 * ran, the memory it added and how often it ran, from %lprun's counting code and the memory sampler.
 * See docs/how-it-works.md, "From readings to tables".
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError, MIME_BUNDLE, type LineProbes, type MagicContext, type ResolvedFunction } from "../core/context";
import { defineMagic } from "../core/registry";
import { buildMemoryLineProfile } from "../measure/builders/memory-lines";
import { measureStatement } from "../measure/samplers/memory-sampler";
import { memoryLineProfileText } from "../views/memory-text";
import { memoryLineProfileViews } from "../views/memory-views";
import { MIN_INTERVAL } from "./memit";
import type { MemoryLineProfileResult } from "../model/profile";

/** Seconds between readings: fine enough to tell consecutive lines apart; costs the main thread nothing. */
const DEFAULT_INTERVAL = 1e-4;

export const mprun = defineMagic({
  name: "mprun",
  forms: ["line", "cell"],
  summary:
    "Profile the memory of chosen functions line by line: memory_profiler's table, and as HTML shaded by increment.",
  description: `
Runs the statement (as %%mprun, the code on the %%mprun line followed by the cell's body) in the
notebook's context and shows, for each function named with -f, every line of its TypeScript
source as memory_profiler does: Mem usage (the kernel process's RSS after the line last ran),
Increment (how much RSS grew while the line ran, summed over its runs; calls made from the line
included; negative when memory was returned) and Occurrences (exact: how many times a statement
starting on the line ran).

-f takes any expression that evaluates to a function, as %lprun's -f does (a cell's function,
a method, a function imported from a local .ts file); calls reach the profiled version wherever
they come from, and the original is put back afterwards.

A thread reads the RSS every -i seconds together with the line each profiled function is on,
and gives each change to that line: a line that allocates over several readings is measured
exactly, one that allocates in less than a reading within a reading's worth of allocation.
RSS counts memory as it is touched and keeps freed memory for reuse, so a line that allocates
into memory freed earlier shows little increment (%memit's split shows the JS heap beside it).

Examples:
  %mprun -f makeMatrices makeMatrices(1000)
  %mprun -f forward -f matmul forward(x, w1, w2)
  %mprun -T mem.txt -f build build()`,
  positional: "statement",
  options: {
    functions: {
      short: "f",
      type: "string",
      multiple: true,
      metavar: "FUNC",
      help: "a function to profile (any expression that evaluates to one)",
    },
    textFile: { short: "T", type: "string", metavar: "FILE", help: "also write the text table to FILE" },
    returnResult: {
      short: "r",
      type: "boolean",
      help: "return the profile (a MemoryLineProfileResult) as the cell's value",
    },
    interval: {
      short: "i",
      type: "number",
      metavar: "SECONDS",
      help: `seconds between memory readings (default ${DEFAULT_INTERVAL}, at least ${MIN_INTERVAL})`,
    },
  },
  async run(ctx, call) {
    const { options } = call;
    const interval = options.interval ?? DEFAULT_INTERVAL;
    if (!(interval >= MIN_INTERVAL))
      throw new UsageError(`%mprun: -i must be at least ${MIN_INTERVAL} seconds, got ${interval}.`);
    if (options.functions.length === 0)
      throw new UsageError("%mprun needs a function to profile: -f FUNC (repeatable). Run %mprun? for help.");
    const statement = call.form === "cell" ? `${call.rest}\n${call.body}` : call.rest;
    if (statement.trim() === "")
      throw new UsageError("%%mprun: nothing to run: put the statement on the %%mprun line or in the cell below it.");
    const probes = await instrument(ctx, options.functions);
    const measured = await profileMemoryLines(ctx, probes, statement, interval);
    // Only declarations of types: nothing ran.
    if (!measured) return;
    const result = buildMemoryLineProfile(probes.functions, measured.lines, statement);
    for (const bundle of memoryLineProfileViews(result)) ctx.display(bundle);
    if (options.textFile) {
      fs.writeFileSync(path.resolve(ctx.cwd, options.textFile), memoryLineProfileText(result));
      ctx.print(`\n*** Profile printout saved to text file ${options.textFile}. \n`);
    }
    if (options.returnResult) ctx.setResult(withRichView(result));
    if (measured.threw) throw measured.error;
  },
});

/** The counting code; the kernel's refusals name %lprun, whose machinery this is, so they are renamed. */
async function instrument(ctx: MagicContext, expressions: string[]): Promise<LineProbes> {
  const functions: ResolvedFunction[] = [];
  for (const expression of expressions) functions.push(await ctx.resolveFunction(expression));
  try {
    return ctx.lines.instrument({ functions, modules: [], clockLines: false });
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/%lprun/g, "%mprun"));
    throw e;
  }
}

/**
 * Runs the statement with the counting code swapped in (and always back out) and the sampler
 * attributing memory to their lines.
 */
async function profileMemoryLines(ctx: MagicContext, probes: LineProbes, statement: string, interval: number) {
  const options = {
    interval,
    timeout: null,
    repeats: 1,
    collectGarbage: false,
    sampleHeap: false,
    lines: probes.functions,
  };
  try {
    return await measureStatement(ctx.evaluate, statement, options, async (measure) => {
      try {
        probes.swapIn();
        return await measure();
      } finally {
        for (const note of probes.restore()) ctx.print(`${note}\n`);
      }
    });
  } finally {
    probes.restore();
  }
}

/** The returned profile shows itself as the table when it is a cell's value. */
function withRichView(result: MemoryLineProfileResult): MemoryLineProfileResult {
  return Object.defineProperty(result, MIME_BUNDLE, {
    value: () => memoryLineProfileViews(result)[0],
    enumerable: false,
  });
}
