/**
 * %alloc / %%alloc — which functions allocate: V8's sampling heap profiler on the statement, as a
 * %prun-style table in bytes and a flame chart, with the JS heap's own balance (still live against
 * allocated and collected) beside it. memray's flame graph, for TypeScript cells.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError, MIME_BUNDLE, type MagicContext } from "../core/context";
import { defineMagic } from "../core/registry";
import { buildAllocationProfile } from "../measure/builders/allocation-profile";
import { sampleHeap, type HeapSampled, type HeapSamplerOptions } from "../measure/samplers/heap-sampler";
import { ALLOCATION_KEYS } from "../views/allocation-text";
import { allocationViews } from "../views/allocation-views";
import { toHeapProfile } from "../views/heapprofile-export";
import { orderBy, orderOptions } from "../views/profile-order";
import { formatBytes } from "../views/pyformat";
import type { AllocationProfileResult } from "../model/profile";

/**
 * Half DevTools' default: at DevTools' own, the 3:1 pair of the bench came out too near the edge
 * of the tolerance the attribution is held to; the cost per sample stayed below this shared
 * machine's noise (npm run bench).
 */
export const DEFAULT_INTERVAL_BYTES = 16 * 1024;

export const alloc = defineMagic({
  name: "alloc",
  forms: ["line", "cell"],
  summary:
    "Which functions allocate: V8's sampling heap profiler as a %prun-style table in bytes, a flame " +
    "chart, and what stays live.",
  description: `
Runs the statement (or, as %%alloc, the whole cell) in the notebook's context — names it defines
stay defined — under V8's sampling heap profiler, and shows each function that allocated: the
sampled allocations in it, self (bytes it allocated itself), total (with everything it called;
recursion counted once) and filename:lineno(function) as %prun writes it, cells as "<cell N>" on
their TypeScript lines; then the allocating call tree as a flame chart, bytes as width.

The sampler records about one allocation per -i bytes (default ${DEFAULT_INTERVAL_BYTES}) and
scales each up to the bytes it stands for; it keeps the samples of objects that were collected
later, so its bytes are everything the statement allocated. Each sample costs a walk of the
stack, so a smaller -i is more exact and slower: at the default the forward pass runs at its
usual speed, code that does little but allocate about 1.2–1.3× slower (npm run bench). When
the sampler stops, V8 runs a full garbage collection, which adds a few tenths of a second
after the statement (not to its time).

Beside it, from the JS heap's own statistics (not sampled): what the statement allocated and,
with -g, what is still live at its end (the heap's growth) against what was allocated and
collected (what garbage collections freed while it ran). -g runs a full collection before and
after, so "live" means reachable: use it to hunt leaks. Without it, collections during the
statement may also free earlier cells' garbage, so only the allocated total and the heap's
growth are shown.

Typed arrays and Buffers keep their contents outside the JS heap: the sampler sees only their
small JS handle (about a hundred bytes), not the contents; the summary's external and
arrayBuffers figures (the readings %memit shows) carry those bytes.

A statement that throws still shows what was measured, then the error.

Examples:
  %alloc forward(x, w1, w2)
  %alloc -g -s total -l 10 forward(x, w1, w2)
  %alloc -q -D forward.heapprofile forward(x, w1, w2)     (open the file in Chrome DevTools' Memory panel or speedscope)
  const profile = %alloc -q -r forward(x, w1, w2)`,
  positional: "statement",
  options: {
    ...orderOptions("self (the default), total, samples, name, filename, line, stdname, nfl"),
    interval: {
      short: "i",
      type: "integer",
      metavar: "BYTES",
      help:
        `mean bytes between sampled allocations (default ${DEFAULT_INTERVAL_BYTES}); each ` +
        `sample costs a walk of the stack, so a smaller interval is more exact and slower`,
    },
    gc: {
      short: "g",
      type: "boolean",
      help: "collect garbage before and after, so that live means reachable (a few tenths of a second)",
    },
    quiet: { short: "q", type: "boolean", help: "show nothing (use with -r or -D)" },
    returnResult: {
      short: "r",
      type: "boolean",
      notebookOnly: true,
      help: "return the profile (an AllocationProfileResult) as the cell's value",
    },
    dumpFile: {
      short: "D",
      type: "string",
      metavar: "FILE",
      help: "also write the profile as a .heapprofile (Chrome DevTools' Memory panel, speedscope) to FILE",
    },
  },
  async run(ctx, call) {
    const interval = call.options.interval ?? DEFAULT_INTERVAL_BYTES;
    if (interval < 1) throw new UsageError(`%alloc: -i must be at least 1 byte, got ${interval}.`);
    const order = { sort: call.options.sort, limits: call.options.limit };
    // A bad sort key is refused before the statement runs.
    orderBy([], order, ALLOCATION_KEYS);
    const { result, sampled } = await profileAllocations(ctx, call.statement, {
      interval,
      collectGarbage: call.options.gc,
    });
    if (!call.options.quiet) for (const bundle of allocationViews(result, order)) ctx.display(bundle);
    if (call.options.dumpFile) {
      fs.writeFileSync(path.resolve(ctx.cwd, call.options.dumpFile), JSON.stringify(toHeapProfile(result)));
      ctx.print(`\n*** Allocation profile saved as a .heapprofile to '${call.options.dumpFile}'.\n`);
    }
    if (call.options.returnResult) ctx.setResult(withSummary(result));
    if (sampled.threw) throw sampled.error;
  },
});

/**
 * Runs the statement under the heap sampler. A statement that throws still gives its profile (and
 * `sampled.threw`); one that does not compile throws.
 */
export async function profileAllocations(
  ctx: Pick<MagicContext, "evaluate" | "profiling">,
  statement: string,
  options: HeapSamplerOptions,
) {
  let sampled: HeapSampled<unknown> | undefined;
  try {
    await ctx.evaluate(statement, {
      measure: async (execute) => {
        sampled = await sampleHeap(execute, options);
        return sampled.value as any;
      },
    });
  } catch (e) {
    // Sampled statements report their own errors after the profile; this one did not compile.
    if (!sampled) throw e;
  }
  const result = buildAllocationProfile({
    profile: sampled!.profile,
    resolve: ctx.profiling.resolveFrame,
    heap: sampled!.heap,
    statement,
    wallTime: sampled!.wallTime,
    sampleInterval: options.interval,
    collectedGarbage: options.collectGarbage,
  });
  return { result, sampled: sampled! };
}

/** As a cell's value the profile shows its summary in one line: the table is already above (or was not asked for). */
function withSummary(result: AllocationProfileResult): AllocationProfileResult {
  const text =
    `<AllocationProfileResult: ${formatBytes(result.sampledBytes)} ` +
    `sampled, ${formatBytes(result.heap.live)} live, ${result.rows.length} functions; fields: rows, ` +
    `tree, heap, sampledBytes, samples, statement>`;
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => ({ "text/plain": text }), enumerable: false });
}
