/**
 * %time / %%time — IPython's one-shot timer: CPU time (user, system) and wall time of one run of
 * the statement; its value becomes the cell's result.
 */
import { MagicError } from "./context";
import { defineMagic } from "./registry";
import * as timing from "./measure/timing";
import { timeViews } from "./views";
import type { TimeResult } from "./model/profile";

export const time = defineMagic({
  name: "time",
  forms: ["line", "cell"],
  summary: "Time one run of a statement: CPU times (user, sys) and wall time, as IPython prints them.",
  description: `
Runs the statement (or, as %%time, the cell's body) once in the notebook's context — names it
declares stay defined — and prints the CPU time this process used (user and system, which can
exceed the wall time when other threads work, e.g. the garbage collector) and the wall time.
Compilation is not timed. The value of the last expression becomes the cell's result. A
statement that throws shows its error and no times.

Examples:
  %time const y = forward(x, w1, w2)
  %time await fetchAll(urls)`,
  positional: "statement",
  options: {},
  async run(ctx, call) {
    if (call.form === "cell" && call.rest !== "") {
      throw new MagicError("%%time: code can't go on the %%time line; put the statement in the cell below it.");
    }
    let measured: TimeResult | undefined;
    const value = await ctx.evaluate(call.statement, {
      measure: async (execute) => {
        const timed = await timing.time(execute, call.statement);
        measured = timed.result;
        return timed.value;
      },
    });
    // A statement with nothing to run (only declarations of types) is not executed, so not timed.
    if (measured) for (const bundle of timeViews(measured)) ctx.display(bundle);
    if (value !== undefined) ctx.setResult(value);
  },
});
