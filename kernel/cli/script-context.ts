/**
 * The MagicContext a magic gets when it runs as a command on a script: "the statement" is the
 * script's run, its tables go to the terminal (after the script's own output) as the Python tools
 * print them, and every bundle it shows is kept for the HTML report.
 */
import { UsageError, type MagicContext, type MimeBundle } from "../../magics/core/context";
import { PLOTLY_MIME } from "../../magics/views/plotly";
import { profilingHooks } from "../exec/frames";
import { lineInstrumentation } from "../line-profiler/line-hooks";
import type { PreparedScript, ScriptRun } from "./run-script";

export interface ScriptContext extends MagicContext {
  /** Everything shown, in order: the report's content. */
  shown: MimeBundle[];
}

export function scriptContext(script: PreparedScript, run: ScriptRun, cwd: string): ScriptContext {
  const shown: MimeBundle[] = [];
  const print = (text: string) => void process.stdout.write(text);
  return {
    shown,
    display(bundle) {
      shown.push(bundle);
      // Charts are for the HTML report; the terminal gets the tables, as the Python tools print them.
      if (!(PLOTLY_MIME in bundle) && typeof bundle["text/plain"] === "string") print(`${bundle["text/plain"]}\n`);
    },
    print,
    page: print,
    evaluate: async (_code, options = {}) => {
      await (options.measure ? options.measure(run.execute) : run.execute());
      return undefined;
    },
    resolveFunction: async (expression) => {
      throw new UsageError(
        `${expression}: a script's functions are named where they are defined (see tsprof lprun --help).`,
      );
    },
    setResult: () => {},
    executionCount: 0,
    // Ctrl-C is the run's (run-script.ts): before the script runs it ends the command at once.
    onInterrupt: () => () => {},
    callInterruptibly: (fn) => fn(),
    profiling: profilingHooks(script.units, cwd),
    lines: lineInstrumentation(script.units, cwd),
    cwd,
  };
}
