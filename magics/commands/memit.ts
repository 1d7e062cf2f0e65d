/**
 * %memit / %%memit — memory_profiler's %memit for TypeScript cells: the statement's peak memory
 * and its increment over the memory before it, with the split into JS heap, external memory and
 * ArrayBuffers beside it, and a timeline of memory while it ran.
 */
import { UsageError, MIME_BUNDLE, type MagicContext } from "../core/context";
import { defineMagic } from "../core/registry";
import { HEAP_INTERVAL_FLOOR, measureStatement } from "../measure/samplers/memory-sampler";
import { memitViews } from "../views/memory-views";
import type { MemoryResult } from "../model/profile";

/**
 * Seconds between RSS readings: a timeline of a few points even for a short statement, at an
 * overhead `npm run bench` reports (%memit overhead on the forward pass).
 */
export const DEFAULT_INTERVAL = 0.001;
/** The smallest interval the sampler thread keeps (npm run bench: below it, readings no longer come on time). */
export const MIN_INTERVAL = 1e-4;

export const memit = defineMagic({
  name: "memit",
  forms: ["line", "cell"],
  summary:
    "Measure the peak memory of a statement: memory_profiler's `peak memory: X MiB, increment: Y " +
    "MiB`, the heap split and a timeline.",
  description: `
Runs the statement (or, as %%memit, the cell's body) in the notebook's context — names it
declares stay defined — and prints memory_profiler's line: the peak resident set size (RSS) of
the kernel process while it ran, and the increment over the RSS just before it. Beside it: each
kind of memory before, at its peak and the difference — heapUsed (V8's JS heap: objects, plain
arrays, strings), external (memory outside that heap owned by JS objects) and arrayBuffers (the
part of external that holds typed arrays and Buffers) — and a chart of memory over time.

The RSS peak is exact on Linux: the kernel's high-water mark (VmHWM) is reset before each run
and read after it, so memory allocated and freed again during the statement counts. The other
peaks are the highest of readings taken by a thread: RSS every -i seconds, the heap split (for
which it briefly interrupts the main thread) at most every ${HEAP_INTERVAL_FLOOR * 1000} ms, and
at the end of each run.

RSS also moves for reasons of its own: memory freed earlier and reused (then the increment is
smaller than what was allocated), or pages never written (a new Float64Array is not resident
until it is filled). And garbage that earlier cells left and that is collected during the
statement lowers the increments, the JS heap's most: -g collects it first (full collections,
then a wait until RSS settles: a few tenths of a second; Node needs no --expose-gc for it).
Use -g for numbers you compare. A statement that throws still shows what was measured, then
the error.

In cell mode (%%memit), code on the %%memit line is setup: it runs first, unmeasured, and the
body sees the names it declares.

Examples:
  %memit new Float64Array(1e6).fill(1)
  %memit -r 3 -g forward(x, w1, w2)
  %memit -o -q makeMatrix(1000)            (the cell's value is the MemoryResult)
  %%memit const n = 1000
  const m = Array.from({ length: n }, () => new Array(n).fill(0))`,
  positional: "statement",
  options: {
    repeat: {
      short: "r",
      type: "integer",
      metavar: "N",
      help: "run the statement N times and report the highest peak (default 1)",
    },
    interval: {
      short: "i",
      type: "number",
      metavar: "SECONDS",
      help:
        `seconds between RSS readings (default ${DEFAULT_INTERVAL}, at least ${MIN_INTERVAL}); ` +
        `the heap split is read at most every ${HEAP_INTERVAL_FLOOR} s`,
    },
    timeout: {
      short: "t",
      type: "number",
      metavar: "SECONDS",
      help: "stop measuring after SECONDS: later runs are skipped (a running statement finishes)",
    },
    returnResult: {
      short: "o",
      type: "boolean",
      notebookOnly: true,
      help: "return the MemoryResult as the cell's value",
    },
    quiet: { short: "q", type: "boolean", notebookOnly: true, help: "show nothing (use with -o)" },
    gc: {
      short: "g",
      type: "boolean",
      help: "collect garbage (as DevTools' Collect garbage button does) before taking the baseline",
    },
  },
  async run(ctx, call) {
    const { repeat = 1, interval = DEFAULT_INTERVAL, timeout } = call.options;
    if (repeat < 1) throw new UsageError(`%memit: -r must be at least 1 run, got ${repeat}.`);
    if (!(interval >= MIN_INTERVAL))
      throw new UsageError(`%memit: -i must be at least ${MIN_INTERVAL} seconds, got ${interval}.`);
    if (timeout !== undefined && !(timeout > 0))
      throw new UsageError(`%memit: -t must be a positive number of seconds, got ${timeout}.`);
    const statement = await prepareStatement(ctx, call.form, call.rest, call.body);
    const options = {
      interval,
      timeout: timeout ?? null,
      repeats: repeat,
      collectGarbage: call.options.gc,
      sampleHeap: true,
      lines: [],
    };
    const measured = await measureStatement(ctx.evaluate, statement, options);
    // Only declarations of types: nothing ran, so there is nothing to report (as %time).
    if (!measured) return;
    const result: MemoryResult = { ...measured.result, statement: call.statement };
    if (!call.options.quiet) for (const bundle of memitViews(result)) ctx.display(bundle);
    if (call.options.returnResult) ctx.setResult(withRichView(result));
    if (measured.threw) throw measured.error;
  },
});

/** %%memit runs the code on its line first, unmeasured (memory_profiler's setup); the body keeps its cell lines. */
async function prepareStatement(ctx: MagicContext, form: "line" | "cell", rest: string, body: string): Promise<string> {
  if (form === "line") return rest;
  if (body.trim() === "")
    throw new UsageError(
      "%%memit: the cell has nothing to measure: put the statement below the %%memit line (code on " +
        "that line is setup).",
    );
  if (rest.trim() !== "") await ctx.evaluate(rest);
  return "\n" + body;
}

/** The returned result stays plain data; as a cell's value it shows the line and its split. */
function withRichView(result: MemoryResult): MemoryResult {
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => memitViews(result)[0], enumerable: false });
}
