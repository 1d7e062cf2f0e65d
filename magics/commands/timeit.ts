/**
 * %timeit / %%timeit — IPython's timing magic for TypeScript: the statement is compiled once in
 * the notebook's context, then called loops × repeat times (magics/measure/samplers/timing.ts).
 */
import { UsageError, MIME_BUNDLE, type MagicContext } from "../core/context";
import { defineMagic } from "../core/registry";
import * as timing from "../measure/samplers/timing";
import { compileStatement, type StatementSource } from "../measure/samplers/statement-function";
import { timeitViews } from "../views";
import type { TimeitResult } from "../model/profile";

/** IPython's default -p: significant digits of the times shown. */
const DEFAULT_PRECISION = 3;

export const timeit = defineMagic({
  name: "timeit",
  forms: ["line", "cell"],
  summary: "Time a statement over many loops: IPython's `mean ± std. dev. per loop` line and a histogram of the runs.",
  description: `
Compiles the statement once in the notebook's context (it sees the names earlier cells
defined), then runs it in R runs of N loops each and shows the mean time per loop, the standard
deviation over the runs and a histogram of the runs. Without -n, N is calibrated as IPython
does: 1, 2, 5, 10, 20, 50, … loops until one run takes at least ${timing.AUTORANGE_TARGET} s.
A statement that returns a promise (or uses await) is awaited inside the timed loop, which adds
an await's cost (about 0.1–0.3 µs) to each loop.

In cell mode (%%timeit) the cell's body is timed; code after the options on the %%timeit line
is setup: it runs once, untimed, and the body sees the names it declares (they do not leak
into the notebook).

If the slowest run took over 4 times as long as the fastest, a warning says so: an
intermediate result may be cached, or something else (GC, JIT compilation) interfered.

Examples:
  %timeit matmul(a, b)
  %timeit -n 10 -r 3 forward(x, w1, w2)
  %timeit -o -q forward(x, w1, w2)         (the cell's value is the TimeitResult: timings, best, worst, mean, stdev)
  %%timeit const out = new Float64Array(n * m)
  matmulInto(out, a, b)`,
  positional: "statement",
  options: {
    loops: {
      short: "n",
      type: "integer",
      metavar: "N",
      help: "loops per run (default, or 0: calibrated so that a run takes at least 0.2 s)",
    },
    repeat: { short: "r", type: "integer", metavar: "R", help: `number of runs (default ${timing.DEFAULT_REPEAT})` },
    returnResult: { short: "o", type: "boolean", help: "return the TimeitResult as the cell's value" },
    quiet: { short: "q", type: "boolean", help: "show nothing (use with -o)" },
    precision: {
      short: "p",
      type: "integer",
      metavar: "P",
      help: `significant digits of the times shown (default ${DEFAULT_PRECISION})`,
    },
  },
  async run(ctx, call) {
    const { loops = 0, repeat = timing.DEFAULT_REPEAT, precision = DEFAULT_PRECISION } = call.options;
    if (loops < 0)
      throw new UsageError(`%timeit: -n must be a positive number of loops (or 0 to calibrate), got ${loops}.`);
    if (repeat < 1) throw new UsageError(`%timeit: -r must be at least 1 run, got ${repeat}.`);
    if (precision < 1) throw new UsageError(`%timeit: -p must be at least 1 digit, got ${precision}.`);
    const source = statementSource(call.form, call.rest, call.body);
    const run = await compileStatement(ctx, source);
    const result = await timeInterruptibly(ctx, run, {
      statement: source.statement,
      loops: loops || undefined,
      repeat,
    });
    const views = timeitViews(result, { precision });
    if (!call.options.quiet) for (const bundle of views) ctx.display(bundle);
    if (call.options.returnResult) ctx.setResult(withRichView(result, views[0]));
  },
});

function statementSource(form: "line" | "cell", rest: string, body: string): StatementSource {
  if (form === "line") return { statement: rest, setup: null };
  if (body.trim() === "")
    throw new UsageError(
      "%%timeit: the cell has nothing to time: put the statement below the %%timeit line (code on that line is setup).",
    );
  return { statement: body, setup: rest };
}

/** Runs the timing so that Jupyter's interrupt stops it: tight loops through the kernel, awaits through an abort. */
async function timeInterruptibly(
  ctx: MagicContext,
  run: timing.Statement,
  options: timing.TimeitOptions,
): Promise<TimeitResult> {
  const controller = new AbortController();
  const stopListening = ctx.onInterrupt(() => controller.abort(interrupted()));
  try {
    return await timing.timeit(run, {
      ...options,
      invoke: (fn) => ctx.callInterruptibly(fn),
      signal: controller.signal,
    });
  } finally {
    stopListening();
  }
}

function interrupted(): Error {
  const error = new Error("%timeit was interrupted (SIGINT) while awaiting the statement.");
  error.name = "KeyboardInterrupt";
  return error;
}

/** The returned result stays plain data; as a cell's value it shows the %timeit line. */
function withRichView(result: TimeitResult, view: Record<string, unknown>): TimeitResult {
  return Object.defineProperty(result, MIME_BUNDLE, { value: () => view, enumerable: false });
}
